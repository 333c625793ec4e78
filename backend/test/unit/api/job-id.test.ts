import { isPlausibleJobId } from '../../../src/api/job-id';

describe('isPlausibleJobId', () => {
  it.each(['1', '4711', 'b3c1a2f0-9d4e-4c1b-8a77-0e5f2c6d9a10', 'job_7.retry-2'])(
    'accepts %p',
    (id) => {
      expect(isPlausibleJobId(id)).toBe(true);
    },
  );

  it.each(['', '.', '..', '.hidden', 'a/b', 'a\\b', 'a b', 'x'.repeat(129), 'job:1', 'ü'])(
    'rejects %p',
    (id) => {
      expect(isPlausibleJobId(id)).toBe(false);
    },
  );

  it('accepts ids up to 128 characters', () => {
    expect(isPlausibleJobId('x'.repeat(128))).toBe(true);
  });
});
