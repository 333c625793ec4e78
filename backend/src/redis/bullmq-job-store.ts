import type { RedisKeyspace } from '../config/redis-settings';
import { Job, Queue } from 'bullmq';
import type { Logger } from '../logging/logger';
import {
  hasEnded,
  type CancelOutcome,
  type JobView,
  type RenderJobData,
  type JobOutcome,
  type RenderJobStore,
  type StoredJob,
} from '../job/render-job';
import type { RenderProgress } from '../job/job-progress';
import { rangeJobId } from '../split/split-job';
import type { JobFileStore } from '../uploads/job-files';
import { toJobView } from './bullmq-job-view';
import type { BullmqWebhooks } from '../webhooks/bullmq-webhooks';
import { CancellationSignals } from './cancellation-signals';
import { cancelledError } from './job-failure';
import { withQueueErrors } from './queue-errors';
import type { RedisConnection } from './redis-connection';
import { redisKeys, type RedisKeys } from './redis-keys';
import { delay } from '../timing/timing';

const JOB_NAME = 'render';
const CANCEL_POLL_MS = 100;

/** The API's side of the queue: queues render jobs, reads them back as `JobView`s, cancels them. */
export class BullmqRenderJobStore implements RenderJobStore {
  private readonly queue: Queue<RenderJobData, JobOutcome>;
  private readonly cancellation: CancellationSignals;
  private readonly logger: Logger;
  private readonly keys: RedisKeys;

  constructor(
    private readonly connection: RedisConnection,
    keyspace: RedisKeyspace,
    private readonly retentionHours: number,
    logger: Logger,
    /** The webhooks of jobs; a cancelled queued job announces its end through them. */
    private readonly webhooks?: BullmqWebhooks,
    /** Where the files of a request wait for its worker; a cancelled queued job's go. */
    private readonly files?: Pick<JobFileStore, 'remove'>,
  ) {
    this.logger = logger;
    this.keys = redisKeys(keyspace);
    this.queue = new Queue<RenderJobData, JobOutcome>(this.keys.renderQueue, {
      connection,
      prefix: keyspace.bullmqPrefix,
    });
    // Connection errors surface as 503s on the requests they affect; here they are only logged.
    this.queue.on('error', (error) => logger.warn('job queue error', { error: error.message }));
    this.cancellation = new CancellationSignals(connection, keyspace, retentionHours * 3600);
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

  /** Queues a job under `id`; it is kept for the retention time once it has ended. */
  async add(id: string, data: RenderJobData): Promise<void> {
    const ageSeconds = this.retentionHours * 3600;
    await withQueueErrors(() =>
      this.queue.add(JOB_NAME, data, {
        jobId: id,
        attempts: 1,
        removeOnComplete: { age: ageSeconds },
        removeOnFail: { age: ageSeconds },
      }),
    );
  }

  /** Jobs waiting for a worker, the running ones not counted. */
  async waitingCount(): Promise<number> {
    return withQueueErrors(async () => {
      const waiting = await this.queue.getJobCounts('waiting', 'prioritized', 'delayed');
      return Object.values(waiting).reduce((sum, count) => sum + count, 0);
    });
  }

  /**
   * Keeps a job that never went through the queue, already ended (a copy of an identical
   * render's file for another tenant), for the retention time.
   */
  async addEnded(record: StoredJob): Promise<void> {
    await withQueueErrors(() => this.writeRecord(record));
  }

  async find(id: string): Promise<StoredJob | undefined> {
    return withQueueErrors(async () => {
      const job = await Job.fromId<RenderJobData, JobOutcome>(this.queue, id);
      if (!job) {
        const record = await this.readRecord(id);
        return record && { view: await this.withWebhooks(record.view), owner: record.owner };
      }
      const state = await job.getState();
      const view = toJobView(
        job,
        state,
        state === 'waiting-children' ? await this.rangesProgress(job) : undefined,
      );
      if (view.status === 'queued') {
        const position = await this.positionOf(id);
        if (position !== undefined) view.position = position;
      }
      return { view: await this.withWebhooks(view), owner: job.data.owner };
    });
  }

  /**
   * A split render waiting for its ranges: 10 to 90 % by how far its ranges are, each counted
   * by its own percent.
   */
  private async rangesProgress(job: Job<RenderJobData, JobOutcome>): Promise<RenderProgress> {
    const ranges = job.data.split?.ranges ?? [];
    let sum = 0;
    for (let index = 0; index < ranges.length; index += 1) {
      const range = await Job.fromId<RenderJobData, JobOutcome>(
        this.queue,
        rangeJobId(job.id ?? '', index),
      );
      const reported = range?.progress as Partial<RenderProgress> | undefined;
      sum += range?.finishedOn ? 100 : typeof reported?.percent === 'number' ? reported.percent : 0;
    }
    const share = ranges.length > 0 ? sum / ranges.length / 100 : 0;
    return { stage: 'rendering', percent: Math.min(90, 10 + Math.floor(share * 80)) };
  }

  /** The queue itself, for the admin dashboard. */
  get bullmqQueue(): Queue<RenderJobData, JobOutcome> {
    return this.queue;
  }

  /** Jobs in the queue by BullMQ state, for metrics. */
  async counts(): Promise<Record<string, number>> {
    return withQueueErrors(() =>
      this.queue.getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed', 'prioritized'),
    );
  }

  /** Whether the job exists, and whose it is, is for the caller to have read (tenant-jobs.ts). */
  async logs(id: string): Promise<string[]> {
    return withQueueErrors(async () => (await this.queue.getJobLogs(id)).logs);
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
      const stored = await this.find(id);
      if (!stored) return { outcome: 'not_found' };
      const before = stored.view;
      if (hasEnded(before.status)) return { outcome: 'finished', job: before };

      await this.cancellation.request(id);
      // A split render waiting for its ranges: they stop, and it ends as cancelled when a worker
      // takes it up again.
      const job = await Job.fromId<RenderJobData, JobOutcome>(this.queue, id);
      if (job && (await job.getState()) === 'waiting-children') {
        const ranges = job.data.split?.ranges ?? [];
        for (let index = 0; index < ranges.length; index += 1) {
          await this.cancellation.request(rangeJobId(id, index));
        }
      }
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
        await this.writeRecord({ view: cancelled, owner: stored.owner });
        await this.files?.remove(id);
        await this.announceEnd(cancelled);
        return { outcome: 'cancelled', job: await this.withWebhooks(cancelled) };
      }

      const deadline = Date.now() + waitMs;
      for (;;) {
        const current = (await this.find(id))?.view;
        if (!current) return { outcome: 'not_found' };
        if (hasEnded(current.status)) {
          return {
            outcome: current.status === 'cancelled' ? 'cancelled' : 'finished',
            job: current,
          };
        }
        if (Date.now() >= deadline) return { outcome: 'cancelling', job: current };
        await delay(CANCEL_POLL_MS);
      }
    });
  }

  /** A job kept outside the queue: cancelled before it started, or an ended copy. */
  private async readRecord(id: string): Promise<StoredJob | undefined> {
    const record = await this.connection.get(this.recordKey(id));
    if (!record) return undefined;
    const parsed = JSON.parse(record) as { view: JobView; owner?: string };
    return { view: parsed.view, owner: parsed.owner };
  }

  private async writeRecord(record: StoredJob): Promise<void> {
    await this.connection.set(
      this.recordKey(record.view.id),
      JSON.stringify(record),
      'EX',
      this.retentionHours * 3600,
    );
  }

  private recordKey(id: string): string {
    return this.keys.jobRecord(id);
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
