import { randomUUID } from 'node:crypto';
import { Job, Queue, UnrecoverableError, WaitingError, Worker, type JobState } from 'bullmq';
import { AppError } from '../errors/app-error';
import type { Logger } from '../logging/logger';
import { CancellationSignals } from './cancellation-signals';
import { cancelledError, decodeJobFailure, encodeJobFailure } from './job-failure';
import type { RenderProgress } from '../job/render-progress';
import type { BullmqWebhooks } from './bullmq-webhooks';
import type { RedisConnection } from './redis-connection';
import type { JobFile, JobFileStore } from '../job-files/job-files';
import { renderIdentity } from './render-identity';
import {
  jobLinks,
  type CancelOutcome,
  type JobStatus,
  type JobView,
  type RenderJobData,
  type RenderJobHandler,
  type RenderJobStore,
  type SubmitOutcome,
  type RenderResult,
} from '../job/render-job';

const JOB_NAME = 'render';
const CANCEL_POLL_MS = 100;

function isFinished(status: JobStatus): boolean {
  return status === 'completed' || status === 'failed' || status === 'cancelled';
}

/** Admission settings: the queue's cap, and what answering with an earlier job needs. */
export interface SubmitPolicy {
  /** Most jobs that may wait; beyond it, submit fails with `queue_full`. */
  maxQueuedJobs: number;
  /** The render image of a Manim version, part of a render's identity. */
  imageOf(manimVersion: string | undefined): string;
  /** Whether a completed job's file is still there to be downloaded. */
  resultAvailable(job: JobView): Promise<boolean>;
}

/** The API's side of the queue: submits render jobs and reads them back as `JobView`s. */
export class BullmqRenderJobStore implements RenderJobStore {
  private readonly queue: Queue<RenderJobData, RenderResult>;
  private readonly cancellation: CancellationSignals;
  private readonly logger: Logger;

  constructor(
    private readonly connection: RedisConnection,
    private readonly queueName: string,
    private readonly retentionHours: number,
    logger: Logger,
    private readonly policy: SubmitPolicy,
    /** Callbacks and their deliveries; without it, requests with a `callbackUrl` fail. */
    private readonly webhooks?: BullmqWebhooks,
    /** Where the files of a request wait for its worker; without it, files are refused. */
    private readonly files?: JobFileStore,
  ) {
    this.logger = logger;
    this.queue = new Queue<RenderJobData, RenderResult>(queueName, { connection });
    // Connection errors surface as 503s on the requests they affect; here they are only logged.
    this.queue.on('error', (error) => logger.warn('job queue error', { error: error.message }));
    this.cancellation = new CancellationSignals(connection, queueName, retentionHours * 3600);
  }

  async submit(
    data: RenderJobData,
    options: { reuse: boolean; callbackUrl?: string; files?: JobFile[] },
  ): Promise<SubmitOutcome> {
    return withQueueErrors(async () => {
      const id = randomUUID();
      const ttlSeconds = this.retentionHours * 3600;
      const key = this.identityKey(
        renderIdentity(data, this.policy.imageOf(data.options.manimVersion)),
      );
      if (options.reuse) {
        // NX: of two identical requests at the same moment, one renders and the other attaches.
        const claimed = await this.connection.set(key, id, 'EX', ttlSeconds, 'NX');
        if (claimed !== 'OK') {
          const earlier = await this.reusable(await this.connection.get(key));
          if (earlier) {
            if (options.callbackUrl === undefined) return { id: earlier.id, reused: earlier };
            const webhook = await this.attachCallback(earlier, options.callbackUrl);
            return { id: earlier.id, reused: earlier, webhook };
          }
          await this.connection.set(key, id, 'EX', ttlSeconds);
        }
      } else {
        await this.connection.set(key, id, 'EX', ttlSeconds);
      }
      const waiting = await this.queue.getJobCounts('waiting', 'prioritized', 'delayed');
      const queued = Object.values(waiting).reduce((sum, count) => sum + count, 0);
      if (queued >= this.policy.maxQueuedJobs) {
        await this.connection.del(key);
        throw new AppError(
          'queue_full',
          `The render queue is full: ${queued} jobs are waiting, the limit is ${this.policy.maxQueuedJobs}`,
          { details: { queued, limit: this.policy.maxQueuedJobs } },
        );
      }
      // Registered before the job exists, so that no end can pass unnoticed.
      const subscribed =
        options.callbackUrl === undefined
          ? undefined
          : await this.requireWebhooks().subscribe(id, options.callbackUrl);
      const files = options.files ?? [];
      if (files.length > 0) {
        if (!this.files) throw new Error('This job store was built without a store for job files');
        await this.files.save(id, files);
      }
      try {
        await this.queue.add(JOB_NAME, data, {
          jobId: id,
          attempts: 1,
          removeOnComplete: { age: ttlSeconds },
          removeOnFail: { age: ttlSeconds },
        });
      } catch (error) {
        if (files.length > 0) await this.files?.remove(id).catch(() => undefined);
        throw error;
      }
      return subscribed ? { id, webhook: { deliveryId: subscribed.deliveryId } } : { id };
    });
  }

