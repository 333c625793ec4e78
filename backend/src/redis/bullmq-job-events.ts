import type { RedisKeyspace } from '../config/redis-settings';
import { QueueEvents } from 'bullmq';
import type { Logger } from '../logging/logger';
import { RENDER_STAGES, type RenderProgress } from '../job/job-progress';
import { splitJobOf } from '../split/split-job';
import type { JobEvent, JobEventListener, JobEventSource } from '../job/job-event-source';
import type { RedisConnection } from './redis-connection';
import { redisKeys } from './redis-keys';

/**
 * Job notices from BullMQ's event stream. One `QueueEvents` reader serves every subscriber of the
 * process: it is attached once per event name and hands each notice to the subscribers of that
 * job, so thousands of open streams cost a map entry each, not a Redis connection each.
 *
 * The reader blocks on XREAD, so its connection must be its own and must wait for Redis instead
 * of failing requests (`createWorkerRedis`: `maxRetriesPerRequest: null`); BullMQ refuses a
 * blocking connection that retries requests a limited number of times. Whoever made that
 * connection ends it after `close()`.
 */
export class BullmqJobEvents implements JobEventSource {
  private readonly listeners = new Map<string, Set<JobEventListener>>();
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly queueEvents: QueueEvents,
    private readonly logger: Logger,
  ) {
    queueEvents.on('active', ({ jobId }) => this.dispatch(jobId, { kind: 'active' }));
    queueEvents.on('progress', ({ jobId, data }) => {
      const progress = asRenderProgress(data);
      if (progress !== undefined) this.dispatch(jobId, { kind: 'progress', progress });
      this.dispatchToSplitJob(jobId);
    });
    queueEvents.on('completed', ({ jobId }) => {
      this.dispatch(jobId, { kind: 'ended' });
      this.dispatchToSplitJob(jobId);
    });
    queueEvents.on('failed', ({ jobId }) => this.dispatch(jobId, { kind: 'ended' }));
    queueEvents.on('removed', ({ jobId }) => this.dispatch(jobId, { kind: 'ended' }));
    queueEvents.on('error', (error: Error) =>
      logger.warn('job event stream error', { error: error.message }),
    );
  }

  /** Starts reading the queue's events; resolves once the reader's connection is ready. */
  static async start(options: {
    connection: RedisConnection;
    keyspace: RedisKeyspace;
    logger: Logger;
  }): Promise<BullmqJobEvents> {
    const queueEvents = new QueueEvents(redisKeys(options.keyspace).renderQueue, {
      connection: options.connection,
      prefix: options.keyspace.bullmqPrefix,
    });
    const events = new BullmqJobEvents(queueEvents, options.logger);
    await queueEvents.waitUntilReady();
    return events;
  }

  /** A range's notice, for the subscribers of the split job it belongs to. */
  private dispatchToSplitJob(jobId: string): void {
    const splitJob = splitJobOf(jobId);
    if (splitJob !== undefined) this.dispatch(splitJob, { kind: 'ranges' });
  }

  subscribe(jobId: string, listener: JobEventListener): () => void {
    if (this.closing !== undefined) {
      listener({ kind: 'closed' });
      return () => undefined;
    }
    let forJob = this.listeners.get(jobId);
    if (forJob === undefined) {
      forJob = new Set();
      this.listeners.set(jobId, forJob);
    }
    forJob.add(listener);
    return () => {
      const current = this.listeners.get(jobId);
      if (current === undefined) return;
      current.delete(listener);
      if (current.size === 0) this.listeners.delete(jobId);
    };
  }

  /**
   * Ends every subscription and tells the reader to stop; the owner of the reader's connection
   * then ends the connection, which ends the read.
   *
   * BullMQ's own close is not waited for: it waits for the connection's 'end' event, which ioredis
   * never emits for a connection told to disconnect while it waits to reconnect after a Redis
   * outage (its disconnect() clears the retry timer and ends a socket that is already gone). Once
   * the connection is ended nothing of the reader is left that could keep the process alive.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const all = [...this.listeners.values()].flatMap((forJob) => [...forJob]);
      this.listeners.clear();
      for (const listener of all) this.deliver(listener, { kind: 'closed' });
      // Marks the reader closing at once, so that it does not reconnect once its connection ends.
      this.queueEvents.close().catch((error: unknown) =>
        this.logger.debug('job event reader closed with an error', {
          error: error instanceof Error ? error.message : String(error),
        }),
      );
    })();
    return this.closing;
  }

  private dispatch(jobId: string, event: JobEvent): void {
    const forJob = this.listeners.get(jobId);
    if (forJob === undefined) return;
    // A listener may unsubscribe while it is called; iterate over a copy.
    for (const listener of [...forJob]) this.deliver(listener, event);
  }

  /** A throwing listener must not stop BullMQ's read loop, which runs these callbacks. */
  private deliver(listener: JobEventListener, event: JobEvent): void {
    try {
      listener(event);
    } catch (error) {
      this.logger.error('job event listener failed', {
        event: event.kind,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
}

/** The worker publishes RenderProgress objects; anything else on the stream is not ours. */
function asRenderProgress(data: unknown): RenderProgress | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const candidate = data as Partial<RenderProgress>;
  if (typeof candidate.percent !== 'number') return undefined;
  if (!RENDER_STAGES.includes(candidate.stage as RenderProgress['stage'])) return undefined;
  return candidate as RenderProgress;
}
