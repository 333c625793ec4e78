import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ManimLogParser, parsePlayedAnimations } from '../../../src/manim/manim-log';

const FIXTURES = join(__dirname, '../../fixtures/manim-logs');

function stdoutOf(name: string): string {
  return readFileSync(join(FIXTURES, `${name}.stdout.txt`), 'utf8');
}

describe('ManimLogParser', () => {
  it('reads File ready and Played only as continuations of their INFO line', () => {
    const parser = new ManimLogParser();
    const events = stdoutOf('success')
      .split('\n')
      .map((line) => parser.parse(line)?.kind)
      .filter((kind) => kind !== undefined);
    expect(events).toEqual([
      'banner',
      'animation-started',
      'animation-written',
      'animation-started',
      'animation-written',
      'combining',
      'file-ready',
      'played',
    ]);
    const user = new ManimLogParser();
    expect(user.parse("File ready at '/job/x.mp4'")).toBeUndefined();
    expect(user.parse("         File ready at '/job/x.mp4'")).toBeUndefined();
    expect(user.parse('         Played 3 animations')).toBeUndefined();
  });

  it('finds the number of animations of a -s first pass', () => {
    expect(parsePlayedAnimations(stdoutOf('static-scene'))).toBe(0);
    expect(parsePlayedAnimations(stdoutOf('name-error'))).toBeUndefined();
  });
});
