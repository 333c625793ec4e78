import type { RedisKeyspace } from '../config/redis-settings';
import { duplicateConnection, type RedisConnection } from './redis-connection';
import { redisKeys } from './redis-keys';

/**
 * Cancel requests between the API and the workers. A request is first written as a marker (so
 * a worker that picks the job up later still sees it) and then published (so the worker that
 * runs the job now stops at once).
 */
export class CancellationSignals {
  private readonly channel: string;

  constructor(
    private readonly redis: RedisConnection,
    private readonly keyspace: RedisKeyspace,
    private readonly retentionSeconds: number,
  ) {
    this.channel = redisKeys(keyspace).cancelChannel;
  }

  async request(jobId: string): Promise<void> {
    await this.redis.set(this.markerKey(jobId), '1', 'EX', this.retentionSeconds);
    await this.redis.publish(this.channel, jobId);
  }

  async isRequested(jobId: string): Promise<boolean> {
    return (await this.redis.exists(this.markerKey(jobId))) === 1;
  }

  /** Calls `onCancel` for every request published from now on; returns the unsubscriber. */
  async subscribe(onCancel: (jobId: string) => void): Promise<() => Promise<void>> {
    const subscriber = duplicateConnection(this.redis);
    subscriber.on('message', (channel: string, jobId: string) => {
      if (channel === this.channel) onCancel(jobId);
    });
    await subscriber.subscribe(this.channel);
    return async () => {
      subscriber.disconnect();
    };
  }

  private markerKey(jobId: string): string {
    return redisKeys(this.keyspace).cancelRequested(jobId);
  }
}
