import type { RedisKeyspace } from '../config/redis-settings';
import type { PlayIndex } from './split-job';
import type { RedisConnection } from '../redis/redis-connection';
import { redisKeys, type RedisKeys } from '../redis/redis-keys';

/**
 * A tenant's reused plays in Redis: a sorted set of play keys by the time they were last used,
 * and a hash of their sizes. Both keys share the deployment's key root (and so, on a cluster,
 * its hash tag).
 */
export class RedisPlayIndex implements PlayIndex {
  private readonly keys: RedisKeys;

  constructor(
    private readonly redis: RedisConnection,
    keyspace: RedisKeyspace,
  ) {
    this.keys = redisKeys(keyspace);
  }

  async present(tenant: string, keys: string[], now: number): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    const scores = await this.redis.zmscore(this.usedKey(tenant), ...keys);
    const found = keys.filter((_key, index) => scores[index] !== null);
    if (found.length > 0) {
      await this.redis.zadd(this.usedKey(tenant), ...found.flatMap((key) => [now, key]));
    }
    return new Set(found);
  }

  async add(
    tenant: string,
    key: string,
    sizeBytes: number,
    now: number,
    maxBytes: number,
  ): Promise<string[]> {
    await this.redis
      .multi()
      .zadd(this.usedKey(tenant), now, key)
      .hset(this.sizeKey(tenant), key, sizeBytes)
      .exec();
    // Oldest first; the newest play stays even when it alone is over the cap.
    const byAge = await this.redis.zrange(this.usedKey(tenant), '0', '-1');
    const sizes = byAge.length > 0 ? await this.redis.hmget(this.sizeKey(tenant), ...byAge) : [];
    let total = sizes.reduce((sum, size) => sum + Number(size ?? 0), 0);
    const evicted: string[] = [];
    for (let index = 0; index < byAge.length - 1 && total > maxBytes; index += 1) {
      const oldest = byAge[index] ?? '';
      evicted.push(oldest);
      total -= Number(sizes[index] ?? 0);
    }
    await this.remove(tenant, evicted);
    return evicted;
  }

  async remove(tenant: string, keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.redis
      .multi()
      .zrem(this.usedKey(tenant), ...keys)
      .hdel(this.sizeKey(tenant), ...keys)
      .exec();
  }

  private usedKey(tenant: string): string {
    return this.keys.playsUsed(tenant);
  }

  private sizeKey(tenant: string): string {
    return this.keys.playSizes(tenant);
  }
}
