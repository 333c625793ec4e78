import type { RedisKeyspace } from '../config/redis-settings';
import { duplicateConnection, type RedisConnection } from './redis-connection';
import { redisKeys, type RedisKeys } from './redis-keys';

/**
 * Cancel requests between the API and the workers. A request is first written as a marker (so
 * a worker that picks the job up later still sees it) and then published (so the worker that
 * runs the job now stops at once).
 */
export class CancellationSignals {
  private readonly keys: RedisKeys;

  constructor(
    private readonly redis: RedisConnection,
    keyspace: RedisKeyspace,
    private readonly retentionSeconds: number,
  ) {
    this.keys = redisKeys(keyspace);
  }

  async request(jobId: string): Promise<void> {
    await this.redis.set(this.markerKey(jobId), '1', 'EX', this.retentionSeconds);
    await this.redis.publish(this.keys.cancelChannel, jobId);
  }

  async isRequested(jobId: string): Promise<boolean> {
    return (await this.redis.exists(this.markerKey(jobId))) === 1;
  }

  /** Calls `onCancel` for every request published from now on; returns the unsubscriber. */
  async subscribe(onCancel: (jobId: string) => void): Promise<() => Promise<void>> {
    const subscriber = duplicateConnection(this.redis);
    subscriber.on('message', (channel: string, jobId: string) => {
      if (channel === this.keys.cancelChannel) onCancel(jobId);
    });
    await subscriber.subscribe(this.keys.cancelChannel);
    return async () => {
      subscriber.disconnect();
    };
  }

  private markerKey(jobId: string): string {
    return this.keys.cancelRequested(jobId);
  }
}
