import { LineSplitter, MAX_LINE_LENGTH } from '../../../src/manim/output-lines';

describe('LineSplitter', () => {
  it('splits at \\n, \\r\\n and \\r and keeps how each line ended', () => {
    const splitter = new LineSplitter();
    expect(splitter.push('a\nb\r\nc\rd')).toEqual([
      { text: 'a', terminator: '\n' },
      { text: 'b', terminator: '\n' },
      { text: 'c', terminator: '\r' },
    ]);
    expect(splitter.end()).toEqual([{ text: 'd', terminator: 'end' }]);
  });

  it('waits for the next chunk to tell \\r\\n from \\r', () => {
    const splitter = new LineSplitter();
    expect(splitter.push('one\r')).toEqual([]);
    expect(splitter.push('\ntwo\r')).toEqual([{ text: 'one', terminator: '\n' }]);
    expect(splitter.push('three')).toEqual([{ text: 'two', terminator: '\r' }]);
    expect(splitter.push('\r')).toEqual([]);
    expect(splitter.end()).toEqual([{ text: 'three', terminator: '\r' }]);
  });

  it('joins a UTF-8 character cut between chunks', () => {
    const bytes = Buffer.from('|██▎ |\n', 'utf8');
    const splitter = new LineSplitter();
    const lines = [...bytes].flatMap((byte) => splitter.push(Uint8Array.of(byte)));
    expect(lines).toEqual([{ text: '|██▎ |', terminator: '\n' }]);
  });

  it('keeps at most MAX_LINE_LENGTH characters of an endless line', () => {
    const splitter = new LineSplitter();
    for (let i = 0; i < 3; i++) splitter.push('x'.repeat(MAX_LINE_LENGTH));
    const [line] = splitter.push('\n');
    expect(line?.text.length).toBe(MAX_LINE_LENGTH);
    expect(splitter.push('next\n')).toEqual([{ text: 'next', terminator: '\n' }]);
  });
});