  /**
   * A request answered with an earlier job gets that job's webhook too: when it ends, or at once
   * when it has ended (also when it ended while this request was being answered).
   */
  private async attachCallback(earlier: JobView, url: string): Promise<{ deliveryId: string }> {
    const webhooks = this.requireWebhooks();
    let ended: JobView | undefined = earlier;
    if (earlier.status === 'queued' || earlier.status === 'active') {
      const subscribed = await webhooks.subscribe(earlier.id, url);
      if (subscribed.attached) return { deliveryId: subscribed.deliveryId };
      ended = await this.find(earlier.id);
    }
    if (!ended || !isFinished(ended.status)) {
      throw new Error(`Job ${earlier.id} ended, but its final state cannot be read`);
    }
    return { deliveryId: await webhooks.deliverNow(ended, url) };
  }

  private requireWebhooks(): BullmqWebhooks {
    if (!this.webhooks) throw new Error('This job store was built without webhook support');
    return this.webhooks;
  }

  /** Queues the webhooks of a job that has just ended here (a queued job cancelled). */
  private async announceEnd(job: JobView): Promise<void> {
    try {
      await this.webhooks?.jobEnded(job);
    } catch (error) {
      this.logger.error('could not queue the webhooks of a job that ended', {
        jobId: job.id,
        error: (error as Error).message,
      });
    }
  }

  private async withWebhooks(view: JobView): Promise<JobView> {
    const webhooks = this.webhooks ? await this.webhooks.deliveries(view.id) : [];
    return webhooks.length > 0 ? { ...view, webhooks } : view;
  }

  /** An earlier identical job that is still running, or finished with its file still there. */
  private async reusable(id: string | null): Promise<JobView | undefined> {
    const earlier = id ? await this.find(id) : undefined;
    if (!earlier) return undefined;
    if (earlier.status === 'queued' || earlier.status === 'active') return earlier;
    if (earlier.status === 'completed' && (await this.policy.resultAvailable(earlier)))
      return earlier;
    return undefined;
  }

  private identityKey(identity: string): string {
    return `manim-render:${this.queueName}:identity:${identity}`;
  }

  async find(id: string): Promise<JobView | undefined> {
    return withQueueErrors(async () => {
      const job = await Job.fromId<RenderJobData, RenderResult>(this.queue, id);
      if (!job) {
        const cancelled = await this.cancelledBeforeStart(id);
        return cancelled && this.withWebhooks(cancelled);
      }
      const view = toJobView(job, await job.getState());
      if (view.status === 'queued') {
        const position = await this.positionOf(id);
        if (position !== undefined) view.position = position;
      }
      return this.withWebhooks(view);
    });
  }

  /** The queue itself, for the admin dashboard. */
  get bullmqQueue(): Queue<RenderJobData, RenderResult> {
    return this.queue;
  }

  /** Jobs in the queue by BullMQ state, for metrics. */
  async counts(): Promise<Record<string, number>> {
    return withQueueErrors(() =>
      this.queue.getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed', 'prioritized'),
    );
  }

  async logs(id: string): Promise<string[] | undefined> {
    return withQueueErrors(async () => {
      if (!(await this.find(id))) return undefined;
      return (await this.queue.getJobLogs(id)).logs;
    });
  }

  /** Workers take jobs from the right end of the wait list, so the place counts from there. */
  private async positionOf(id: string): Promise<number | undefined> {
    const waitKey = this.queue.toKey('wait');
    const [length, index] = await Promise.all([
      this.connection.llen(waitKey),
      this.connection.lpos(waitKey, id),
    ]);
    return index === null ? undefined : length - index;
  }

  async cancel(id: string, waitMs: number): Promise<CancelOutcome> {
    return withQueueErrors(async () => {
      const before = await this.find(id);
      if (!before) return { outcome: 'not_found' };
      if (isFinished(before.status)) return { outcome: 'finished', job: before };

      await this.cancellation.request(id);
      // remove() refuses a locked (active) job, so a job a worker has just taken stays in place
      // and is stopped by the published request instead.
      if (before.status === 'queued' && (await this.queue.remove(id)) === 1) {
        const cancelled: JobView = {
          ...before,
          status: 'cancelled',
          finishedAt: new Date().toISOString(),
          error: cancelledError(id, 'queued').toBody(),
          // Read afresh with every view.
          webhooks: undefined,
        };
        await this.connection.set(
          this.cancellation.recordKey(id),
          JSON.stringify(cancelled),
          'EX',
          this.retentionHours * 3600,
        );
        await this.files?.remove(id);
        await this.announceEnd(cancelled);
        return { outcome: 'cancelled', job: await this.withWebhooks(cancelled) };
      }

      const deadline = Date.now() + waitMs;
      for (;;) {
        const current = await this.find(id);
        if (!current) return { outcome: 'not_found' };
        if (isFinished(current.status)) {
          return {
            outcome: current.status === 'cancelled' ? 'cancelled' : 'finished',
            job: current,
          };
        }
        if (Date.now() >= deadline) return { outcome: 'cancelling', job: current };
        await new Promise((resolve) => setTimeout(resolve, CANCEL_POLL_MS));
      }
    });
  }

