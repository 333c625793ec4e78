import { createHash } from 'node:crypto';
import type { Config } from './config-schema';

/** Where Redis is: REDIS_URL, or the sentinels that know its master (REDIS_SENTINELS). */
export type RedisSettings = Pick<
  Config,
  'REDIS_URL' | 'REDIS_SENTINELS' | 'REDIS_SENTINEL_NAME' | 'REDIS_SENTINEL_PASSWORD'
>;

/** Where the connection goes, for messages: the URL without its password, or the sentinels. */
export function describeRedis(settings: RedisSettings): string {
  if (settings.REDIS_SENTINELS.length === 0) {
    return settings.REDIS_URL.replace(/\/\/([^@/]*)@/, (_match, credentials: string) =>
      credentials.includes(':') ? '//***@' : `//${credentials}@`,
    );
  }
  const sentinels = settings.REDIS_SENTINELS.map(({ host, port }) => `${host}:${port}`);
  return `master ${settings.REDIS_SENTINEL_NAME} of sentinels ${sentinels.join(',')}`;
}

/**
 * Names one deployment on a Docker Engine that several may share: its Redis (host, port and
 * database, or the sentinel group; never the password) and its queue. Render containers carry it,
 * so that a worker only ever sweeps containers of its own deployment, never those of another one
 * with the same queue name whose workers it cannot see.
 */
export function deploymentScope(config: RedisSettings & Pick<Config, 'QUEUE_NAME'>): string {
  const url = new URL(config.REDIS_URL);
  const database = url.pathname.replace(/^\//, '') || '0';
  const redis =
    config.REDIS_SENTINELS.length === 0
      ? `${url.protocol}//${url.hostname}:${url.port || '6379'}/${database}`
      : `sentinel:${config.REDIS_SENTINEL_NAME}/${database}`;
  return createHash('sha256').update(`${redis}|${config.QUEUE_NAME}`).digest('hex').slice(0, 16);
}
