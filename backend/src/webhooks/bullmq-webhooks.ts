import { randomUUID } from 'node:crypto';
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Logger } from '../logging/logger';
import { callbackTarget } from './callback-url';
import {
  listDeliveries,
  recordAttempt,
  retryDelaySeconds,
  type AttemptOutcome,
  type WebhookDeliveryRecord,
} from './webhook-delivery';
import type { WebhookDeliveryView } from './webhook-delivery-view';
import { buildWebhookPayload, type WebhookEvent } from './webhook-payload';
import { webhookHeaders } from './webhook-signature';
import type { WebhookRequest } from './webhook-sender';
import { withQueueErrors } from '../redis/queue-errors';
import { scanKeys, type RedisConnection } from '../redis/redis-connection';
import type { RedisKeyspace } from '../config/redis-settings';
import type { JobView } from '../job/render-job';
import type { WebhookStatistics } from './webhook-statistics';
import { redisKeys, type RedisKeys } from '../redis/redis-keys';

const DELIVERY_JOB_NAME = 'deliver';
/** A field of a job's delivery hash that says the job has ended; the others are delivery ids. */
const ENDED_FIELD = 'ended';
/** How long the end marker of a job nobody asked a webhook for is kept: past any submit race. */
const BARE_END_MARKER_SECONDS = 600;

/** One delivery in the webhook queue; its BullMQ job id is the delivery id. */
interface DeliveryJobData {
  renderJobId: string;
  deliveryId: string;
  url: string;
  event: WebhookEvent;
  /** The exact body, built once, so that every attempt sends the same bytes. */
  body: string;
}

// Registers a callback unless the job has already ended (then the caller delivers at once).
const SUBSCRIBE_SCRIPT = `
if redis.call('HEXISTS', KEYS[1], ARGV[4]) == 1 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1`;

// Marks the job as ended and returns every callback registered before; atomic with the script
// above, so that each callback is delivered by exactly one side.
const END_SCRIPT = `
local registered = redis.call('HLEN', KEYS[1])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
if registered == 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[4])
else
  redis.call('EXPIRE', KEYS[1], ARGV[3])
end
return redis.call('HGETALL', KEYS[1])`;

export interface WebhookRetryPolicy {
  maxAttempts: number;
  retryBaseSeconds: number;
}

/**
 * The callbacks registered for render jobs and their delivery records, kept in one Redis hash
 * per job (`RedisKeys.webhookDeliveries`, for the retention time), and the queue that
 * delivers them. Used by the API (submit, cancel, job views) and by the worker (jobs that end).
 */
export class BullmqWebhooks {
  private readonly queue: Queue<DeliveryJobData>;
  private readonly keys: RedisKeys;

  constructor(
    private readonly connection: RedisConnection,
    keyspace: RedisKeyspace,
    private readonly retentionHours: number,
    private readonly retry: WebhookRetryPolicy,
    private readonly logger: Logger,
  ) {
    this.keys = redisKeys(keyspace);
    this.queue = new Queue<DeliveryJobData>(this.keys.webhookQueue, {
      connection,
      prefix: keyspace.bullmqPrefix,
    });
    this.queue.on('error', (error) => logger.warn('webhook queue error', { error: error.message }));
  }

  /**
   * Registers `url` for a job that has not ended yet. `attached: false` means the job ended
   * meanwhile and nothing was registered: deliver with `deliverNow` instead.
   */
  async subscribe(jobId: string, url: string): Promise<{ deliveryId: string; attached: boolean }> {
    const record = newRecord(url);
    const attached = await withQueueErrors(() =>
      this.connection.eval(
        SUBSCRIBE_SCRIPT,
        1,
        this.hashKey(jobId),
        record.deliveryId,
        JSON.stringify(record),
        String(this.retentionSeconds()),
        ENDED_FIELD,
      ),
    );
    return { deliveryId: record.deliveryId, attached: attached === 1 };
  }

  /** Registers `url` for a job that has ended and queues its delivery at once. */
  async deliverNow(job: JobView, url: string): Promise<string> {
    const record = newRecord(url);
    const key = this.hashKey(job.id);
    await withQueueErrors(async () => {
      await this.connection
        .multi()
        .hset(key, record.deliveryId, JSON.stringify(record))
        .expire(key, this.retentionSeconds())
        .exec();
      await this.enqueue(job, [record]);
    });
    return record.deliveryId;
  }

