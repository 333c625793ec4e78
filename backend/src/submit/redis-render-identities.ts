import type { RedisKeyspace } from '../config/redis-settings';
import type { RenderIdentities } from './submit-ports';
import { withQueueErrors } from '../redis/queue-errors';
import type { RedisConnection } from '../redis/redis-connection';
import { redisKeys, type RedisKeys } from '../redis/redis-keys';

/** Render identities in Redis, one key each, kept for the retention time. */
export class RedisRenderIdentities implements RenderIdentities {
  private readonly keys: RedisKeys;

  constructor(
    private readonly redis: RedisConnection,
    keyspace: RedisKeyspace,
    private readonly ttlSeconds: number,
  ) {
    this.keys = redisKeys(keyspace);
  }

  claim(identity: string, jobId: string): Promise<string | undefined> {
    return withQueueErrors(async () => {
      const key = this.key(identity);
      if ((await this.redis.set(key, jobId, 'EX', this.ttlSeconds, 'NX')) === 'OK') {
        return undefined;
      }
      const holder = await this.redis.get(key);
      if (holder !== null) return holder;
      // It expired between the two commands: the claim is this job's after all.
      await this.redis.set(key, jobId, 'EX', this.ttlSeconds);
      return undefined;
    });
  }

  async assign(identity: string, jobId: string): Promise<void> {
    await withQueueErrors(() => this.redis.set(this.key(identity), jobId, 'EX', this.ttlSeconds));
  }

  async release(identity: string): Promise<void> {
    await withQueueErrors(() => this.redis.del(this.key(identity)));
  }

  private key(identity: string): string {
    return this.keys.identity(identity);
  }
}
