import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type RenderProgress } from '../../../src/job/job-progress';
import { parsePlayedAnimations } from '../../../src/manim/manim-log';
import {
  ProgressTracker,
  type OutputStream,
  type ProgressTrackerOptions,
} from '../../../src/manim/render-progress';

const FIXTURES = join(__dirname, '../../fixtures/manim-logs');

function fixture(name: string, stream: OutputStream): string {
  return readFileSync(join(FIXTURES, `${name}.${stream}.txt`), 'utf8');
}

interface Piece {
  stream: OutputStream;
  text: string;
}

/**
 * The two recorded streams merged into one plausible arrival order: a stdout line at a time, and
 * the stderr redraws of animation N (a bar and the redraws after it, up to the next bar) just
 * before the stdout line saying that N was written, i.e. after the `Caching disabled.` that
 * started it. Each stream keeps its own order, byte for byte.
 */
function recordedTimeline(name: string): Piece[] {
  const stdoutLines = fixture(name, 'stdout').match(/[^\n]*\n|[^\n]+$/g) ?? [];
  let key = -1;
  const redraws = (fixture(name, 'stderr').match(/[^\r\n]*[\r\n]|[^\r\n]+$/g) ?? []).map((text) => {
    const bar = /^(?:Animation|Waiting) (\d+)/.exec(text);
    if (bar !== null) key = Number(bar[1]);
    return { text, key };
  });

  const timeline: Piece[] = [];
  let next = 0;
  for (const line of stdoutLines) {
    const written = /^INFO\s+Animation (\d+) : /.exec(line);
    if (written !== null) {
      while (next < redraws.length && (redraws[next]?.key ?? 0) <= Number(written[1])) {
        timeline.push({ stream: 'stderr', text: redraws[next]?.text ?? '' });
        next++;
      }
    }
    timeline.push({ stream: 'stdout', text: line });
  }
  for (const redraw of redraws.slice(next)) timeline.push({ stream: 'stderr', text: redraw.text });
  return timeline;
}

/** Consecutive pieces of one stream as one byte run, as a pipe would deliver them. */
function byteRuns(timeline: Piece[]): { stream: OutputStream; bytes: Buffer }[] {
  const runs: { stream: OutputStream; text: string }[] = [];
  for (const piece of timeline) {
    const last = runs[runs.length - 1];
    if (last?.stream === piece.stream) last.text += piece.text;
    else runs.push({ ...piece });
  }
  return runs.map((run) => ({ stream: run.stream, bytes: Buffer.from(run.text, 'utf8') }));
}

interface Replay {
  tracker: ProgressTracker;
  /** The snapshot after every chunk, consecutive duplicates removed. */
  snapshots: RenderProgress[];
}

/** Feeds a recorded run in chunks of `chunkSize` bytes (Infinity: whole runs), 1 ms apart. */
function replay(name: string, chunkSize: number, options: ProgressTrackerOptions = {}): Replay {
  const tracker = new ProgressTracker(options);
  const snapshots: RenderProgress[] = [];
  const record = () => {
    const snapshot = tracker.snapshot();
    const last = snapshots[snapshots.length - 1];
    if (last === undefined || JSON.stringify(last) !== JSON.stringify(snapshot)) {
      snapshots.push(snapshot);
    }
  };
  let now = 0;
  tracker.start(now);
  record();
  for (const { stream, bytes } of byteRuns(recordedTimeline(name))) {
    const size = Number.isFinite(chunkSize) ? chunkSize : bytes.length;
    for (let offset = 0; offset < bytes.length; offset += size) {
      tracker.push(stream, bytes.subarray(offset, offset + size), ++now);
      record();
    }
  }
  tracker.endOfOutput(++now);
  record();
  return { tracker, snapshots };
}

function distinct<T>(values: T[]): T[] {
  return values.filter((value, index) => index === 0 || value !== values[index - 1]);
}

