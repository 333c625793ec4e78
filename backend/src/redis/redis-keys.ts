import type { RedisKeyspace } from '../config/redis-settings';

/**
 * Every name the service gives a key, channel or queue in Redis. BullMQ keeps its queues' keys
 * under `<bullmqPrefix>:<queue name>:`; the service's own keys and channels sit under the
 * keyspace's root (`manim-render:<queue>`, after any other BullMQ prefix), so that a deployment's
 * keys share one hash slot on a cluster. The names are those of earlier versions: a deployment
 * keeps its data across an upgrade.
 */
export interface RedisKeys {
  /** BullMQ's `prefix` for every queue below. */
  bullmqPrefix: string;
  /** The render queue (split ranges are child jobs in it too). */
  renderQueue: string;
  /** The queue of webhook deliveries, next to the render queue. */
  webhookQueue: string;
  /** A job kept outside the queue (cancelled before it started, or an ended copy) and its owner. */
  jobRecord(jobId: string): string;
  /** The contents of a job's files, one hash field per file, until the job ends. */
  jobFiles(jobId: string): string;
  /** The marker that a cancel was asked for a job. */
  cancelRequested(jobId: string): string;
  /** The channel that tells running workers of a cancel. */
  cancelChannel: string;
  /** The job that rendered one tenant's identity (see submit/render-identity.ts). */
  identity(identity: string): string;
  /** A job's webhook deliveries, one hash field each, and its end marker. */
  webhookDeliveries(jobId: string): string;
  /** A tenant's reused plays by the time they were last used (sorted set). */
  playsUsed(tenant: string): string;
  /** A tenant's reused plays and their sizes (hash). */
  playSizes(tenant: string): string;
  /** A worker's presence and status; it expires unless the worker renews it. */
  worker(workerId: string): string;
  /** The render counters every worker adds to. */
  renderStatistics: string;
  /** The webhook counters every worker adds to. */
  webhookStatistics: string;
  /** The secret of media tokens when MEDIA_TOKEN_SECRET is not set. */
  mediaTokenSecret: string;
  /** The start of one per-minute limit's counters; the limit adds the caller. */
  rateLimitPrefix(limitName: string): string;
}

export function redisKeys(keyspace: RedisKeyspace): RedisKeys {
  const root = keyspace.root;
  return {
    bullmqPrefix: keyspace.bullmqPrefix,
    renderQueue: keyspace.queueName,
    webhookQueue: `${keyspace.queueName}-webhooks`,
    jobRecord: (jobId) => `${root}:job-record:${jobId}`,
    jobFiles: (jobId) => `${root}:job-files:${jobId}`,
    cancelRequested: (jobId) => `${root}:cancel-requested:${jobId}`,
    cancelChannel: `${root}:cancel`,
    identity: (identity) => `${root}:identity:${identity}`,
    webhookDeliveries: (jobId) => `${root}:webhooks:${jobId}`,
    playsUsed: (tenant) => `${root}:plays:${tenant}:used`,
    playSizes: (tenant) => `${root}:plays:${tenant}:sizes`,
    worker: (workerId) => `${root}:worker:${workerId}`,
    renderStatistics: `${root}:statistics`,
    webhookStatistics: `${root}:webhook-statistics`,
    mediaTokenSecret: `${root}:media-token-secret`,
    rateLimitPrefix: (limitName) => `${root}:rate-limit:${limitName}:`,
  };
}
