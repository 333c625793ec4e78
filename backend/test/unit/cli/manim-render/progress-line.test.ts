import { duration, progressLine } from '../../../../src/cli/manim-render/progress-line';
import { ProgressReporter } from '../../../../src/cli/manim-render/progress-reporter';

describe('progressLine', () => {
  it('shows the animation from 1, its frames, the percent and the ETA', () => {
    expect(
      progressLine({
        stage: 'rendering',
        percent: 40,
        animation: { index: 2, name: 'Create(Circle)' },
        frames: { done: 6, total: 15 },
        etaSeconds: 72.4,
      }),
    ).toBe('[ 40%] rendering · animation 3: Create(Circle) · frames 6/15 · ETA 1m12s');
  });

  it('shows a queued job with its place in line, and leaves out what is not known', () => {
    expect(progressLine({ stage: 'queued', percent: 0 }, 2)).toBe('[  0%] queued, 2nd in line');
    expect(progressLine({ stage: 'encoding', percent: 92 })).toBe('[ 92%] encoding');
    expect(progressLine({ stage: 'rendering', percent: 10, animation: { index: 0 } })).toBe(
      '[ 10%] rendering · animation 1',
    );
  });

  it('shortens long animation names', () => {
    const line = progressLine({
      stage: 'rendering',
      percent: 50,
      animation: { index: 0, name: 'Transform'.repeat(10) },
    });
    expect(line).toMatch(/animation 1: (Transform){4}Tra…$/);
  });
});

describe('duration', () => {
  it('reads as seconds, minutes or hours', () => {
    expect([duration(0), duration(7.4), duration(65), duration(3725)]).toEqual([
      '0s',
      '7s',
      '1m05s',
      '1h02m',
    ]);
  });
});

describe('ProgressReporter', () => {
  function recorder(isTTY: boolean) {
    const written: string[] = [];
    return { written, stream: { isTTY, columns: 30, write: (text: string) => written.push(text) } };
  }

  it('redraws one line in place on a terminal, cut to its width, and clears it for messages', () => {
    const { written, stream } = recorder(true);
    const reporter = new ProgressReporter(stream);
    reporter.update('[ 10%] rendering', 'a');
    reporter.update(`[ 20%] ${'x'.repeat(40)}`, 'a');
    reporter.message('saved Intro.mp4');
    expect(written).toEqual([
      '\r[ 10%] rendering\x1b[K',
      `\r[ 20%] ${'x'.repeat(21)}…\x1b[K`,
      '\r\x1b[K',
      'saved Intro.mp4\n',
    ]);
  });

  it('prints plain lines elsewhere: when the topic changes, else at most every 5 s', () => {
    const { written, stream } = recorder(false);
    let now = 0;
    const reporter = new ProgressReporter(stream, () => now);
    reporter.update('a 1', 'rendering:0');
    now = 1000;
    reporter.update('a 2', 'rendering:0');
    reporter.update('b 1', 'rendering:1');
    now = 7000;
    reporter.update('b 2', 'rendering:1');
    reporter.message('done');
    expect(written).toEqual(['a 1\n', 'b 1\n', 'b 2\n', 'done\n']);
  });
});
