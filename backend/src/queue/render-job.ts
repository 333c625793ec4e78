import type { OutputFormat, Quality } from '../config/config-schema';
import type { ErrorBody } from '../errors/app-error';

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
  quality: Quality;
  format: OutputFormat;
  fps?: number;
  resolution?: Resolution;
  transparent: boolean;
}

export interface RenderJobData {
  code: string;
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
}

export const JOB_STATUSES = ['queued', 'active', 'completed', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** The shape of `GET /api/animation/jobs/:id`. Timestamps are ISO 8601 strings. */
export interface JobView {
  id: string;
  status: JobStatus;
  progress: number;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  options: RenderOptions;
  result?: {
    fileName: string;
    contentType: string;
    sizeBytes: number;
    url: string;
  };
  error?: ErrorBody;
}

/** The port the API uses to submit and look up jobs; the BullMQ adapter implements it. */
export interface RenderJobStore {
  submit(data: RenderJobData): Promise<{ id: string }>;
  find(id: string): Promise<JobView | undefined>;
  close(): Promise<void>;
}

export function jobLinks(id: string): { self: string; video: string } {
  const self = `/api/animation/jobs/${encodeURIComponent(id)}`;
  return { self, video: `${self}/video` };
}
