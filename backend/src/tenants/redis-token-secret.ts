import { randomBytes } from 'node:crypto';
import type { RedisKeyspace } from '../config/redis-settings';
import type { RedisConnection } from '../redis/redis-connection';
import { redisKeys } from '../redis/redis-keys';

/**
 * The secret that signs the tokens of browser links when MEDIA_TOKEN_SECRET is not set: made once
 * per deployment and kept in Redis, so that every API process signs and checks with the same one.
 * Of two processes starting at the same moment, the first to write it wins.
 */
export async function sharedTokenSecret(
  redis: RedisConnection,
  keyspace: RedisKeyspace,
): Promise<string> {
  const key = redisKeys(keyspace).mediaTokenSecret;
  await redis.set(key, randomBytes(32).toString('base64url'), 'NX');
  const secret = await redis.get(key);
  if (secret === null) throw new Error(`Redis lost ${key} right after it was written`);
  return secret;
}