  /**
   * The job has ended (its final state is stored): queues a delivery for every callback
   * registered for it. Queueing is idempotent (the delivery id is the BullMQ job id), so a
   * second call for the same job sends nothing twice.
   */
  async jobEnded(job: JobView): Promise<void> {
    const flat = (await this.connection.eval(
      END_SCRIPT,
      1,
      this.hashKey(job.id),
      ENDED_FIELD,
      new Date().toISOString(),
      String(this.retentionSeconds()),
      String(BARE_END_MARKER_SECONDS),
    )) as string[];
    const records = parseRecords(flat).filter((record) => record.state === 'pending');
    if (records.length > 0) await this.enqueue(job, records);
  }

  /**
   * Finds callbacks still pending for jobs that have ended, and queues their deliveries: the end
   * of a job is announced by the worker that ran it, right after BullMQ stored it, and a worker
   * that dies in between would otherwise leave them waiting for ever. Queueing is idempotent, so
   * a delivery already queued or under way is not sent twice. Returns how many jobs it announced.
   */
  async announceMissedEnds(
    findEnded: (jobId: string) => Promise<JobView | undefined>,
    options: { minAgeMs: number },
  ): Promise<number> {
    const prefix = this.keys.webhookDeliveries('');
    const now = Date.now();
    let announced = 0;
    for (const key of await scanKeys(this.connection, `${prefix}*`)) {
      const fields = await this.connection.hgetall(key);
      const waiting = parseRecords(Object.entries(fields).flat()).some(
        (record) =>
          record.state === 'pending' &&
          record.attempts === 0 &&
          now - Date.parse(record.createdAt) >= options.minAgeMs,
      );
      if (!waiting) continue;
      const job = await findEnded(key.slice(prefix.length));
      if (!job) continue;
      await this.jobEnded(job);
      announced += 1;
    }
    return announced;
  }

  /** The delivery queue itself, for the queue dashboard. */
  get bullmqQueue(): Queue<DeliveryJobData> {
    return this.queue;
  }

  /** The job's webhook deliveries for its view; empty when it has none. */
  async deliveries(jobId: string): Promise<WebhookDeliveryView[]> {
    const fields = await this.connection.hgetall(this.hashKey(jobId));
    return listDeliveries(parseRecords(Object.entries(fields).flat()));
  }

  async close(): Promise<void> {
    await this.queue.close();
  }

  private async enqueue(job: JobView, records: WebhookDeliveryRecord[]): Promise<void> {
    const now = new Date();
    const ageSeconds = this.retentionSeconds();
    await this.queue.addBulk(
      records.map((record) => {
        const payload = buildWebhookPayload(job, record.deliveryId, now);
        return {
          name: DELIVERY_JOB_NAME,
          data: {
            renderJobId: job.id,
            deliveryId: record.deliveryId,
            url: record.url,
            event: payload.event,
            body: JSON.stringify(payload),
          },
          opts: {
            jobId: record.deliveryId,
            attempts: this.retry.maxAttempts,
            backoff: { type: 'exponential', delay: this.retry.retryBaseSeconds * 1000 },
            removeOnComplete: { age: ageSeconds },
            removeOnFail: { age: ageSeconds },
          },
        };
      }),
    );
    for (const record of records) {
      this.logger.info('webhook queued', {
        jobId: job.id,
        deliveryId: record.deliveryId,
        target: callbackTarget(record.url),
        status: job.status,
      });
    }
  }

  private hashKey(jobId: string): string {
    return this.keys.webhookDeliveries(jobId);
  }

  private retentionSeconds(): number {
    return this.retentionHours * 3600;
  }
}

function newRecord(url: string): WebhookDeliveryRecord {
  return {
    deliveryId: randomUUID(),
    url,
    createdAt: new Date().toISOString(),
    state: 'pending',
    attempts: 0,
  };
}

/** The delivery records among a hash's fields, given as [field, value, field, value, ...]. */
function parseRecords(flat: string[]): WebhookDeliveryRecord[] {
  const records: WebhookDeliveryRecord[] = [];
  for (let index = 0; index + 1 < flat.length; index += 2) {
    if (flat[index] === ENDED_FIELD) continue;
    try {
      records.push(JSON.parse(flat[index + 1] ?? '') as WebhookDeliveryRecord);
    } catch {
      // not a record: ignored
    }
  }
  return records;
}

export interface WebhookWorker {
  close(): Promise<void>;
}

