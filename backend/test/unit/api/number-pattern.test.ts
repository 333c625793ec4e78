import { wholeNumberPattern } from '../../../src/api/number-pattern';

describe('the pattern of a range of whole numbers', () => {
  const cases: Array<[number, number, boolean]> = [
    [1, 1, false],
    [1, 9, false],
    [1, 60, false],
    [1, 120, false],
    [1, 3600, false],
    [16, 3840, true],
    [16, 2160, true],
    [16, 16, true],
    [7, 1005, false],
  ];

  it.each(cases)('matches exactly the numbers from %d to %d (even only: %s)', (lo, hi, even) => {
    const pattern = new RegExp(`^${wholeNumberPattern(lo, hi, { even })}$`);
    const wrong: number[] = [];
    for (let n = 0; n <= hi * 2 + 20; n++) {
      const expected = n >= lo && n <= hi && (!even || n % 2 === 0);
      if (pattern.test(String(n)) !== expected) wrong.push(n);
    }
    expect(wrong).toEqual([]);
  });

  it('matches no leading zero', () => {
    expect(new RegExp(`^${wholeNumberPattern(1, 60)}$`).test('030')).toBe(false);
  });
});
