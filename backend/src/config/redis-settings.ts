import { createHash } from 'node:crypto';
import type { Config } from './config-schema';

/**
 * Where Redis is: REDIS_URL, the sentinels that know its master (REDIS_SENTINELS), or some nodes
 * of a cluster (REDIS_CLUSTER_NODES).
 */
export type RedisSettings = Pick<
  Config,
  | 'REDIS_URL'
  | 'REDIS_SENTINELS'
  | 'REDIS_SENTINEL_NAME'
  | 'REDIS_SENTINEL_PASSWORD'
  | 'REDIS_CLUSTER_NODES'
>;

/** Where the connection goes, for messages: the URL without its password, or the nodes. */
export function describeRedis(settings: RedisSettings): string {
  if (settings.REDIS_CLUSTER_NODES.length > 0) {
    return `cluster of ${addresses(settings.REDIS_CLUSTER_NODES).join(',')}`;
  }
  if (settings.REDIS_SENTINELS.length > 0) {
    return `master ${settings.REDIS_SENTINEL_NAME} of sentinels ${addresses(settings.REDIS_SENTINELS).join(',')}`;
  }
  return settings.REDIS_URL.replace(/\/\/([^@/]*)@/, (_match, credentials: string) =>
    credentials.includes(':') ? '//***@' : `//${credentials}@`,
  );
}

function addresses(nodes: Array<{ host: string; port: number }>): string[] {
  return nodes.map(({ host, port }) =>
    host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`,
  );
}

/** The names of a deployment's keys in Redis. */
export interface RedisKeyspace {
  /** BullMQ's `prefix`: its queues keep their keys under `<prefix>:<queue name>:`. */
  bullmqPrefix: string;
  /** The render queue; other queues are named after it. */
  queueName: string;
  /** The start of the service's own keys and channels, without the closing colon. */
  root: string;
}

export type KeyspaceSettings = Pick<Config, 'QUEUE_NAME' | 'QUEUE_PREFIX'>;

/**
 * With BullMQ's default prefix the service's own keys keep the names of earlier versions
 * (`manim-render:<queue>:…`); any other prefix, such as a cluster's hash tag, goes in front of
 * them too, so that a deployment's keys all share one hash slot.
 */
export function redisKeyspace(config: KeyspaceSettings): RedisKeyspace {
  const own = `manim-render:${config.QUEUE_NAME}`;
  return {
    bullmqPrefix: config.QUEUE_PREFIX,
    queueName: config.QUEUE_NAME,
    root: config.QUEUE_PREFIX === 'bull' ? own : `${config.QUEUE_PREFIX}:${own}`,
  };
}

/**
 * Names one deployment on a Docker Engine that several may share: its Redis (host, port and
 * database, the sentinel group or the cluster's nodes; never the password), its queue and key
 * prefix. Render containers carry it, so that a worker only ever sweeps containers of its own
 * deployment, never those of another one with the same queue name whose workers it cannot see.
 */
export function deploymentScope(config: RedisSettings & KeyspaceSettings): string {
  const url = new URL(config.REDIS_URL);
  const database = url.pathname.replace(/^\//, '') || '0';
  const redis =
    config.REDIS_CLUSTER_NODES.length > 0
      ? `cluster:${addresses(config.REDIS_CLUSTER_NODES).sort().join(',')}`
      : config.REDIS_SENTINELS.length > 0
        ? `sentinel:${config.REDIS_SENTINEL_NAME}/${database}`
        : `${url.protocol}//${url.hostname}:${url.port || '6379'}/${database}`;
  const queue = config.QUEUE_PREFIX === 'bull' ? '' : `|${config.QUEUE_PREFIX}`;
  return createHash('sha256')
    .update(`${redis}|${config.QUEUE_NAME}${queue}`)
    .digest('hex')
    .slice(0, 16);
}