/**
 * Delivers queued webhooks: one POST per attempt, retried by BullMQ with exponential backoff
 * (`retryBaseSeconds`, doubling) until an attempt gets a 2xx answer or `maxAttempts` are used.
 * A target refused by the address policy fails at once. Each attempt updates the delivery's
 * record (shown in the job view) and the counters on /metrics.
 */
export interface WebhookWorkerOptions {
  connection: RedisConnection;
  keyspace: RedisKeyspace;
  /** Deliveries sent at once; they wait on the network, not on the CPU. */
  concurrency: number;
  /** How long delivery records are kept (JOB_RETENTION_HOURS). */
  retentionHours: number;
  /** HMAC secret (WEBHOOK_SECRET); empty sends unsigned requests. */
  secret: string;
  /** How long one attempt may take (WEBHOOK_TIMEOUT_SECONDS). */
  timeoutSeconds: number;
  /** The first pause between attempts, doubled for each further one (WEBHOOK_RETRY_BASE_SECONDS). */
  retryBaseSeconds: number;
  /** Sends one attempt: webhook-sender.ts, or a fake in tests. */
  send: (request: WebhookRequest) => Promise<AttemptOutcome>;
  statistics: WebhookStatistics;
  logger: Logger;
}

export function startWebhookWorker(options: WebhookWorkerOptions): WebhookWorker {
  const { connection, logger } = options;
  const keys = redisKeys(options.keyspace);
  const retentionSeconds = options.retentionHours * 3600;

  const readRecord = async (data: DeliveryJobData): Promise<WebhookDeliveryRecord> => {
    const stored = await connection
      .hget(keys.webhookDeliveries(data.renderJobId), data.deliveryId)
      .catch(() => null);
    if (stored) {
      try {
        return JSON.parse(stored) as WebhookDeliveryRecord;
      } catch {
        // rebuilt below
      }
    }
    return {
      deliveryId: data.deliveryId,
      url: data.url,
      createdAt: new Date().toISOString(),
      state: 'pending',
      attempts: 0,
    };
  };

  const worker = new Worker<DeliveryJobData>(
    keys.webhookQueue,
    async (job) => {
      const data = job.data;
      const attempt = job.attemptsMade + 1;
      const maxAttempts = job.opts.attempts ?? 1;
      const body = data.body;
      const outcome = await options.send({
        url: data.url,
        body,
        headers: webhookHeaders({
          event: data.event,
          deliveryId: data.deliveryId,
          attempt,
          timestamp: Math.floor(Date.now() / 1000),
          body,
          secret: options.secret,
        }),
        timeoutMs: options.timeoutSeconds * 1000,
      });
      const record = recordAttempt(await readRecord(data), outcome, {
        number: attempt,
        maxAttempts,
        at: new Date(),
      });
      // A delivery that went through must not be sent again because its record could not be
      // written: these writes only log their failures.
      const key = keys.webhookDeliveries(data.renderJobId);
      await connection
        .multi()
        .hset(key, data.deliveryId, JSON.stringify(record))
        .expire(key, retentionSeconds)
        .exec()
        .catch((error: unknown) =>
          logger.warn('could not record a webhook attempt', { error: (error as Error).message }),
        );
      await options.statistics
        .recordAttempt(outcome.kind, record.state === 'pending' ? undefined : record.state)
        .catch(() => undefined);

      const context = {
        jobId: data.renderJobId,
        deliveryId: data.deliveryId,
        target: callbackTarget(data.url),
        event: data.event,
        attempt,
        maxAttempts,
      };
      if (record.state === 'delivered') {
        logger.info('webhook delivered', { ...context, status: record.lastStatus });
        return { status: record.lastStatus };
      }
      const reason = record.lastError ?? 'failed';
      if (record.state === 'failed') {
        logger.warn('webhook delivery failed; giving up', { ...context, error: reason });
        throw new UnrecoverableError(reason);
      }
      logger.info('webhook attempt failed; retrying', {
        ...context,
        error: reason,
        retryInSeconds: retryDelaySeconds(attempt, options.retryBaseSeconds),
      });
      throw new Error(reason);
    },
    { connection, prefix: options.keyspace.bullmqPrefix, concurrency: options.concurrency },
  );
  worker.on('error', (error) => logger.error('webhook worker error', { error: error.message }));
  return {
    async close() {
      await worker.close();
    },
  };
}
