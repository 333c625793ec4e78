import type { RedisKeyspace } from '../config/redis-settings';
import { Job, Queue, UnrecoverableError, WaitingChildrenError, WaitingError, Worker } from 'bullmq';
import { AppError } from '../errors/app-error';
import type { Logger } from '../logging/logger';
import type { JobOutcome, JobView, RenderJobData, RenderJobHandler } from '../job/render-job';
import { JobParked } from '../split/split-job';
import { bullmqSplitSteps } from '../split/bullmq-split-steps';
import { toJobView } from './bullmq-job-view';
import { CancellationSignals } from './cancellation-signals';
import { cancelledError, encodeJobFailure } from './job-failure';
import type { RedisConnection } from './redis-connection';
import { redisKeys } from './redis-keys';
import { TIMED_OUT, withinDeadline } from '../timing/timing';

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

export interface RenderWorkerOptions {
  connection: RedisConnection;
  keyspace: RedisKeyspace;
  /** Jobs this worker runs at once (WORKER_CONCURRENCY). */
  concurrency: number;
  /** How long ended jobs and their records are kept (JOB_RETENTION_HOURS). */
  retentionHours: number;
  /** A job whose worker stops renewing its lock for this long goes back to the queue. */
  lockSeconds: number;
  /** Renders one job: the pipeline. */
  handler: RenderJobHandler;
  logger: Logger;
  /**
   * Called with the final view of every job this worker ends, after its state is stored.
   * @defaultValue nothing is called
   */
  onJobEnded?: (job: JobView) => Promise<void>;
}

/**
 * The worker's side of the queue. Failures the pipeline explains (AppError) are final: they are
 * stored as structured JSON and never retried. Anything else is an internal error. Cancel
 * requests reach the running job through its abort signal.
 */
export async function startRenderWorker(options: RenderWorkerOptions): Promise<RenderWorker> {
  const cancellation = new CancellationSignals(
    options.connection,
    options.keyspace,
    options.retentionHours * 3600,
  );
  const shutdown = new AbortController();
  let paused = false;
  const queueName = redisKeys(options.keyspace).renderQueue;
  // The ranges of split renders go to the same queue.
  const rangeQueue = new Queue<RenderJobData, JobOutcome>(queueName, {
    connection: options.connection,
    prefix: options.keyspace.bullmqPrefix,
  });
  rangeQueue.on('error', (error) =>
    options.logger.warn('range queue error', { error: error.message }),
  );
  const worker = new Worker<RenderJobData, JobOutcome>(
    queueName,
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
          split: bullmqSplitSteps({
            job,
            token,
            queue: rangeQueue,
            cancellation,
            retentionSeconds: options.retentionHours * 3600,
          }),
        });
      } catch (error) {
        if (error instanceof JobParked) throw new WaitingChildrenError();
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
      prefix: options.keyspace.bullmqPrefix,
      concurrency: options.concurrency,
      lockDuration: options.lockSeconds * 1000,
      stalledInterval: options.lockSeconds * 1000,
    },
  );
  worker.on('error', (error) =>
    options.logger.error('queue worker error', { error: error.message }),
  );
  const announcing = new Set<Promise<void>>();
  const announceEnd = (job: Job<RenderJobData, JobOutcome>) => {
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
      const job = await Job.fromId<RenderJobData, JobOutcome>(worker, id);
      if (!job) return undefined;
      const state = await job.getState();
      return state === 'completed' || state === 'failed' ? toJobView(job, state) : undefined;
    },
    async close(graceMs) {
      await unsubscribe();
      const closed = worker.close();
      if ((await withinDeadline(closed, graceMs)) === TIMED_OUT) {
        options.logger.warn('running renders did not finish in time; stopping them', { graceMs });
        shutdown.abort();
        await closed;
      }
      await Promise.all([...announcing]);
      await rangeQueue.close();
    },
  };
}