describe('ProgressTracker on a real multi-animation render (progress-multi)', () => {
  // Byte by byte, a snapshot is taken after every line: the finest view of the run.
  const byByte = replay('progress-multi', 1);

  it.each([
    ['7-byte', 7],
    ['64-byte', 64],
    ['whole-run', Infinity],
  ])('reaches the same final state fed in %s chunks, through the same states', (_label, size) => {
    const chunked = replay('progress-multi', size);
    expect(chunked.tracker.snapshot()).toEqual(byByte.tracker.snapshot());
    // Bigger chunks may carry several lines, so they skip states but never make new ones.
    const fine = byByte.snapshots.map((snapshot) => JSON.stringify(snapshot));
    let position = 0;
    for (const snapshot of chunked.snapshots) {
      position = fine.indexOf(JSON.stringify(snapshot), position);
      expect(position).toBeGreaterThanOrEqual(0);
    }
  });

  it('goes through the stages in order and ends at finalizing once Manim is done', () => {
    expect(distinct(byByte.snapshots.map((snapshot) => snapshot.stage))).toEqual([
      'preparing',
      'rendering',
      'encoding',
      'finalizing',
    ]);
    expect(byByte.tracker.snapshot()).toEqual({ stage: 'finalizing', percent: 96 });
    expect(byByte.tracker.playedAnimations).toBe(6);
  });

  it('raises the percent through many values, never lowers it, and keeps rendering below 90', () => {
    const percents = byByte.snapshots.map((snapshot) => snapshot.percent);
    percents.forEach((percent, index) => {
      expect(percent).toBeGreaterThanOrEqual(percents[index - 1] ?? 0);
    });
    const rendering = distinct(
      byByte.snapshots.filter((s) => s.stage === 'rendering').map((s) => s.percent),
    );
    expect(rendering.length).toBeGreaterThanOrEqual(8);
    expect(Math.min(...rendering)).toBe(10);
    expect(Math.max(...rendering)).toBeLessThan(90);
    expect(percents).not.toContain(100);
  });

  it('follows the animations and frames of the real bars', () => {
    const animations = distinct(
      byByte.snapshots
        .filter((snapshot) => snapshot.animation !== undefined)
        .map((snapshot) => `${snapshot.animation?.index} ${snapshot.animation?.name ?? '-'}`),
    );
    expect(animations).toEqual([
      // `Caching disabled.` starts an animation before its first redraw names it.
      '0 -',
      "0 Write(Text('Progress report'))",
      '1 -', // self.wait(): a static wait draws no bar
      '2 -',
      "2 FadeIn(MathTex('e^{i\\\\pi} + 1 = 0')), etc.",
      '3 -',
      '3 Waiting 3', // the wait with an updater
      '4 -',
      '4 Create(Square)',
      '5 -',
      '5 FadeOut(Group)',
    ]);

    const frames = byByte.snapshots
      .filter((snapshot) => snapshot.animation?.index === 0 && snapshot.frames !== undefined)
      .map((snapshot) => `${snapshot.frames?.done}/${snapshot.frames?.total}`);
    // Redraws 0/30, 13/30 and 25/30, then 30/30 once Manim says the animation is written.
    expect(distinct(frames)).toEqual(['0/30', '13/30', '25/30', '30/30']);
  });

  it("ignores the user's print() output shaped like progress on both streams", () => {
    // The scene prints a fake bar and a fake `Animation 9 : Partial movie file` line on stdout,
    // and fake `Animation 0: Fake(Thing)` / `Waiting 3 ... 99/100` bars on stderr, and
    // `Combining to Movie file.` before its wait with an updater.
    const beforeRendering = byByte.snapshots.filter((snapshot) => snapshot.stage === 'preparing');
    expect(beforeRendering.map((snapshot) => snapshot.percent)).toEqual([1, 5]);
    for (const snapshot of byByte.snapshots) {
      expect(snapshot.animation?.name ?? '').not.toMatch(/Fake|Text\('x'\)/);
      expect(snapshot.frames?.total).not.toBe(100);
      expect(snapshot.frames?.total).not.toBe(10);
    }
    const encodingAt = byByte.snapshots.findIndex((snapshot) => snapshot.stage === 'encoding');
    const lastAnimation = byByte.snapshots.findIndex((s) => s.animation?.index === 5);
    expect(encodingAt).toBeGreaterThan(lastAnimation);
  });

  it('reaches 100 only when the worker completes the job', () => {
    const { tracker } = replay('progress-multi', 7);
    tracker.complete(10_000);
    expect(tracker.snapshot()).toEqual({ stage: 'done', percent: 100 });
  });

  it('is linear in animations when the number of animations is known', () => {
    const expected = parsePlayedAnimations(fixture('progress-multi', 'stdout'));
    expect(expected).toBe(6);
    const known = replay('progress-multi', 7, { expectedAnimations: expected });
    const percentAt = (index: number) =>
      known.snapshots.find((s) => s.animation?.index === index + 1)?.percent;
    // After animation k is written (and before the next moves), 10 + 80 * (k + 1) / 6.
    expect(percentAt(0)).toBe(23);
    expect(percentAt(1)).toBe(36);
    expect(percentAt(4)).toBe(76);
    // All six written: 6 / (6 + 0.25) of the band, room left should the scene play more.
    const rendering = known.snapshots.filter((s) => s.stage === 'rendering');
    expect(Math.max(...rendering.map((s) => s.percent))).toBe(86);
  });
});