  private async cancelledBeforeStart(id: string): Promise<JobView | undefined> {
    const record = await this.connection.get(this.cancellation.recordKey(id));
    return record ? (JSON.parse(record) as JobView) : undefined;
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

export interface RenderWorker {
  /**
   * Stops taking jobs and lets running renders finish for `graceMs`; then stops them and returns
   * their jobs to the queue.
   */
  close(graceMs: number): Promise<void>;
  /** Stops taking new jobs; running ones carry on. A job taken meanwhile goes back to the queue. */
  pause(): Promise<void>;
  /** Takes jobs again after `pause`. */
  resume(): Promise<void>;
  /** The job's view when it has ended (completed or failed), else undefined. */
  findEnded(id: string): Promise<JobView | undefined>;
}

/**
 * The worker's side of the queue. Failures the pipeline explains (AppError) are final: they are
 * stored as structured JSON and never retried. Anything else is an internal error. Cancel
 * requests reach the running job through its abort signal.
 */
export async function startRenderWorker(options: {
  connection: RedisConnection;
  queueName: string;
  concurrency: number;
  retentionHours: number;
  /** A job whose worker stops renewing its lock for this long goes back to the queue. */
  lockSeconds: number;
  handler: RenderJobHandler;
  logger: Logger;
  /** Called with the final view of every job this worker ends, after its state is stored. */
  onJobEnded?: (job: JobView) => Promise<void>;
}): Promise<RenderWorker> {
  const cancellation = new CancellationSignals(
    options.connection,
    options.queueName,
    options.retentionHours * 3600,
  );
  const shutdown = new AbortController();
  let paused = false;
  const worker = new Worker<RenderJobData, RenderResult>(
    options.queueName,
    async (job, token, cancelSignal) => {
      const id = job.id ?? '';
      if (paused) {
        // A fetch that was already waiting when the worker paused may still hand it a job.
        await job.moveToWait(token);
        options.logger.info('job returned to the queue: the worker is paused', { jobId: id });
        throw new WaitingError();
      }
      try {
        // A request that arrived while the job was being handed to this worker.
        if (await cancellation.isRequested(id)) throw cancelledError(id, 'queued');
        const signals = [shutdown.signal, ...(cancelSignal ? [cancelSignal] : [])];
        return await options.handler({
          id,
          data: job.data,
          signal: AbortSignal.any(signals),
          reportProgress: (progress) => job.updateProgress({ ...progress }),
          saveLog: async (text) => {
            await job.log(text);
          },
        });
      } catch (error) {
        if (shutdown.signal.aborted && !cancelSignal?.aborted) {
          // Stopped by a shutdown, not by the job: it goes back to the queue for another worker.
          await job.moveToWait(token);
          options.logger.warn('job returned to the queue at shutdown', { jobId: id });
          throw new WaitingError();
        }
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
    {
      connection: options.connection,
      concurrency: options.concurrency,
      lockDuration: options.lockSeconds * 1000,
      stalledInterval: options.lockSeconds * 1000,
    },
  );
  worker.on('error', (error) =>
    options.logger.error('queue worker error', { error: error.message }),
  );
  const announcing = new Set<Promise<void>>();
  const announceEnd = (job: Job<RenderJobData, RenderResult>) => {
    const onJobEnded = options.onJobEnded;
    if (!onJobEnded) return;
    const announced = (async () => {
      // BullMQ emits these after storing the state, and also when storing failed: check it.
      const state = await job.getState();
      if (state === 'completed' || state === 'failed') await onJobEnded(toJobView(job, state));
    })()
      .catch((error: unknown) => {
        options.logger.error('could not announce the end of a job', {
          jobId: job.id,
          error: (error as Error).message,
        });
      })
      .finally(() => announcing.delete(announced));
    announcing.add(announced);
  };
  worker.on('completed', (job) => announceEnd(job));
  worker.on('failed', (job) => {
    if (job) announceEnd(job);
  });
  const unsubscribe = await cancellation.subscribe((jobId) => {
    if (worker.cancelJob(jobId, 'cancelled')) options.logger.info('cancelling job', { jobId });
  });
  return {
    async pause() {
      paused = true;
      await worker.pause(true);
    },
    async resume() {
      paused = false;
      await worker.resume();
    },
    async findEnded(id) {
      const job = await Job.fromId<RenderJobData, RenderResult>(worker, id);
      if (!job) return undefined;
      const state = await job.getState();
      return state === 'completed' || state === 'failed' ? toJobView(job, state) : undefined;
    },
    async close(graceMs) {
      await unsubscribe();
      const closed = worker.close();
      let timer: NodeJS.Timeout | undefined;
      const graceOver = new Promise<'grace-over'>((resolve) => {
        timer = setTimeout(() => resolve('grace-over'), graceMs);
      });
      const first = await Promise.race([closed, graceOver]);
      clearTimeout(timer);
      if (first === 'grace-over') {
        options.logger.warn('running renders did not finish in time; stopping them', { graceMs });
        shutdown.abort();
        await closed;
      }
      await Promise.all([...announcing]);
    },
  };
}
