import type { Job, JobState } from 'bullmq';
import { decodeJobFailure } from './job-failure';
import type { RenderProgress } from '../job/render-progress';
import {
  jobLinks,
  type JobStatus,
  type JobView,
  type RenderJobData,
  type RenderResult,
} from '../job/render-job';

/** How a BullMQ job is shown to clients. */
export function toJobView(
  job: Job<RenderJobData, RenderResult>,
  state: JobState | 'unknown',
): JobView {
  const id = job.id ?? '';
  const status = toStatus(state);
  const view: JobView = {
    id,
    status,
    progress: progressOf(job, status),
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
  if (status === 'completed' && job.returnvalue) {
    const result = job.returnvalue;
    view.result = {
      fileName: result.fileName,
      contentType: result.contentType,
      sizeBytes: result.sizeBytes,
      url: jobLinks(id).video,
      ...(result.ranAsRoot ? { ranAsRoot: result.ranAsRoot } : {}),
    };
  }
  if (status === 'failed') {
    view.error = decodeJobFailure(job.failedReason);
    if (view.error.code === 'cancelled') view.status = 'cancelled';
  }
  return view;
}

function progressOf(job: Job<RenderJobData, RenderResult>, status: JobStatus): RenderProgress {
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
    case 'completed':
      return 'completed';
    case 'failed':
      return 'failed';
    default:
      return 'queued';
  }
}