describe('ProgressTracker on other recorded runs', () => {
  it('counts the two animations of the success run, whose only bar is 0/15', () => {
    const { tracker, snapshots } = replay('success', 5);
    expect(distinct(snapshots.map((s) => s.stage))).toEqual([
      'preparing',
      'rendering',
      'encoding',
      'finalizing',
    ]);
    expect(tracker.playedAnimations).toBe(2);
    // x / (x + 4): the first of two animations ends at 26, the second at 36.
    const rendering = distinct(
      snapshots.filter((s) => s.stage === 'rendering').map((s) => s.percent),
    );
    expect(rendering).toEqual([10, 26, 36]);
  });

  it('goes from preparing to finalizing for a scene that plays nothing (a PNG)', () => {
    const { snapshots } = replay('static-scene', 3);
    expect(distinct(snapshots.map((s) => s.stage))).toEqual(['preparing', 'finalizing']);
  });

  it('stays in rendering when the scene fails mid-way (name-error)', () => {
    // The exception is raised while the second play() is built, before it starts.
    const { tracker } = replay('name-error', 11);
    expect(tracker.snapshot()).toEqual({
      stage: 'rendering',
      percent: 26,
      animation: { index: 0, name: 'Create(Circle)' },
      frames: { done: 30, total: 30 },
    });
  });
});

