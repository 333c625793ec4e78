import type { OutputFormat, Quality } from '../config/config-schema';
import type { ErrorBody } from '../errors/app-error';
import type { JobFile, JobFileEntry } from '../job-files/job-files';
import type { RenderProgress } from '../job/render-progress';
import type { WebhookDeliveryView } from './webhook-delivery-view';

/**
 * The job contract between the API and the worker: what a queued render job carries, what a
 * finished one returns, and how a job is shown to clients.
 */
export interface Resolution {
  width: number;
  height: number;
}

/** Render options after validation and defaulting; `scene` is always resolved to one class. */
export interface RenderOptions {
  scene: string;
  /** The Manim version that renders it; absent only in jobs queued before versions existed. */
  manimVersion?: string;
  quality: Quality;
  format: OutputFormat;
  fps?: number;
  resolution?: Resolution;
  transparent: boolean;
  /** Wall-clock limit of this render, within MAX_RENDER_TIMEOUT_SECONDS. */
  timeoutSeconds: number;
}

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
}

/** What a completed job returns. The file lives at `<OUTPUTS_DIR>/<job id>/<fileName>`. */
export interface RenderResult {
  fileName: string;
  contentType: string;
  sizeBytes: number;
  durationMs: number;
  /** Present when the render could not write its job folder and succeeded on a retry as root. */
  ranAsRoot?: RootRetryRecord;
}

/** Why a render ran a second time as root, and how the first attempt failed. */
export interface RootRetryRecord {
  reason: string;
  firstFailure: { code: string; message: string };
}

export const JOB_STATUSES = ['queued', 'active', 'completed', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** The shape of `GET /api/animation/jobs/:id`. Timestamps are ISO 8601 strings. */
export interface JobView {
  id: string;
  status: JobStatus;
  /** For a queued job: its place in line, 1 being the next job a worker takes. */
  position?: number;
  progress: RenderProgress;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  options: RenderOptions;
  /** The scene file's path in a project (absent: scene.py). */
  sceneFile?: string;
  /** The files sent beside the scene. */
  assets?: Array<{ path: string; sizeBytes: number }>;
  result?: {
    fileName: string;
    contentType: string;
    sizeBytes: number;
    url: string;
    /** The render could not write its job folder as its user and was run again as root. */
    ranAsRoot?: RootRetryRecord;
  };
  error?: ErrorBody;
  /** Deliveries of the webhooks (`callbackUrl`) requested for this job, the latest 20. */
  webhooks?: WebhookDeliveryView[];
}

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
}) => Promise<RenderResult>;

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

/** The port the API looks up and cancels jobs through; the BullMQ adapter implements it. */
export interface RenderJobStore {
  find(id: string): Promise<JobView | undefined>;
  /** The render output a worker kept for the job (empty until the render has run). */
  logs(id: string): Promise<string[] | undefined>;
  /** Cancels a queued or running job; waits up to `waitMs` for a running one to end. */
  cancel(id: string, waitMs: number): Promise<CancelOutcome>;
  close(): Promise<void>;
}

/** Completed, failed and cancelled jobs have ended; queued and active ones have not. */
export function hasEnded(status: JobStatus): boolean {
  return status === 'completed' || status === 'failed' || status === 'cancelled';
}

export function jobLinks(id: string): { self: string; video: string } {
  const self = `/api/animation/jobs/${encodeURIComponent(id)}`;
  return { self, video: `${self}/video` };
}
