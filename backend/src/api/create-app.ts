import express from 'express';
import type { Config } from '../config/config-schema';
import { redisKeyspace } from '../config/redis-settings';
import { redisKeys } from '../redis/redis-keys';
import type { ApiMetrics } from './metrics';
import type { Logger } from '../logging/logger';
import type { JobEventSource } from '../job/job-event-source';
import type { RenderJobStore, RenderSubmitter } from '../job/render-job';
import type { MediaTokens } from '../tenants/media-tokens';
import { tenantJobs, type JobsFor } from '../tenants/tenant-jobs';
import type { WorkerStatusReader } from '../worker-upkeep/worker-status';
import type { OutputStore } from '../outputs/output-store';
import { createErrorHandler, notFoundHandler } from './middleware/error-handler';
import { authenticate, requireAdminKey } from './middleware/authentication';
import { perMinuteLimit, type RedisCommand } from './middleware/rate-limits';
import { methodNotAllowed } from './middleware/method-not-allowed';
import { requestIdMiddleware } from './middleware/request-id';
import { buildOpenApiDocument } from './openapi/openapi-document';
import { healthRoutes } from './routes/health-routes';
import { jobEventRoutes } from './routes/job-event-routes';
import { jobRoutes } from './routes/job-routes';
import { limitsRoutes } from './routes/limits-routes';
import { openApiRoutes } from './routes/openapi-routes';
import { playgroundRoutes } from './routes/playground-routes';
import { readinessRoutes } from './routes/readiness-routes';
import { RENDER_PATH, renderRoutes } from './routes/render-routes';
import { sceneRoutes } from './routes/scene-routes';
import { MCP_PATH, mcpRoutes } from './mcp/mcp-routes';

export const ADMIN_QUEUES_PATH = '/admin/queues';

/** Builds the HTTP API from its dependencies; starting the server is the caller's business. */
export function createApp(deps: {
  config: Config;
  logger: Logger;
  /** Every job, whoever owns it; each request reaches its own caller's only. */
  jobs: RenderJobStore;
  /** Signs and checks the tokens of the links a browser loads (videos, posters, event streams). */
  tokens: MediaTokens;
  /** Admits new renders (disk, queue cap, identical requests, callbacks). */
  submitter: RenderSubmitter;
  events: JobEventSource;
  /** Where the videos of completed jobs are kept. */
  outputs: OutputStore;
  /** Raw Redis commands, for the rate limits every API process shares. */
  redisCommand: RedisCommand;
  /** The statuses the workers publish, for GET /ready. */
  workers: WorkerStatusReader;
  metrics: ApiMetrics;
  /** The queue dashboard, mounted at ADMIN_QUEUES_PATH behind the admin key. */
  queueDashboard: express.Router;
}): express.Express {
  const { config, logger, events, outputs, redisCommand, tokens } = deps;
  const jobs: JobsFor = (caller) => tenantJobs(deps.jobs, caller, (id) => tokens.browserLinks(id));
  // Built once: its routes serve it, and it says which methods each path answers.
  const description = buildOpenApiDocument(config, { adminQueuesPath: ADMIN_QUEUES_PATH });
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.TRUST_PROXY);

  app.use(requestIdMiddleware(logger));
  app.use(deps.metrics.middleware);
  app.get('/metrics', deps.metrics.handler);
  app.use(healthRoutes());
  app.use(ADMIN_QUEUES_PATH, requireAdminKey(config.ADMIN_API_KEY), deps.queueDashboard);
  app.use(
    readinessRoutes({
      queueName: config.QUEUE_NAME,
      minFreeMb: config.MIN_FREE_DISK_MB,
      pingRedis: () => redisCommand('PING'),
      outputs,
      workers: deps.workers,
    }),
  );
  app.use(playgroundRoutes());
  // The description and its page need no key: the contract is not a secret.
  app.use(openApiRoutes({ document: description }));
  const authenticated = authenticate({
    apiKeys: config.API_KEYS,
    adminKey: config.ADMIN_API_KEY,
    tokens,
  });
  app.use('/api', authenticated);
  const keys = redisKeys(redisKeyspace(config));
  const apiLimit = perMinuteLimit({
    keyPrefix: keys.rateLimitPrefix('api'),
    name: 'api',
    limit: config.RATE_LIMIT_REQUESTS_PER_MINUTE,
    sendCommand: redisCommand,
  });
  app.use('/api', apiLimit);
  const renderLimit = perMinuteLimit({
    keyPrefix: keys.rateLimitPrefix('render'),
    name: 'render',
    limit: config.RATE_LIMIT_RENDERS_PER_MINUTE,
    sendCommand: redisCommand,
  });
  app.post(RENDER_PATH, renderLimit);
  app.use(limitsRoutes(config));
  app.use(renderRoutes({ config, submitter: deps.submitter, tokens }));
  app.use(jobRoutes({ logger, jobs, outputs }));
  app.use(jobEventRoutes({ logger, jobs, events }));
  app.use(sceneRoutes({ config }));
  // Tools for clients that speak the Model Context Protocol, behind the same keys and limits.
  app.use(MCP_PATH, authenticated, apiLimit);
  app.use(
    mcpRoutes({
      config,
      logger,
      jobs,
      submitter: deps.submitter,
      events,
      outputs,
      renderLimit,
    }),
  );
  app.use(methodNotAllowed(description.paths));
  app.use(notFoundHandler);
  app.use(createErrorHandler(logger));
  return app;
}
