import type { Chunks, RenderOptions } from '../job/render-job';
import type { PlayRange, ScenePlan } from './split-job';
import { reusesPlays } from './play-cache';
import { CORES_PER_RENDER } from './split-capacity';

export type SplitDecision =
  { kind: 'split'; ranges: PlayRange[] } | { kind: 'one-container'; reason: string };

/** The formats whose result Manim joins from partial movie files. */
const JOINED_FORMATS: ReadonlySet<RenderOptions['format']> = new Set(['mp4', 'mov', 'webm', 'gif']);

/**
 * Below this much drawing a range costs more in container start, stepping through the plays
 * before it and joining than it saves: frames at 1920x1080, measured at about 30 per second on
 * one core of the reference machine, so about 10 s of work.
 */
export const MIN_RANGE_WORK = 300 * 1920 * 1080;

/** A held frame is encoded but not drawn; it costs about this share of a drawn one. */
const HELD_FRAME_WEIGHT = 0.25;

/** Pixels of one frame at each quality (Manim's presets). */
const QUALITY_PIXELS: Record<RenderOptions['quality'], number> = {
  low: 854 * 480,
  medium: 1280 * 720,
  high: 1920 * 1080,
  production: 2560 * 1440,
  '4k': 3840 * 2160,
};

/** Qualities at which `auto` considers splitting at all (and pays for the plan pass). */
const AUTO_QUALITIES: ReadonlySet<RenderOptions['quality']> = new Set(['high', 'production', '4k']);

/**
 * Whether a job goes through the plan pass: undefined when it may be split, else why it renders
 * in one container without one.
 */
export function whyNotPlanned(
  options: RenderOptions,
  limits: { maxChunks: number; parallel: number },
): string | undefined {
  const byRequest = whyNotPlannedByRequest(options, limits.maxChunks);
  if (byRequest !== undefined) return byRequest;
  if (options.chunks === 'auto' && limits.parallel <= 1) {
    return `the workers' engines have cores for one render at a time (about ${CORES_PER_RENDER} cores each), so ranges would only wait for each other; more worker hosts, or chunks above 1, split it`;
  }
  return undefined;
}

/**
 * Whether whyNotPlanned needs the deployment's capacity for this job: only `auto` counts the
 * workers' cores, and only once the request itself allows a split (reading them scans the
 * workers' keys in Redis, which a job that cannot split need not pay for).
 */
export function countsCores(options: RenderOptions, maxChunks: number): boolean {
  return options.chunks === 'auto' && whyNotPlannedByRequest(options, maxChunks) === undefined;
}

/** The reasons that need nothing but the request and SPLIT_MAX_CHUNKS. */
function whyNotPlannedByRequest(options: RenderOptions, maxChunks: number): string | undefined {
  const chunks: Chunks = options.chunks ?? 1;
  if (chunks === 1) return 'chunks 1 asks for one container';
  if (maxChunks === 1) return 'this server renders every job in one container (SPLIT_MAX_CHUNKS=1)';
  if (!JOINED_FORMATS.has(options.format)) {
    return `a ${options.format} result is one image, not a video joined from plays`;
  }
  if (chunks === 'auto' && !AUTO_QUALITIES.has(options.quality) && !options.resolution) {
    return `chunks "auto" splits renders at quality high or above; this one is ${options.quality}`;
  }
  return undefined;
}

/**
 * Whether a job reuses its tenant's plays (when it has a tenant): a render long enough for a
 * plan pass to pay (as for `auto`), in a format whose plays are kept.
 */
export function mayReusePlays(options: RenderOptions): boolean {
  if (options.chunks === 1) return false;
  if (!AUTO_QUALITIES.has(options.quality) && !options.resolution) return false;
  return reusesPlays(options);
}

/**
 * Cuts the plays into ranges of about equal drawing work. `chunks` caps their number; `auto`
 * takes one range per MIN_RANGE_WORK, so that a short render stays in one container.
 */
export function planRanges(
  plan: ScenePlan,
  options: Pick<RenderOptions, 'chunks' | 'quality' | 'resolution'>,
  limits: {
    maxChunks: number;
    /** Renders the deployment runs side by side to some gain (split-capacity.ts); caps `auto`. */
    parallel: number;
  },
  /** Plays whose files exist already: nothing to draw. */
  reused: ReadonlySet<number> = new Set(),
): SplitDecision {
  const { maxChunks } = limits;
  const pixels = options.resolution
    ? options.resolution.width * options.resolution.height
    : QUALITY_PIXELS[options.quality];
  const work = plan.plays.map((play, index) =>
    reused.has(index)
      ? 0
      : (play.frames - play.heldFrames + play.heldFrames * HELD_FRAME_WEIGHT) * pixels,
  );
  const total = work.reduce((sum, value) => sum + value, 0);
  const chunks = options.chunks ?? 1;
  const byWork = Math.floor(total / MIN_RANGE_WORK);
  const wanted = chunks === 'auto' ? Math.min(byWork, limits.parallel) : chunks;
  const count = Math.min(wanted, maxChunks, work.filter((value) => value > 0).length);
  if (count <= 1) {
    if (plan.plays.length <= 1) return { kind: 'one-container', reason: 'the scene has one play' };
    const seconds = Math.round(total / (MIN_RANGE_WORK / 10));
    return {
      kind: 'one-container',
      reason: `the render is short (about ${seconds} s of drawing on one core), too short for ranges to pay`,
    };
  }
  return { kind: 'split', ranges: cutEvenly(work, count) };
}

/** Contiguous ranges whose sums of `work` are as even as cutting between plays allows. */
export function cutEvenly(work: number[], count: number): PlayRange[] {
  const total = work.reduce((sum, value) => sum + value, 0);
  const ranges: PlayRange[] = [];
  let first = 0;
  let done = 0;
  for (let index = 0; index < work.length; index += 1) {
    const remainingRanges = count - ranges.length;
    const remainingPlays = work.length - index;
    if (remainingRanges === 1) break;
    const before = done;
    done += work[index] ?? 0;
    const target = (total * (ranges.length + 1)) / count;
    // Cut after this play when that lands nearer the target than cutting before it did, or
    // when every remaining range needs a play of its own.
    const cutHere =
      remainingPlays - 1 <= remainingRanges - 1 ||
      (done >= target && Math.abs(done - target) <= Math.abs(before - target)) ||
      (done >= target && index === first);
    const cutBefore = !cutHere && done > target && index > first;
    if (cutBefore) {
      ranges.push({ first, last: index - 1 });
      first = index;
    } else if (cutHere) {
      ranges.push({ first, last: index });
      first = index + 1;
    }
  }
  ranges.push({ first, last: work.length - 1 });
  return ranges;
}
