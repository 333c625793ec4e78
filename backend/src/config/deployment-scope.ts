import { createHash } from 'node:crypto';
import type { Config } from './config-schema';

/**
 * Names one deployment on a Docker Engine that several may share: its Redis (host, port and
 * database, not the password) and its queue. Render containers carry it, so that a worker only
 * ever sweeps containers of its own deployment, never those of another one with the same queue
 * name whose workers it cannot see.
 */
export function deploymentScope(config: Pick<Config, 'REDIS_URL' | 'QUEUE_NAME'>): string {
  const url = new URL(config.REDIS_URL);
  const database = url.pathname.replace(/^\//, '') || '0';
  const redis = `${url.protocol}//${url.hostname}:${url.port || '6379'}/${database}`;
  return createHash('sha256').update(`${redis}|${config.QUEUE_NAME}`).digest('hex').slice(0, 16);
}
