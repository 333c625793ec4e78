import type { Server } from 'node:http';
import type { Express } from 'express';
import { ADMIN_QUEUES_PATH, createApp } from '../api/create-app';
import { createApiMetrics } from '../api/metrics';
import type { Config } from '../config/config-schema';
import { redisKeyspace, type RedisKeyspace } from '../config/redis-settings';
import { defaultManimVersion, renderImages } from '../render-image/render-image';
import { RedisJobFiles } from '../uploads/redis-job-files';
import { resultCopier } from '../outputs/copy-result';
import { createOutputStore } from '../outputs/create-output-store';
import { MediaTokens } from '../tenants/media-tokens';
import { sharedTokenSecret } from '../tenants/redis-token-secret';
import type { Logger } from '../logging/logger';
import type { JobView, RenderSubmitter } from '../job/render-job';
import type { OutputStore } from '../outputs/output-store';
import { BullmqJobEvents } from '../redis/bullmq-job-events';
import { BullmqRenderJobStore } from '../redis/bullmq-job-store';
import { RedisRenderIdentities } from '../submit/redis-render-identities';
import { createSubmitService } from '../submit/submit-service';
import { BullmqWebhooks } from '../webhooks/bullmq-webhooks';
import { createQueueDashboard } from '../redis/queue-dashboard';
import { RenderStatistics } from '../redis/render-statistics';
import {
  createApiRedis,
  createWorkerRedis,
  sendCommand,
  waitForRedis,
  type RedisConnection,
} from '../redis/redis-connection';
import { WebhookStatistics } from '../webhooks/webhook-statistics';
import { WorkerPresence } from '../worker-upkeep/worker-presence';

export interface ApiProcess {
  /** Base URL the API listens on, e.g. http://127.0.0.1:3001 */
  url: string;
  /** The application the server runs, for tests that look at its routes. */
  app: Express;
  close(): Promise<void>;
}

/**
 * Composition root of the API: Redis, the job store, the submit service, the job event reader,
 * the HTTP server. Each step below builds one part from the parts it needs.
 */
export async function startApiProcess(config: Config, logger: Logger): Promise<ApiProcess> {
  const redis = createApiRedis(config);
  redis.on('error', (error: Error) =>
    logger.warn('redis connection error', { error: error.message }),
  );
  await waitForRedis(redis, 10_000);
  const keyspace = redisKeyspace(config);
  const outputs = createOutputStore(config);
  const store = openJobStore(config, logger, { redis, keyspace });
  const { jobs, webhooks } = store;
  const submitter = buildSubmitter(config, logger, { redis, keyspace, outputs, store });
  const tokens = new MediaTokens(
    config.MEDIA_TOKEN_SECRET || (await sharedTokenSecret(redis, keyspace)),
    config.MEDIA_TOKEN_TTL_SECONDS,
  );
  const events = await openEventReader(config, logger, keyspace);
  const statistics = new RenderStatistics(redis, keyspace);
  const webhookStatistics = new WebhookStatistics(redis, keyspace);
  const app = createApp({
    config,
    logger,
    jobs,
    tokens,
    submitter,
    events: events.reader,
    outputs,
    redisCommand: (command, ...args) => sendCommand(redis, command ?? '', args),
    workers: new WorkerPresence(redis, keyspace),
    queueDashboard: createQueueDashboard([jobs.bullmqQueue, webhooks.bullmqQueue], {
      basePath: ADMIN_QUEUES_PATH,
      readOnly: config.ADMIN_READ_ONLY,
    }),
    metrics: createApiMetrics({
      queueCounts: () => jobs.counts(),
      renderCounts: () => statistics.read(),
      webhookCounts: () => webhookStatistics.read(),
    }),
  });
  const { server, url } = await listen(app, config);
  logger.info('api listening', { url });
  warnWhenOpenToOthers(config, logger);
  return {
    url,
    app,
    async close() {
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Open event streams would keep the server from closing; ending the source ends them. The
      // reader stops first, so that it does not reconnect when its connection ends.
      await events.close();
      await serverClosed;
      await jobs.close();
      await webhooks.close();
      redis.disconnect();
    },
  };
}

interface JobStore {
  jobs: BullmqRenderJobStore;
  webhooks: BullmqWebhooks;
  jobFiles: RedisJobFiles;
}

