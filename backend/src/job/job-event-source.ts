import type { RenderProgress } from './job-progress';

/**
 * Live notices about jobs, pushed as they happen, for streaming to clients. A notice says that
 * something changed; the job store stays the source of truth for what a job looks like now, so a
 * subscriber re-reads the job when it needs the whole view (started, ended).
 *
 * - `active`: a worker has taken the job.
 * - `progress`: the worker published a new progress snapshot.
 * - `ranges`: a range of the split job moved on; its progress is read from the job store.
 * - `ended`: the job completed, failed (cancelled included) or was removed from the queue.
 * - `closed`: the source is shutting down; no more notices will come.
 */
export type JobEvent =
  | { kind: 'active' }
  | { kind: 'progress'; progress: RenderProgress }
  | { kind: 'ranges' }
  | { kind: 'ended' }
  | { kind: 'closed' };

export type JobEventListener = (event: JobEvent) => void;

/** The port the API uses to follow jobs; the BullMQ adapter implements it. */
export interface JobEventSource {
  /** Calls `listener` for every notice about job `jobId` from now on; returns the unsubscriber. */
  subscribe(jobId: string, listener: JobEventListener): () => void;
  /** Sends `closed` to every subscriber and stops listening. */
  close(): Promise<void>;
}
