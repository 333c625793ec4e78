import { Redis, type RedisOptions } from 'ioredis';
import type { RedisSettings } from '../config/redis-settings';

export type RedisConnection = Redis;

/** For BullMQ workers: commands wait for a reconnect instead of failing. */
export function createWorkerRedis(settings: RedisSettings): RedisConnection {
  return connect(settings, { maxRetriesPerRequest: null });
}

/** For the API: commands fail fast while Redis is down, so requests never hang. */
export function createApiRedis(settings: RedisSettings): RedisConnection {
  return connect(settings, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 5000,
  });
}

function connect(settings: RedisSettings, options: RedisOptions): RedisConnection {
  const common: RedisOptions = {
    ...options,
    protocol: 2,
    // A master demoted by a failover answers writes with READONLY: reconnect (to the new master)
    // and send the command again.
    reconnectOnError: (error) => (error.message.startsWith('READONLY') ? 2 : false),
  };
  if (settings.REDIS_SENTINELS.length === 0) return new Redis(settings.REDIS_URL, common);
  return new Redis({ ...common, ...sentinelOptions(settings) });
}

/** The master of a sentinel group, with REDIS_URL's credentials, database and TLS. */
function sentinelOptions(settings: RedisSettings): RedisOptions {
  const url = new URL(settings.REDIS_URL);
  const tls = url.protocol === 'rediss:';
  const database = Number(url.pathname.replace(/^\//, '') || '0');
  return {
    sentinels: settings.REDIS_SENTINELS,
    name: settings.REDIS_SENTINEL_NAME,
    role: 'master',
    // Listens for the sentinels' +switch-master, so that a failover is followed at once rather
    // than when the old master's connection times out.
    failoverDetector: true,
    ...(settings.REDIS_SENTINEL_PASSWORD === ''
      ? {}
      : { sentinelPassword: settings.REDIS_SENTINEL_PASSWORD }),
    ...(url.username === '' ? {} : { username: decodeURIComponent(url.username) }),
    ...(url.password === '' ? {} : { password: decodeURIComponent(url.password) }),
    db: Number.isInteger(database) ? database : 0,
    ...(tls ? { tls: {}, enableTLSForSentinelMode: true } : {}),
  };
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
export async function pingRedis(settings: RedisSettings, timeoutMs: number): Promise<string> {
  const redis = connect(settings, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
    sentinelRetryStrategy: () => null,
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
