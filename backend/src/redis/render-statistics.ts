import type { RedisKeyspace } from '../config/redis-settings';
import type { RedisConnection } from './redis-connection';
import { redisKeys } from './redis-keys';

/** Upper bounds of the render duration histogram, in seconds. */
export const DURATION_BUCKETS_SECONDS = [1, 2, 5, 10, 30, 60, 120, 300, 600] as const;

export interface DurationHistogram {
  /** Count of renders at or below each bound, cumulative, in bucket order. */
  buckets: Array<{ le: number; count: number }>;
  sum: number;
  count: number;
}

export interface RenderCounts {
  durationsByQuality: Record<string, DurationHistogram>;
  failuresByCode: Record<string, number>;
  /** Renders that could not write their job folder: retried as root and then completed or failed, or not retried. */
  rootRetriesByOutcome: Record<string, number>;
}

/**
 * Counts kept in one Redis hash per queue, so that every worker adds to them and any API process
 * can report them: render durations by quality, failures by code.
 */
export class RenderStatistics {
  private readonly key: string;

  constructor(
    private readonly redis: RedisConnection,
    keyspace: RedisKeyspace,
  ) {
    this.key = redisKeys(keyspace).renderStatistics;
  }

  async recordCompleted(quality: string, durationSeconds: number): Promise<void> {
    const pipeline = this.redis.multi();
    for (const bound of DURATION_BUCKETS_SECONDS) {
      if (durationSeconds <= bound)
        pipeline.hincrby(this.key, `duration:${quality}:le:${bound}`, 1);
    }
    pipeline.hincrbyfloat(this.key, `duration:${quality}:sum`, durationSeconds);
    pipeline.hincrby(this.key, `duration:${quality}:count`, 1);
    await pipeline.exec();
  }

  async recordFailed(code: string): Promise<void> {
    await this.redis.hincrby(this.key, `failures:${code}`, 1);
  }

  async recordRootRetry(outcome: 'completed' | 'failed' | 'refused'): Promise<void> {
    await this.redis.hincrby(this.key, `root-retries:${outcome}`, 1);
  }

  async read(): Promise<RenderCounts> {
    return parseStatistics(await this.redis.hgetall(this.key));
  }
}

/** Turns the hash's fields back into histograms and counters. */
export function parseStatistics(fields: Record<string, string>): RenderCounts {
  const counts: RenderCounts = {
    durationsByQuality: {},
    failuresByCode: {},
    rootRetriesByOutcome: {},
  };
  const histogram = (quality: string): DurationHistogram =>
    (counts.durationsByQuality[quality] ??= {
      buckets: DURATION_BUCKETS_SECONDS.map((le) => ({ le, count: 0 })),
      sum: 0,
      count: 0,
    });
  for (const [field, value] of Object.entries(fields)) {
    const parts = field.split(':');
    if (parts[0] === 'failures' && parts[1]) {
      counts.failuresByCode[parts[1]] = Number(value);
    } else if (parts[0] === 'root-retries' && parts[1]) {
      counts.rootRetriesByOutcome[parts[1]] = Number(value);
    } else if (parts[0] === 'duration' && parts[1]) {
      const target = histogram(parts[1]);
      if (parts[2] === 'sum') target.sum = Number(value);
      else if (parts[2] === 'count') target.count = Number(value);
      else if (parts[2] === 'le') {
        const bucket = target.buckets.find((candidate) => candidate.le === Number(parts[3]));
        if (bucket) bucket.count = Number(value);
      }
    }
  }
  return counts;
}