/** The jobs, their webhooks and their files, on the API's Redis connection. */
function openJobStore(
  config: Config,
  logger: Logger,
  deps: { redis: RedisConnection; keyspace: RedisKeyspace },
): JobStore {
  const { redis, keyspace } = deps;
  const webhooks = new BullmqWebhooks(
    redis,
    keyspace,
    config.JOB_RETENTION_HOURS,
    {
      maxAttempts: config.WEBHOOK_MAX_ATTEMPTS,
      retryBaseSeconds: config.WEBHOOK_RETRY_BASE_SECONDS,
    },
    logger,
  );
  const jobFiles = new RedisJobFiles(redis, keyspace, config.JOB_RETENTION_HOURS * 3600);
  const jobs = new BullmqRenderJobStore(
    redis,
    keyspace,
    config.JOB_RETENTION_HOURS,
    logger,
    webhooks,
    jobFiles,
  );
  return { jobs, webhooks, jobFiles };
}

function buildSubmitter(
  config: Config,
  logger: Logger,
  deps: {
    redis: RedisConnection;
    keyspace: RedisKeyspace;
    outputs: OutputStore;
    store: JobStore;
  },
): RenderSubmitter {
  const { outputs, store } = deps;
  // An earlier job is reused only while its file is kept; a store that does not answer now
  // means a new render (which retries the store), not a failed request.
  const resultAvailable = async (job: JobView): Promise<boolean> => {
    if (job.result === undefined) return false;
    return outputs
      .exists({ jobId: job.id, fileName: job.result.fileName })
      .catch((error: unknown) => {
        logger.warn('could not look for an earlier video; rendering again', {
          jobId: job.id,
          error: (error as Error).message,
        });
        return false;
      });
  };
  // Computed once: a local image's tag hashes its recipe, which does not change while running.
  const imagesByVersion = new Map(
    renderImages(config).map((image) => [image.manimVersion, image.name]),
  );
  return createSubmitService(
    {
      queue: store.jobs,
      jobs: store.jobs,
      identities: new RedisRenderIdentities(
        deps.redis,
        deps.keyspace,
        config.JOB_RETENTION_HOURS * 3600,
      ),
      callbacks: store.webhooks,
      files: store.jobFiles,
      freeDiskBytes: () => outputs.freeBytes(),
    },
    {
      maxQueuedJobs: config.MAX_QUEUED_JOBS,
      minFreeMb: config.MIN_FREE_DISK_MB,
      imageOf: (manimVersion) =>
        imagesByVersion.get(manimVersion ?? defaultManimVersion(config)) ?? '',
      resultAvailable,
      cacheScope: config.CACHE_SCOPE,
      copyResult: resultCopier(outputs, logger),
    },
  );
}

/**
 * The job event reader. It blocks on Redis, so it gets a connection of its own that waits for
 * Redis; closing it stops the reader first, so that it does not reconnect when its connection
 * ends.
 */
async function openEventReader(
  config: Config,
  logger: Logger,
  keyspace: RedisKeyspace,
): Promise<{ reader: BullmqJobEvents; close(): Promise<void> }> {
  const connection = createWorkerRedis(config);
  // The event reader reports a lost Redis itself; this keeps the connection's own quiet.
  connection.on('error', (error: Error) =>
    logger.debug('redis connection error', { error: error.message }),
  );
  const reader = await BullmqJobEvents.start({ connection, keyspace, logger });
  return {
    reader,
    async close() {
      await reader.close();
      connection.disconnect();
    },
  };
}

async function listen(app: Express, config: Config): Promise<{ server: Server; url: string }> {
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(config.PORT, config.HOST, () => resolve(listening));
    listening.on('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  const host = config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST;
  return { server, url: `http://${host}:${port}` };
}

/**
 * An API without keys lets whoever reaches it render, read and cancel every job: fine on
 * loopback, worth a loud word on any address others can reach.
 */
function warnWhenOpenToOthers(config: Pick<Config, 'API_KEYS' | 'HOST'>, logger: Logger): void {
  if (config.API_KEYS.length > 0 || isLoopback(config.HOST)) return;
  logger.warn(
    'THE API IS OPEN: API_KEYS is empty and it listens beyond loopback, so anyone who reaches it can render, read and cancel every job. Set API_KEYS, or HOST=127.0.0.1 (docs/security.md).',
    { host: config.HOST },
  );
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
