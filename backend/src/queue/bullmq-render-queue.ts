import { randomUUID } from 'node:crypto';
import { Job, Queue, UnrecoverableError, Worker, type JobState } from 'bullmq';
import { AppError } from '../errors/app-error';
import type { Logger } from '../logging/logger';
import { decodeJobFailure, encodeJobFailure } from './job-failure';
import type { RedisConnection } from './redis-connection';
import {
  jobLinks,
  type JobStatus,
  type JobView,
  type RenderJobData,
  type RenderJobStore,
  type RenderResult,
} from './render-job';

const JOB_NAME = 'render';

/** The API's side of the queue: submits render jobs and reads them back as `JobView`s. */
export class BullmqRenderJobStore implements RenderJobStore {
  private readonly queue: Queue<RenderJobData, RenderResult>;

  constructor(
    connection: RedisConnection,
    queueName: string,
    private readonly retentionHours: number,
  ) {
    this.queue = new Queue<RenderJobData, RenderResult>(queueName, { connection });
  }

  async submit(data: RenderJobData): Promise<{ id: string }> {
    const id = randomUUID();
    const ageSeconds = this.retentionHours * 3600;
    await withQueueErrors(() =>
      this.queue.add(JOB_NAME, data, {
        jobId: id,
        attempts: 1,
        removeOnComplete: { age: ageSeconds },
        removeOnFail: { age: ageSeconds },
      }),
    );
    return { id };
  }

  async find(id: string): Promise<JobView | undefined> {
    return withQueueErrors(async () => {
      const job = await Job.fromId<RenderJobData, RenderResult>(this.queue, id);
      if (!job) return undefined;
      return toJobView(job, await job.getState());
    });
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}

function toJobView(job: Job<RenderJobData, RenderResult>, state: JobState | 'unknown'): JobView {
  const id = job.id ?? '';
  const status = toStatus(state);
  const view: JobView = {
    id,
    status,
    progress: status === 'completed' ? 100 : typeof job.progress === 'number' ? job.progress : 0,
    createdAt: new Date(job.timestamp).toISOString(),
    options: job.data.options,
  };
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
    };
  }
  if (status === 'failed') view.error = decodeJobFailure(job.failedReason);
  return view;
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

async function withQueueErrors<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError(
      'queue_unavailable',
      `The job queue is unavailable: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}

export type RenderJobHandler = (job: {
  id: string;
  data: RenderJobData;
  reportProgress: (percent: number) => Promise<void>;
}) => Promise<RenderResult>;

/**
 * The worker's side of the queue. Failures the pipeline explains (AppError) are final: they are
 * stored as structured JSON and never retried. Anything else is an internal error.
 */
export function startRenderWorker(options: {
  connection: RedisConnection;
  queueName: string;
  concurrency: number;
  handler: RenderJobHandler;
  logger: Logger;
}): Worker<RenderJobData, RenderResult> {
  const worker = new Worker<RenderJobData, RenderResult>(
    options.queueName,
    async (job) => {
      try {
        return await options.handler({
          id: job.id ?? '',
          data: job.data,
          reportProgress: (percent) => job.updateProgress(percent),
        });
      } catch (error) {
        const failure =
          error instanceof AppError
            ? error
            : new AppError(
                'internal',
                `Unexpected error while rendering: ${(error as Error).message}`,
                {
                  cause: error,
                },
              );
        throw new UnrecoverableError(encodeJobFailure(failure));
      }
    },
    { connection: options.connection, concurrency: options.concurrency },
  );
  worker.on('error', (error) =>
    options.logger.error('queue worker error', { error: error.message }),
  );
  return worker;
}
