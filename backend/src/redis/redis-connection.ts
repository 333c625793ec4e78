import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { RedisSettings } from '../config/redis-settings';

/** One server (by URL or through sentinels) or a Redis Cluster. */
export type RedisConnection = Redis | Cluster;

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

function connect(
  settings: RedisSettings,
  options: RedisOptions,
  clusterOptions: ClusterOptions = {},
): RedisConnection {
  const common: RedisOptions = {
    ...options,
    protocol: 2,
    // A master demoted by a failover answers writes with READONLY: reconnect (to the new master)
    // and send the command again.
    reconnectOnError: (error) => (error.message.startsWith('READONLY') ? 2 : false),
  };
  if (settings.REDIS_CLUSTER_NODES.length > 0) {
    const { enableOfflineQueue, lazyConnect, ...perNode } = common;
    return new Cluster(settings.REDIS_CLUSTER_NODES, {
      ...clusterOptions,
      ...(enableOfflineQueue === undefined ? {} : { enableOfflineQueue }),
      ...(lazyConnect === undefined ? {} : { lazyConnect }),
      redisOptions: { ...perNode, ...credentials(new URL(settings.REDIS_URL)) },
    });
  }
  if (settings.REDIS_SENTINELS.length === 0) return new Redis(settings.REDIS_URL, common);
  return new Redis({ ...common, ...sentinelOptions(settings) });
}

/** A second connection with the same settings, e.g. for a subscriber. */
export function duplicateConnection(redis: RedisConnection): RedisConnection {
  // Both branches call duplicate(); their signatures differ, so each needs its own type.
  return redis instanceof Cluster ? redis.duplicate() : redis.duplicate();
}

/**
 * Sends one command as written (for libraries that bring their own scripts). On a cluster a
 * SCRIPT command goes to every master, so that a script is loaded wherever its keys live.
 */
export async function sendCommand(
  redis: RedisConnection,
  command: string,
  args: string[],
): Promise<unknown> {
  if (redis instanceof Cluster && command.toUpperCase() === 'SCRIPT') {
    const replies = await Promise.all(
      redis.nodes('master').map((node) => node.call(command, ...args)),
    );
    return replies[0];
  }
  return redis.call(command, ...args);
}

/** User, password and TLS from a URL whose address is not used. */
function credentials(url: URL): RedisOptions {
  return {
    ...(url.username === '' ? {} : { username: decodeURIComponent(url.username) }),
    ...(url.password === '' ? {} : { password: decodeURIComponent(url.password) }),
    ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
  };
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
    // No failoverDetector: its +switch-master handler closes the connector even while a
    // reconnect is resolving the master, and ioredis then ends the connection for good (the API
    // answered 503 until restarted). A master that dies closes its connections anyway, and a
    // demoted one answers READONLY, which reconnects (see connect).
    ...(settings.REDIS_SENTINEL_PASSWORD === ''
      ? {}
      : { sentinelPassword: settings.REDIS_SENTINEL_PASSWORD }),
    ...credentials(url),
    db: Number.isInteger(database) ? database : 0,
    ...(tls ? { enableTLSForSentinelMode: true } : {}),
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
  const redis = connect(
    settings,
    {
      lazyConnect: true,
      connectTimeout: timeoutMs,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => null,
      sentinelRetryStrategy: () => null,
    },
    { clusterRetryStrategy: () => null },
  );
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

/**
 * Every key matching `pattern`, found with SCAN (never KEYS). A cluster is scanned node by node:
 * SCAN only sees the keys of the node that answers it.
 */
export async function scanKeys(redis: RedisConnection, pattern: string): Promise<string[]> {
  const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
  const keys = new Set<string>();
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, batch] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 200);
      cursor = next;
      for (const key of batch) keys.add(key);
    } while (cursor !== '0');
  }
  return [...keys].sort();
}
