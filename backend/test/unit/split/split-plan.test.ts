import type { RenderOptions } from '../../../src/job/render-job';
import type { ScenePlan } from '../../../src/split/split-job';
import {
  cutEvenly,
  MIN_RANGE_WORK,
  planRanges,
  whyNotPlanned,
} from '../../../src/split/split-plan';

const OPTIONS: RenderOptions = {
  scene: 'Long',
  quality: 'high',
  format: 'mp4',
  transparent: false,
  timeoutSeconds: 300,
  chunks: 'auto',
};

function plan(frames: number[], held: number[] = []): ScenePlan {
  return {
    plays: frames.map((count, index) => ({
      segment: true,
      frames: count,
      heldFrames: held[index] ?? 0,
      digest: `d${index}`,
      seconds: 0.1,
    })),
    sounds: [],
    seconds: 1,
  };
}

describe('which renders go through the plan pass', () => {
  it('plans a render that asks for ranges, or "auto" at quality high and above', () => {
    const limits = { maxChunks: 4, parallel: 1 };
    expect(whyNotPlanned({ ...OPTIONS, chunks: 2, quality: 'low' }, limits)).toBeUndefined();
    expect(whyNotPlanned(OPTIONS, { maxChunks: 4, parallel: 2 })).toBeUndefined();
    expect(whyNotPlanned({ ...OPTIONS, format: 'gif', chunks: 3 }, limits)).toBeUndefined();
  });

  it('says why the others render in one container', () => {
    const limits = { maxChunks: 4, parallel: 2 };
    expect(whyNotPlanned({ ...OPTIONS, chunks: 1 }, limits)).toMatch(/chunks 1/);
    expect(whyNotPlanned({ ...OPTIONS, chunks: undefined }, limits)).toMatch(/chunks 1/);
    expect(whyNotPlanned(OPTIONS, { maxChunks: 1, parallel: 2 })).toMatch(/SPLIT_MAX_CHUNKS=1/);
    expect(whyNotPlanned({ ...OPTIONS, format: 'png' }, limits)).toMatch(/png result is one image/);
    expect(whyNotPlanned({ ...OPTIONS, quality: 'medium' }, limits)).toMatch(/high or above/);
    // auto plans nothing where the engines have cores for one render at a time.
    expect(whyNotPlanned(OPTIONS, { maxChunks: 4, parallel: 1 })).toMatch(
      /cores for one render at a time/,
    );
  });
});

describe('cutting the plays into ranges', () => {
  it('gives ranges of about equal work, each with at least one play, covering every play', () => {
    expect(cutEvenly([1, 1, 1, 1], 2)).toEqual([
      { first: 0, last: 1 },
      { first: 2, last: 3 },
    ]);
    expect(cutEvenly([10, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1], 2)).toEqual([
      { first: 0, last: 0 },
      { first: 1, last: 10 },
    ]);
    expect(cutEvenly([1, 1, 1, 1, 1, 1, 9], 2)).toEqual([
      { first: 0, last: 5 },
      { first: 6, last: 6 },
    ]);
    expect(cutEvenly([5, 5, 5], 3)).toEqual([
      { first: 0, last: 0 },
      { first: 1, last: 1 },
      { first: 2, last: 2 },
    ]);
  });

  it('never leaves a range without plays, even when one play holds most of the work', () => {
    const ranges = cutEvenly([100, 1, 1], 3);
    expect(ranges).toHaveLength(3);
    for (const range of ranges) expect(range.last).toBeGreaterThanOrEqual(range.first);
    expect(ranges.at(-1)?.last).toBe(2);
  });

  it('splits "auto" by the drawing work: one range per MIN_RANGE_WORK, up to the cap', () => {
    const framesAt1080 = MIN_RANGE_WORK / (1920 * 1080);
    // Two ranges' worth of frames at 1080p, in eight plays.
    const twoRanges = plan(Array.from({ length: 8 }, () => (framesAt1080 * 2) / 8));
    expect(planRanges(twoRanges, OPTIONS, { maxChunks: 4, parallel: 8 })).toMatchObject({
      kind: 'split',
    });
    const decision = planRanges(twoRanges, OPTIONS, { maxChunks: 4, parallel: 8 });
    expect(decision.kind === 'split' && decision.ranges).toHaveLength(2);
    // The same frames at 4k are four times the work; the cap keeps it at three.
    const at4k = planRanges(
      twoRanges,
      { ...OPTIONS, quality: '4k' },
      { maxChunks: 3, parallel: 8 },
    );
    expect(at4k.kind === 'split' && at4k.ranges).toHaveLength(3);
  });

  it('keeps "auto" to as many ranges as the engines have cores for', () => {
    const framesAt1080 = MIN_RANGE_WORK / (1920 * 1080);
    const long = plan(Array.from({ length: 8 }, () => framesAt1080));
    const two = planRanges(long, OPTIONS, { maxChunks: 4, parallel: 2 });
    expect(two.kind === 'split' && two.ranges).toHaveLength(2);
    // A number of chunks asked for is taken even so.
    const asked = planRanges(long, { ...OPTIONS, chunks: 3 }, { maxChunks: 4, parallel: 1 });
    expect(asked.kind === 'split' && asked.ranges).toHaveLength(3);
  });

  it('keeps a short render in one container and says how short', () => {
    const decision = planRanges(plan([30, 30, 30]), OPTIONS, { maxChunks: 4, parallel: 8 });
    expect(decision).toEqual({
      kind: 'one-container',
      reason: expect.stringMatching(/short \(about 3 s of drawing on one core\)/),
    });
  });

  it('counts held frames (a wait without updaters) at a quarter of a drawn one', () => {
    const framesAt1080 = MIN_RANGE_WORK / (1920 * 1080);
    // Enough frames for two ranges, but all of them held: half a range of work.
    const held = plan([framesAt1080, framesAt1080], [framesAt1080, framesAt1080]);
    expect(planRanges(held, OPTIONS, { maxChunks: 4, parallel: 8 }).kind).toBe('one-container');
  });

  it('takes a number of chunks as asked, but no more than there are plays', () => {
    const three = planRanges(
      plan([1, 1, 1, 1, 1, 1]),
      { ...OPTIONS, chunks: 3 },
      { maxChunks: 4, parallel: 8 },
    );
    expect(three.kind === 'split' && three.ranges).toHaveLength(3);
    const two = planRanges(plan([1, 1]), { ...OPTIONS, chunks: 4 }, { maxChunks: 4, parallel: 8 });
    expect(two.kind === 'split' && two.ranges).toHaveLength(2);
    expect(planRanges(plan([5]), { ...OPTIONS, chunks: 4 }, { maxChunks: 4, parallel: 8 })).toEqual(
      {
        kind: 'one-container',
        reason: 'the scene has one play',
      },
    );
  });
});
