import { Redis } from 'ioredis';

export type RedisConnection = Redis;

/** For BullMQ workers: commands wait for a reconnect instead of failing. */
export function createWorkerRedis(url: string): RedisConnection {
  return new Redis(url, { maxRetriesPerRequest: null, protocol: 2 });
}

/** For the API: commands fail fast while Redis is down, so requests never hang. */
export function createApiRedis(url: string): RedisConnection {
  return new Redis(url, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 5000,
    protocol: 2,
  });
}

/** Resolves once the connection is ready, or rejects after `timeoutMs`. */
export function waitForRedis(redis: RedisConnection, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(
        new Error(
          `Redis did not become ready within ${timeoutMs / 1000} s (status ${redis.status})`,
        ),
      );
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      clearTimeout(timer);
      redis.off('ready', onReady);
    };
    redis.on('ready', onReady);
  });
}

/** One connection attempt and PING, for diagnostics; resolves with the server's version. */
export async function pingRedis(url: string, timeoutMs: number): Promise<string> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
    protocol: 2,
  });
  // connect() rejects with "Connection is closed."; the event carries the cause (ECONNREFUSED…).
  let cause: Error | undefined;
  redis.on('error', (error: Error) => {
    cause = error;
  });
  try {
    await redis.connect().catch((error: unknown) => {
      throw cause ?? error;
    });
    await redis.ping();
    const info = await redis.info('server');
    return /^redis_version:(.+)$/m.exec(info)?.[1]?.trim() ?? 'unknown';
  } finally {
    redis.disconnect();
  }
}
