/**
 * The job contract between the API and the worker: what a queued render job carries, what a
 * finished one returns, and how a job is shown to clients (job-view-schema.ts).
 */

import type { JobFile, JobFileEntry } from '../uploads/job-files';
import type { JobStatus, JobView, RenderOptions, RootRetryRecord } from './job-view-schema';
import type { RenderProgress } from './job-progress';
import type {
  RangeResult,
  RangeTask,
  SplitState,
  SplitSteps,
  SplitTimings,
} from '../split/split-job';

export {
  JOB_STATUSES,
  type BrowserLinks,
  type Chunks,
  type JobStatus,
  type JobView,
  type RenderOptions,
  type Resolution,
  type RootRetryRecord,
} from './job-view-schema';

export interface RenderJobData {
  /** The scene file's code. */
  code: string;
  /** Where the scene file goes in the job folder; absent: scene.py. */
  sceneFile?: string;
  /** The files beside the scene; their contents are kept apart (JobFileStore) until the job ends. */
  assets?: JobFileEntry[];
  options: RenderOptions;
  /** Request id of the submitting HTTP request, carried into the worker's logs. */
  requestId?: string;
  /**
   * The tenant that submitted the job (tenants/caller.ts): only its callers, and those that see
   * all, reach the job. Absent in jobs queued before jobs had owners.
   */
  owner?: string;
  /**
   * Whose plays the job may reuse and adds to (PLAY_REUSE): a hash of its API key, or `open`;
   * absent: it reuses nothing.
   */
  tenant?: string;
  /** A range job of a split render: the plays it renders. Its files are its parent's. */
  range?: RangeTask;
  /** A split render whose ranges are queued (set by the worker). */
  split?: SplitState;
}

/** What a completed job returns. The file lives at `<OUTPUTS_DIR>/<job id>/<fileName>`. */
export interface RenderResult {
  fileName: string;
  contentType: string;
  sizeBytes: number;
  durationMs: number;
  /** Present when the render could not write its job folder and succeeded on a retry as root. */
  ranAsRoot?: RootRetryRecord;
  /** The last frame as PNG, beside the file (the file itself for a PNG result). */
  poster?: { fileName: string; sizeBytes: number };
  /** How many containers rendered it; absent: one. */
  chunks?: number;
  /** Why a render that could have been split was not. */
  oneContainerReason?: string;
  /** Plays taken from earlier jobs of the same tenant instead of being drawn. */
  reusedPlays?: number;
  /** A split render's timings (not shown to clients). */
  splitTimings?: SplitTimings;
}

/** What a job returns: a render's file, or a range's partial movie files. */
export type JobOutcome = RenderResult | RangeResult;

/**
 * What a cancel request did: `cancelled` (the job has ended as cancelled), `cancelling` (a
 * running job was told to stop and has not ended yet), `finished` (it had already ended), or
 * `not_found`.
 */
export type CancelOutcome =
  { outcome: 'cancelled' | 'cancelling' | 'finished'; job: JobView } | { outcome: 'not_found' };

/** The worker's side of the contract: renders one job. */
export type RenderJobHandler = (job: {
  id: string;
  data: RenderJobData;
  /** Aborted when the job is cancelled while it runs. */
  signal: AbortSignal;
  reportProgress: (progress: RenderProgress) => Promise<void>;
  /** Keeps the render's output with the job, for `GET /jobs/:id/logs`. */
  saveLog: (text: string) => Promise<void>;
  /** Queues and reads the ranges of a split render. */
  split: SplitSteps;
}) => Promise<JobOutcome>;

/** A new job, or an identical one that already finished or is still running. */
export interface SubmitOutcome {
  id: string;
  /** The identical job this request was answered with, instead of a new render. */
  reused?: JobView;
  /** The delivery that will tell this request's `callbackUrl` about the job's end. */
  webhook?: { deliveryId: string };
}

/** The port the API submits renders through; the submit service implements it. */
export interface RenderSubmitter {
  /**
   * With `reuse`, an identical request is answered with the earlier job (see
   * submit/render-identity.ts). A `callbackUrl` is not part of a render's identity: it gets the
   * webhook of whichever job answers the request, at once when that job has already ended.
   */
  submit(
    data: RenderJobData,
    options: { reuse: boolean; callbackUrl?: string; files?: JobFile[] },
  ): Promise<SubmitOutcome>;
}

/** A job as the store keeps it: how it is shown, and whose it is. */
export interface StoredJob {
  view: JobView;
  /** The tenant that submitted it (RenderJobData.owner). */
  owner: string | undefined;
}

/**
 * The port the API looks up and cancels every job through, whoever owns it; the BullMQ adapter
 * implements it. Callers reach jobs through tenants/tenant-jobs.ts, which keeps each to its own.
 */
export interface RenderJobStore {
  find(id: string): Promise<StoredJob | undefined>;
  /**
   * The render output a worker kept for the job (empty until the render has run, and for an id
   * no job has: whether it exists is read with `find`).
   */
  logs(id: string): Promise<string[]>;
  /** Cancels a queued or running job; waits up to `waitMs` for a running one to end. */
  cancel(id: string, waitMs: number): Promise<CancelOutcome>;
  close(): Promise<void>;
}

/** Completed, failed and cancelled jobs have ended; queued and active ones have not. */
export function hasEnded(
  status: JobStatus,
): status is Extract<JobStatus, 'completed' | 'failed' | 'cancelled'> {
  return status === 'completed' || status === 'failed' || status === 'cancelled';
}

/**
 * The poster's name in the output store: beside the video, or the file itself when the result is
 * a PNG. (No scene class can be named `X.poster`, so it never meets a result's name.)
 */
export function posterFileOf(
  options: Pick<RenderOptions, 'scene'>,
  result: Pick<RenderResult, 'fileName' | 'contentType'>,
): { fileName: string; contentType: string } {
  const contentType = 'image/png';
  if (result.contentType === contentType) return { fileName: result.fileName, contentType };
  return { fileName: `${options.scene}.poster.png`, contentType };
}

export function jobLinks(id: string): { self: string; video: string; poster: string } {
  const self = `/api/animation/jobs/${encodeURIComponent(id)}`;
  return { self, video: `${self}/video`, poster: `${self}/poster` };
}
