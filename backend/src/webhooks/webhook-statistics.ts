import type { RedisKeyspace } from '../config/redis-settings';
import type { RedisConnection } from '../redis/redis-connection';
import { redisKeys } from '../redis/redis-keys';

/** What one attempt came to; see AttemptOutcome. */
export const WEBHOOK_ATTEMPT_RESULTS = [
  'delivered',
  'http_status',
  'timeout',
  'network_error',
  'blocked',
] as const;
export type WebhookAttemptResult = (typeof WEBHOOK_ATTEMPT_RESULTS)[number];

export interface WebhookCounts {
  /** Attempts by result. */
  attempts: Record<string, number>;
  /** Deliveries that ended, by outcome: `delivered` or `failed`. */
  deliveries: Record<string, number>;
}

/**
 * Webhook counters in one Redis hash per queue, so that every worker adds to them and any API
 * process reports them on /metrics.
 */
export class WebhookStatistics {
  private readonly key: string;

  constructor(
    private readonly redis: RedisConnection,
    keyspace: RedisKeyspace,
  ) {
    this.key = redisKeys(keyspace).webhookStatistics;
  }

  async recordAttempt(result: WebhookAttemptResult, final?: 'delivered' | 'failed'): Promise<void> {
    const pipeline = this.redis.multi();
    pipeline.hincrby(this.key, `attempts:${result}`, 1);
    if (final) pipeline.hincrby(this.key, `deliveries:${final}`, 1);
    await pipeline.exec();
  }

  async read(): Promise<WebhookCounts> {
    return parseWebhookStatistics(await this.redis.hgetall(this.key));
  }
}

export function parseWebhookStatistics(fields: Record<string, string>): WebhookCounts {
  const counts: WebhookCounts = { attempts: {}, deliveries: {} };
  for (const [field, value] of Object.entries(fields)) {
    const [kind, name] = field.split(':');
    if (name === undefined) continue;
    if (kind === 'attempts') counts.attempts[name] = Number(value);
    else if (kind === 'deliveries') counts.deliveries[name] = Number(value);
  }
  return counts;
}
