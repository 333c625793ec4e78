import { z } from 'zod';
import type { ErrorBody } from '../errors/app-error';

/**
 * The contract of a split render (docs/split-rendering.md): the job plans its scene, queues one
 * child job per range of plays, parks until they end, and joins their partial movie files.
 */

/**
 * What the plan pass found: every play of the scene in order, with its frames and the digest of
 * the scene's state at each of them, and the sounds the scene adds (the join builds the audio
 * track from them).
 */
export const scenePlanSchema = z.object({
  plays: z.array(
    z.object({
      /** Whether a single render writes a partial movie file for it (a section may skip it). */
      segment: z.boolean(),
      frames: z.int().min(0),
      /** Frames that repeat one image (a wait without updaters): encoded, not drawn. */
      heldFrames: z.int().min(0),
      digest: z.string(),
      seconds: z.number(),
    }),
  ),
  sounds: z.array(z.unknown()),
  seconds: z.number(),
  /** Where a single render writes play 0's partial movie file, relative to the media folder. */
  segmentPath: z.string().nullable().optional(),
});
export type ScenePlan = z.infer<typeof scenePlanSchema>;

/** One range of plays, `first` to `last` inclusive, numbered from 0 as Manim numbers them. */
export interface PlayRange {
  first: number;
  last: number;
}

/** Kept with a split job once its ranges are queued, so that the join (or a retry) finds them. */
export interface SplitState {
  plan: ScenePlan;
  ranges: PlayRange[];
  /** How long the plan pass took, container included. */
  planMs: number;
  /** Plays taken from the tenant's earlier jobs, and every play's key (PlayCache). */
  reuse?: PlayReuse;
}

export interface PlayReuse {
  tenant: string;
  /** The key of every play, in order. */
  keys: string[];
  /** The plays whose files the tenant has: not drawn, joined from its plays. */
  reused: number[];
}

/** Where the time of a split render went, kept in its result for benchmarks and logs. */
export interface SplitTimings {
  planMs: number;
  ranges: { durationMs: number; steppedMs: number }[];
  joinMs: number;
}

/** What a range job carries besides the scene: its plays and the digests they must match. */
export interface RangeTask {
  parentId: string;
  index: number;
  range: PlayRange;
  expected: string[];
  /** Plays in the range that are stepped, not drawn: reused from earlier jobs. */
  reused?: number[];
}

/** What a range job returns: its partial movie files (kept under its own id), or a mismatch. */
export interface RangeResult {
  kind: 'range';
  index: number;
  /** The job id its files are kept under in the output store. */
  storeJobId: string;
  /**
   * One per drawn play that has a file: its number, where Manim wrote it (relative to the media
   * folder; the join puts it back there) and its name in the output store.
   */
  segments: { play: number; path: string; fileName: string; contentType: string }[];
  /** A drawn play whose frames differ from the plan's: the scene depends on more than its code. */
  mismatch?: { play: number };
  durationMs: number;
  /** Of that, the time spent stepping through the plays before the range's first. */
  steppedMs: number;
}

/** The queue's side of a split render, as the worker sees it. */
export interface SplitSteps {
  /**
   * Keeps `state` with the job, queues its ranges as child jobs (under the same ids again after a
   * crash) and parks the job until they have ended: throws JobParked. Returns at once when they
   * have all ended already.
   */
  runRanges(state: SplitState, ranges: RangeTask[]): Promise<void>;
  /** The results of the ranges that completed, and the first failure among them. */
  rangeOutcomes(): Promise<{ results: RangeResult[]; failure?: ErrorBody }>;
  /** Stops the ranges still queued or running (after a failure or a cancel). */
  stopRanges(): Promise<void>;
}

/** Thrown through the render pipeline when a job waits for its ranges; not a failure. */
export class JobParked extends Error {
  constructor() {
    super('the job waits for its ranges');
    this.name = 'JobParked';
  }
}

/** The id of one range job of a split job. */
export function rangeJobId(parentId: string, index: number): string {
  return `${parentId}-range-${index}`;
}

/** The split job a range job belongs to, from the range's id; undefined for other jobs. */
export function splitJobOf(jobId: string): string | undefined {
  return /^(.+)-range-\d+$/.exec(jobId)?.[1];
}

/**
 * Which reused plays a tenant has, with their sizes and when each was last used; the files
 * themselves are in the output store. redis-play-index.ts, beside this file, implements it.
 */
export interface PlayIndex {
  /** The keys among `keys` the tenant has; marks them used now. */
  present(tenant: string, keys: string[], now: number): Promise<Set<string>>;
  /** Records a play; returns the keys to remove so that the tenant keeps at most `maxBytes`. */
  add(
    tenant: string,
    key: string,
    sizeBytes: number,
    now: number,
    maxBytes: number,
  ): Promise<string[]>;
  /** Forgets plays (evicted, or found missing in the store). */
  remove(tenant: string, keys: string[]): Promise<void>;
}
