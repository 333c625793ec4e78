import type { Job, JobState } from 'bullmq';
import { decodeJobFailure } from './job-failure';
import type { RenderProgress } from '../job/job-progress';
import {
  jobLinks,
  type JobOutcome,
  type JobStatus,
  type JobView,
  type RenderJobData,
  type RenderResult,
} from '../job/render-job';

/** How a BullMQ job is shown to clients. */
export function toJobView(
  job: Job<RenderJobData, JobOutcome>,
  state: JobState | 'unknown',
  /** The progress of a job waiting for its ranges, read from them. */
  rangesProgress?: RenderProgress,
): JobView {
  const id = job.id ?? '';
  const status = toStatus(state);
  const view: JobView = {
    id,
    status,
    progress: rangesProgress ?? progressOf(job, status),
    createdAt: new Date(job.timestamp).toISOString(),
    options: job.data.options,
  };
  if (job.data.sceneFile !== undefined) view.sceneFile = job.data.sceneFile;
  if (job.data.assets !== undefined && job.data.assets.length > 0) {
    view.assets = job.data.assets.map(({ path, sizeBytes }) => ({ path, sizeBytes }));
  }
  if (job.processedOn) view.startedAt = new Date(job.processedOn).toISOString();
  if (job.finishedOn && (status === 'completed' || status === 'failed')) {
    view.finishedAt = new Date(job.finishedOn).toISOString();
  }
  const result = renderResultOf(job.returnvalue);
  if (status === 'completed' && result) {
    view.result = {
      fileName: result.fileName,
      contentType: result.contentType,
      sizeBytes: result.sizeBytes,
      url: jobLinks(id).video,
      ...(result.poster ? { posterUrl: jobLinks(id).poster } : {}),
      ...(result.ranAsRoot ? { ranAsRoot: result.ranAsRoot } : {}),
      ...(result.chunks !== undefined ? { chunks: result.chunks } : {}),
      ...(result.reusedPlays !== undefined ? { reusedPlays: result.reusedPlays } : {}),
      ...(result.oneContainerReason !== undefined
        ? { oneContainerReason: result.oneContainerReason }
        : {}),
    };
  }
  if (status === 'failed') {
    view.error = decodeJobFailure(job.failedReason);
    if (view.error.code === 'cancelled') view.status = 'cancelled';
  }
  return view;
}

/** A range job's outcome is not a file of its own. */
function renderResultOf(outcome: JobOutcome | undefined): RenderResult | undefined {
  if (!outcome || ('kind' in outcome && outcome.kind === 'range')) return undefined;
  return outcome as RenderResult;
}

function progressOf(job: Job<RenderJobData, JobOutcome>, status: JobStatus): RenderProgress {
  if (status === 'completed') return { stage: 'done', percent: 100 };
  const reported = job.progress as Partial<RenderProgress> | number | undefined;
  if (typeof reported === 'object' && reported !== null && typeof reported.percent === 'number') {
    return reported as RenderProgress;
  }
  return { stage: 'queued', percent: 0 };
}

function toStatus(state: JobState | 'unknown'): JobStatus {
  switch (state) {
    case 'active':
      return 'active';
    case 'waiting-children':
      // A split render while its ranges render.
      return 'active';
    case 'completed':
      return 'completed';
    case 'failed':
      return 'failed';
    default:
      return 'queued';
  }
}