describe('ProgressTracker with hand-written output', () => {
  const caching = 'INFO     Caching disabled.                      cairo_renderer.py:79\n';
  const written = (index: number) =>
    `INFO     Animation ${index} : Partial movie file written in '/job/media/videos/scene/480p15/partial_movie_files/S/uncached_0000${index}.mp4'     scene_file_writer.py:588\n`;
  const bar = (index: number, done: number, total: number) =>
    `\rAnimation ${index}: Create(Circle): ${String(Math.round((100 * done) / total)).padStart(3)}%|#         | ${done}/${total} [00:00<00:00, 15.00it/s]`;
  // tqdm starts each redraw with `\r`, so a bar is read once the next redraw (or its erasure) begins.
  const erase = `\r${' '.repeat(20)}`;

  it('ignores bars on stdout, printed bars on stderr and out-of-sequence animation numbers', () => {
    const tracker = new ProgressTracker();
    tracker.push('stdout', caching, 0);
    tracker.push('stdout', `${bar(0, 5, 10).slice(1)}\n`, 1);
    tracker.push('stderr', `${bar(0, 9, 10).slice(1)}\n`, 2);
    tracker.push('stderr', `${bar(3, 5, 10)}${bar(3, 6, 10)}${erase}`, 3);
    tracker.push('stdout', written(7), 4);
    tracker.push('stdout', 'Animation 0 : Partial movie file written in x\n', 5);
    tracker.push('stdout', 'INFO     Combining to Movie file.\n'.replace('INFO', 'info'), 6);
    expect(tracker.snapshot()).toEqual({
      stage: 'rendering',
      percent: 10,
      animation: { index: 0 },
    });

    tracker.push('stderr', `${bar(0, 4, 10)}${erase}`, 7);
    expect(tracker.snapshot()).toMatchObject({ frames: { done: 4, total: 10 }, percent: 17 });
  });

  it('counts an animation whose stdout line is late when the next bar arrives first', () => {
    const tracker = new ProgressTracker();
    tracker.push('stdout', caching, 0);
    tracker.push('stderr', `${bar(0, 0, 10)}${bar(1, 0, 10)}${erase}`, 1);
    expect(tracker.snapshot()).toMatchObject({ animation: { index: 1 }, percent: 26 });
    tracker.push('stdout', written(0), 2);
    tracker.push('stdout', caching, 3);
    expect(tracker.snapshot()).toMatchObject({ animation: { index: 1 }, percent: 26 });
  });

  it('counts cached animations from their `Using cached data` line', () => {
    const tracker = new ProgressTracker();
    tracker.push(
      'stdout',
      'INFO     Animation 0 : Using cached data (hash : 1185818605_1465398064_223132457)   cairo_renderer.py:89\n',
      0,
    );
    tracker.push('stderr', `${bar(0, 0, 1)}${erase}`, 1);
    expect(tracker.snapshot()).toMatchObject({ stage: 'rendering', percent: 26 });
  });

  it('ignores bars once Manim combines the movie', () => {
    const tracker = new ProgressTracker();
    tracker.push('stdout', `${caching}${written(0)}INFO     Combining to Movie file.\n`, 0);
    tracker.push('stderr', `${bar(1, 5, 10)}${erase}`, 1);
    expect(tracker.snapshot()).toEqual({ stage: 'encoding', percent: 92 });
  });

  it('gives an ETA from the observed frame rate only when the total is known', () => {
    const run = (options: ProgressTrackerOptions) => {
      const tracker = new ProgressTracker(options);
      tracker.start(0);
      tracker.push('stdout', caching, 1000);
      tracker.push('stderr', `${bar(0, 0, 30)}${erase}`, 1000);
      const early = tracker.snapshot().etaSeconds;
      tracker.push('stderr', `${bar(0, 15, 30)}${erase}`, 2000);
      const half = tracker.snapshot();
      tracker.push('stdout', written(0), 3000);
      return { early, half, afterFirst: tracker.snapshot() };
    };

    const known = run({ expectedAnimations: 3 });
    expect(known.early).toBeUndefined(); // nothing observed yet
    // 15 frames in 1 s; 15 left of this animation and 2 more of about 30 frames: 75 frames.
    expect(known.half).toMatchObject({ percent: 23, etaSeconds: 5 });
    // 30 frames in 2 s; 2 animations of about 30 frames left.
    expect(known.afterFirst).toMatchObject({ percent: 36, etaSeconds: 4 });

    const unknown = run({});
    expect(unknown.half.etaSeconds).toBeUndefined();
    expect(unknown.half.percent).toBe(18);
  });

  it('rejects an expected number of animations that is not a whole number', () => {
    expect(() => new ProgressTracker({ expectedAnimations: 2.5 })).toThrow(RangeError);
    expect(() => new ProgressTracker({ expectedAnimations: -1 })).toThrow(RangeError);
  });

  it('moves stages only forward', () => {
    const tracker = new ProgressTracker();
    tracker.advance('finalizing', 0);
    tracker.advance('preparing', 1);
    tracker.push('stdout', caching, 2);
    expect(tracker.snapshot()).toEqual({ stage: 'finalizing', percent: 96 });
  });
});

describe('ProgressTracker publication', () => {
  it('publishes the first snapshot, stage changes and whole points at once', () => {
    const tracker = new ProgressTracker({ minPublishIntervalMs: 1000 });
    expect(tracker.takeUpdate(0)).toEqual({ stage: 'queued', percent: 0 });
    expect(tracker.takeUpdate(1)).toBeUndefined();
    tracker.start(2);
    expect(tracker.takeUpdate(2)).toEqual({ stage: 'preparing', percent: 1 });
    tracker.push('stdout', 'INFO     Caching disabled.\n', 3);
    expect(tracker.takeUpdate(3)).toMatchObject({ stage: 'rendering', percent: 10 });
  });

  it('publishes a change of animation or frames alone at most once per interval', () => {
    const tracker = new ProgressTracker({ minPublishIntervalMs: 1000 });
    tracker.push('stdout', 'INFO     Caching disabled.\n', 0);
    tracker.takeUpdate(0);
    // 1 frame of 1000 does not move the percent by a point.
    tracker.push(
      'stderr',
      '\rAnimation 0: Wait(x):   0%|  | 1/1000 [00:00<00:00, 1.0it/s]\r  ',
      10,
    );
    expect(tracker.shouldPublish(500)).toBe(false);
    expect(tracker.shouldPublish(1000)).toBe(true);
    const update = tracker.takeUpdate(1000);
    expect(update?.frames).toEqual({ done: 1, total: 1000 });
    expect(tracker.shouldPublish(5000)).toBe(false);
  });
});
