import { ensureRuntime } from '../render-engine/docker-client/engine-runtimes';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Config } from '../config/config-schema';
import type { RedisKeyspace } from '../config/redis-settings';
import type { JobView } from '../job/render-job';
import type { DaemonPaths } from '../job-folders/daemon-paths/daemon-paths';
import type { OutputStore } from '../outputs/output-store';
import type { RenderProcessorDeps } from '../pipeline/render-processor-deps';
import type { FileOwner } from '../job-folders/job-workspace';
import type { RedisConnection } from '../redis/redis-connection';
import type { EngineFacts } from '../render-engine/docker-client/engine-facts';
import type { DockerClient } from '../render-engine/docker-client/docker-client';
import type { RenderEngine } from '../render-engine/render-engine';
import type { RenderImage } from '../render-image/render-image';
import type { EngineMonitor } from '../worker-upkeep/engine-monitor';
import { deploymentScope, redisKeyspace } from '../config/redis-settings';
import { discoverDaemonPaths } from '../job-folders/daemon-paths/daemon-paths';
import { createDockerClient, pingEngine } from '../render-engine/docker-client/docker-client';
import { readEngineFacts } from '../render-engine/docker-client/engine-facts';
import { PlayCache } from '../split/play-cache';
import { parallelRenders } from '../split/split-capacity';
import { RedisPlayIndex } from '../split/redis-play-index';
import { createImagePuller } from '../render-image/image-puller';
import { createDockerRenderEngine } from '../render-engine/docker-render-engine';
import {
  isLocalRenderImage,
  renderImagePullable,
  renderImages,
} from '../render-image/render-image';
import type { Logger } from '../logging/logger';
import { startRenderWorker, type RenderWorker } from '../redis/bullmq-render-worker';
import { BullmqWebhooks, startWebhookWorker } from '../webhooks/bullmq-webhooks';
import { createOutputStore } from '../outputs/create-output-store';
import { removeExpiredFiles } from '../outputs/retention';
import { createWorkerRedis } from '../redis/redis-connection';
import { RedisJobFiles } from '../uploads/redis-job-files';
import { RenderStatistics } from '../redis/render-statistics';
import { WebhookStatistics } from '../webhooks/webhook-statistics';
import { WorkerPresence } from '../worker-upkeep/worker-presence';
import { sendWebhook } from '../webhooks/webhook-sender';
import { startChores } from '../worker-upkeep/chores';
import { startEngineMonitor } from '../worker-upkeep/engine-monitor';
import { engineReactions } from '../worker-upkeep/engine-reactions';
import { IntakeGate } from '../worker-upkeep/intake-gate';
import { sweepOrphans } from '../worker-upkeep/orphan-sweep';
import { RenderImageSupplies } from '../render-image/render-image-supplies';
import { createRenderProcessor } from '../pipeline/render-processor';
import { resolveRenderUser } from '../pipeline/render-user';
import type { WarmPool, WarmPoolStatus } from '../warm-pool/warm-pool';
import { createWarmPool, type WarmRenderSlot } from '../warm-pool/warm-slots';

export interface WorkerProcess {
  /** The warm render containers (WARM_POOL_SIZE): how many are ready, and when all are. */
  readonly warmPool: { status(): WarmPoolStatus; whenFull(): Promise<void> };
  close(): Promise<void>;
}

const ENGINE_CHECK_INTERVAL_MS = 2_000;
const ENGINE_PING_TIMEOUT_MS = 5_000;
const SWEEP_INTERVAL_MS = 30_000;
/** How often a worker looks for webhooks whose job ended without announcing it (its worker died). */
const MISSED_WEBHOOK_INTERVAL_MS = 60_000;
/** A callback younger than this may still be announced the normal way. */
const MISSED_WEBHOOK_MIN_AGE_MS = 30_000;
const RETENTION_INTERVAL_MS = 15 * 60_000;
/** Webhook requests one worker sends at once; they wait on the network, not on the CPU. */
const WEBHOOK_CONCURRENCY = 10;
/** Waits between failed pulls of a missing render image: 5 s, doubling up to 5 min. */
const IMAGE_PULL_RETRY = { firstMs: 5_000, maxMs: 300_000 };
/** How often a worker looks whether its render image is still there. */
const IMAGE_RECHECK_MS = 30_000;

/**
 * Composition root of the worker: Docker Engine, render image, queue consumer. Each step below
 * builds one part from the parts it needs.
 */
export async function startWorkerProcess(config: Config, logger: Logger): Promise<WorkerProcess> {
  const docker = createDockerClient();
  const renderEngine = createDockerRenderEngine(docker, {
    pullStallSeconds: config.RENDER_IMAGE_PULL_STALL_SECONDS,
    logger,
  });
  // Newest version first: the default one, which the warm pool and the sharing probe use.
  const images = renderImages(config);
  const defaultImage = images[0]?.name ?? '';
  const workerId = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  const outputs = createOutputStore(config);
  const redis = connectRedis(config, logger);
  const presence = await announceWorker(redis, { workerId, images });
  // Webhooks do not need the engine: deliveries (of cancelled jobs, say) go out while it is away.
  const webhooks = startWebhookDelivery(config, logger, redis);

  // The queue consumer and the warm pool, once they run; the engine watch pauses and resumes them.
  let worker: RenderWorker | undefined = undefined;
  let warmPool: WarmPool<WarmRenderSlot> | undefined = undefined;
  // Jobs stay queued while the worker starts, while its engine is away and while it pulls its image.
  const intake = new IntakeGate((reasons) => presence.update({ paused: reasons.length > 0 }));
  void intake.hold('starting');
  const imageSupplies = superviseRenderImages(config, logger, {
    images,
    renderEngine,
    presence,
    intake,
  });
  const engine = watchEngine(config, logger, {
    docker,
    presence,
    intake,
    imageSupplies,
    warmPool: () => warmPool,
    consuming: () => worker !== undefined,
  });
  await engine.whenUp();

  const host = await readHost(config, logger, { docker, defaultImage, workerId, presence });
  const housekeeping = await startHousekeeping(config, logger, { renderEngine, presence, outputs });
  const pool = buildWarmPool(config, logger, {
    renderEngine,
    defaultImage,
    workerId,
    presence,
    host,
  });
  const renderWorker = await startRenderConsumer(config, logger, {
    redis,
    webhooks: webhooks.store,
    processor: {
      config,
      logger,
      engine: renderEngine,
      images,
      renderUser: host.renderUser,
      workerId,
      engineSecurity: host.engineFacts.security,
      statistics: new RenderStatistics(redis.connection, redis.keyspace),
      placeJobFolder: (workerPath) => host.daemonPaths.placeJobFolder(workerPath),
      outputs,
      parallelRenders: async () => parallelRenders(await presence.listWorkerStatuses()),
      plays: playCacheOf(config, redis, outputs),
      warmPool: pool,
      whenImageBack: (manimVersion) => imageSupplies.whenBack(manimVersion),
    },
  });
  worker = renderWorker;
  warmPool = pool;
  pool.start();
  // The engine may have gone away while the consumer started.
  if (engine.current().state === 'down') pool.suspend();
  await intake.attach(renderWorker);
  await intake.release('starting');
  const webhookChores = await startWebhookChores(logger, {
    webhooks: webhooks.store,
    findEnded: (id) => renderWorker.findEnded(id),
  });
  logger.info('worker ready', {
    queue: config.QUEUE_NAME,
    images: images.map((image) => image.name),
    concurrency: config.WORKER_CONCURRENCY,
    renderUser: host.renderUser,
    workerId,
    pathMode: host.daemonPaths.mode,
    engineSecurity: host.engineFacts.security,
    engineVersion: host.engineFacts.serverVersion,
    apiVersion: host.engineFacts.apiVersion,
    warmPoolSize: config.WARM_POOL_SIZE,
    waitingFor: intake.isOpen() ? undefined : intake.holding(),
  });
  return {
    warmPool: pool,
    async close() {
      engine.close();
      housekeeping.stop();
      webhookChores.stop();
      // Running jobs keep the warm containers they took; the idle ones go now.
      await pool.close();
      await renderWorker.close(config.SHUTDOWN_GRACE_SECONDS * 1000);
      await webhooks.close();
      await presence.withdraw(workerId);
      redis.connection.disconnect();
    },
  };
}

interface WorkerRedis {
  connection: RedisConnection;
  keyspace: RedisKeyspace;
}

function connectRedis(config: Config, logger: Logger): WorkerRedis {
  const connection = createWorkerRedis(config);
  // BullMQ reports a lost Redis as queue and worker errors; this keeps the connection's own quiet.
  connection.on('error', (error: Error) =>
    logger.debug('redis connection error', { error: error.message }),
  );
  return { connection, keyspace: redisKeyspace(config) };
}

/** Announced before the engine answers, so that readiness can say why this worker cannot render. */
async function announceWorker(
  redis: WorkerRedis,
  worker: { workerId: string; images: RenderImage[] },
): Promise<WorkerPresence> {
  const presence = new WorkerPresence(redis.connection, redis.keyspace);
  await presence.announce({
    workerId: worker.workerId,
    hostname: hostname(),
    pid: process.pid,
    startedAt: new Date().toISOString(),
    engine: { ok: false, error: 'not checked yet' },
    images: worker.images.map((image) => ({ ...image, present: false })),
    paused: true,
  });
  return presence;
}

function startWebhookDelivery(
  config: Config,
  logger: Logger,
  redis: WorkerRedis,
): { store: BullmqWebhooks; close(): Promise<void> } {
  const store = new BullmqWebhooks(
    redis.connection,
    redis.keyspace,
    config.JOB_RETENTION_HOURS,
    {
      maxAttempts: config.WEBHOOK_MAX_ATTEMPTS,
      retryBaseSeconds: config.WEBHOOK_RETRY_BASE_SECONDS,
    },
    logger,
  );
  const delivery = startWebhookWorker({
    connection: redis.connection,
    keyspace: redis.keyspace,
    concurrency: WEBHOOK_CONCURRENCY,
    retentionHours: config.JOB_RETENTION_HOURS,
    secret: config.WEBHOOK_SECRET,
    timeoutSeconds: config.WEBHOOK_TIMEOUT_SECONDS,
    retryBaseSeconds: config.WEBHOOK_RETRY_BASE_SECONDS,
    send: (request) =>
      sendWebhook(request, { allowPrivateTargets: config.WEBHOOK_ALLOW_PRIVATE_TARGETS }),
    statistics: new WebhookStatistics(redis.connection, redis.keyspace),
    logger,
  });
  if (config.WEBHOOK_SECRET === '') {
    logger.warn('WEBHOOK_SECRET is not set: webhooks are sent unsigned', {
      hint: 'Set WEBHOOK_SECRET (16 characters or more) so that receivers can verify X-Manim-Signature.',
    });
  }
  return {
    store,
    async close() {
      await delivery.close();
      await store.close();
    },
  };
}

/**
 * Looks for each version's render image; a registry image that is missing is pulled in the
 * background (one pull, shared with jobs) and holds jobs back until it is there, one that is not
 * pulled fails them.
 */
function superviseRenderImages(
  config: Config,
  logger: Logger,
  deps: {
    images: RenderImage[];
    renderEngine: RenderEngine;
    presence: WorkerPresence;
    intake: IntakeGate;
  },
): RenderImageSupplies {
  const { renderEngine, presence, intake } = deps;
  const puller = createImagePuller({
    exists: (image) => renderEngine.hasImage(image),
    pull: (image) => renderEngine.pullImage(image),
  });
  return new RenderImageSupplies(deps.images, {
    exists: (image) => renderEngine.hasImage(image),
    pull: renderImagePullable(config) ? (image) => puller.ensureImage(image) : undefined,
    missingHint: renderImageMissingHint(
      config.RENDER_IMAGE === '' || isLocalRenderImage(config.RENDER_IMAGE) ? 'local' : 'registry',
    ),
    retry: IMAGE_PULL_RETRY,
    recheckMs: IMAGE_RECHECK_MS,
    logger,
    onChange: (states) => presence.update({ images: states }),
    hold: (reason) => void intake.hold(reason),
    release: (reason) => void intake.release(reason),
  });
}

/** Jobs stay queued while the engine is away: the worker pauses, and resumes when it answers. */
function watchEngine(
  config: Config,
  logger: Logger,
  deps: {
    docker: DockerClient;
    presence: WorkerPresence;
    intake: IntakeGate;
    imageSupplies: RenderImageSupplies;
    warmPool: () => WarmPool<WarmRenderSlot> | undefined;
    consuming: () => boolean;
  },
): EngineMonitor {
  const { docker, presence, imageSupplies } = deps;
  const onPing = engineReactions({
    logger,
    publish: (status) => presence.update(status),
    intake: deps.intake,
    checkImages: (options) => imageSupplies.check(options),
    warmPool: deps.warmPool,
    consuming: deps.consuming,
    say: (line) => process.stderr.write(line),
  });
  return startEngineMonitor({
    // An engine that answers but lacks RENDER_RUNTIME cannot run renders either.
    ping: async () => {
      await pingEngine(docker, ENGINE_PING_TIMEOUT_MS);
      await ensureRuntime(docker, config.RENDER_RUNTIME);
    },
    intervalMs: ENGINE_CHECK_INTERVAL_MS,
    onPing,
  });
}

/** What this worker learns once about its engine and its machine. */
interface WorkerHost {
  renderUser: FileOwner;
  /** Read once and kept: the engine's version, API version and security options. */
  engineFacts: EngineFacts;
  daemonPaths: DaemonPaths;
}

async function readHost(
  config: Config,
  logger: Logger,
  deps: {
    docker: DockerClient;
    /** The newest version's image, which probes the daemon's view of the job folders. */
    defaultImage: string;
    workerId: string;
    presence: WorkerPresence;
  },
): Promise<WorkerHost> {
  const { docker } = deps;
  const renderUser = resolveRenderUser(config.RENDER_USER, {
    uid: process.getuid?.() ?? 0,
    gid: process.getgid?.() ?? 0,
  });
  const engineFacts = await readEngineFacts(docker);
  deps.presence.update({
    capacity: {
      engineId: engineFacts.id,
      cpus: engineFacts.cpus,
      concurrency: config.WORKER_CONCURRENCY,
    },
  });
  const daemonPaths = await discoverDaemonPaths({
    docker,
    config,
    logger,
    image: deps.defaultImage,
    owner: {
      queueName: config.QUEUE_NAME,
      scope: deploymentScope(config),
      workerId: deps.workerId,
    },
    probeUser: `${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}`,
    apiVersion: engineFacts.apiVersion,
  });
  return { renderUser, engineFacts, daemonPaths };
}

function startHousekeeping(
  config: Config,
  logger: Logger,
  deps: { renderEngine: RenderEngine; presence: WorkerPresence; outputs: OutputStore },
): Promise<{ stop(): void }> {
  const { renderEngine, presence, outputs } = deps;
  return startChores(
    [
      {
        name: 'sweep orphaned render containers',
        everyMs: SWEEP_INTERVAL_MS,
        // Containers of dead workers go before this one takes jobs.
        waitForFirstRun: true,
        run: async () => {
          await sweepOrphans(
            {
              listContainers: () =>
                renderEngine.list({ queueName: config.QUEUE_NAME, scope: deploymentScope(config) }),
              isWorkerAlive: (id) => presence.isAlive(id),
              removeContainer: (id) => renderEngine.remove(id),
            },
            logger,
          );
        },
      },
      {
        name: 'remove expired files',
        everyMs: RETENTION_INTERVAL_MS,
        run: () => removeExpiredFiles(outputs, config, logger),
      },
    ],
    logger,
  );
}

/** Warm containers are made for a bind-mounted folder; copy mode renders every job cold. */
function buildWarmPool(
  config: Config,
  logger: Logger,
  deps: {
    renderEngine: RenderEngine;
    /** Warm containers run the newest version's image. */
    defaultImage: string;
    workerId: string;
    presence: WorkerPresence;
    host: WorkerHost;
  },
): WarmPool<WarmRenderSlot> {
  const { daemonPaths } = deps.host;
  const copyMode = daemonPaths.copiesJobFiles;
  if (copyMode && config.WARM_POOL_SIZE > 0) {
    logger.warn('no warm render containers: job files are copied, not mounted', {
      WARM_POOL_SIZE: config.WARM_POOL_SIZE,
    });
  }
  const pool = createWarmPool({
    engine: deps.renderEngine,
    config: copyMode ? { ...config, WARM_POOL_SIZE: 0 } : config,
    image: deps.defaultImage,
    renderUser: deps.host.renderUser,
    workerId: deps.workerId,
    toDaemonPath: (workerPath) => daemonPaths.toDaemonPath(workerPath),
    logger,
    onChange: (status) => deps.presence.update({ warmPool: status }),
  });
  deps.presence.update({ warmPool: pool.status() });
  return pool;
}

function playCacheOf(
  config: Config,
  redis: WorkerRedis,
  outputs: OutputStore,
): PlayCache | undefined {
  if (config.PLAY_REUSE === 'off') return undefined;
  return new PlayCache(
    new RedisPlayIndex(redis.connection, redis.keyspace),
    outputs,
    config.PLAY_CACHE_MB * 1024 * 1024,
  );
}

/** The BullMQ consumer that runs each job through the render pipeline. */
function startRenderConsumer(
  config: Config,
  logger: Logger,
  deps: {
    redis: WorkerRedis;
    webhooks: BullmqWebhooks;
    processor: Omit<RenderProcessorDeps, 'jobFiles'>;
  },
): Promise<RenderWorker> {
  const { connection, keyspace } = deps.redis;
  const jobFiles = new RedisJobFiles(connection, keyspace, config.JOB_RETENTION_HOURS * 3600);
  return startRenderWorker({
    connection,
    keyspace,
    concurrency: config.WORKER_CONCURRENCY,
    retentionHours: config.JOB_RETENTION_HOURS,
    lockSeconds: config.JOB_LOCK_SECONDS,
    logger,
    onJobEnded: async (job) => {
      try {
        await deps.webhooks.jobEnded(job);
      } finally {
        // Past its end nobody reads a job's files; they would expire with its record anyway.
        await jobFiles.remove(job.id).catch((error: unknown) =>
          logger.warn('could not remove the files of a job that ended', {
            jobId: job.id,
            error: (error as Error).message,
          }),
        );
      }
    },
    handler: createRenderProcessor({ ...deps.processor, jobFiles }),
  });
}

/** Webhooks of jobs whose worker died before announcing their end. */
function startWebhookChores(
  logger: Logger,
  deps: {
    webhooks: BullmqWebhooks;
    findEnded: (jobId: string) => Promise<JobView | undefined>;
  },
): Promise<{ stop(): void }> {
  return startChores(
    [
      {
        name: 'look for unannounced webhooks',
        everyMs: MISSED_WEBHOOK_INTERVAL_MS,
        run: async () => {
          const announced = await deps.webhooks.announceMissedEnds(deps.findEnded, {
            minAgeMs: MISSED_WEBHOOK_MIN_AGE_MS,
          });
          if (announced > 0) {
            logger.warn('queued webhooks of jobs whose end was not announced', {
              jobs: announced,
            });
          }
        },
      },
    ],
    logger,
  );
}

/** How to get a render image this worker does not pull. */
function renderImageMissingHint(kind: 'local' | 'registry'): string {
  if (kind === 'local') {
    return "The local render images are built, never pulled. Run `npm run prepare-image` where the worker's engine runs (it builds the image of every version in MANIM_VERSIONS), or set RENDER_IMAGE to a registry image.";
  }
  return "RENDER_IMAGE_PULL_POLICY is never: pull or load the image on the worker's engine yourself (docker pull, or docker load), or set the policy to missing.";
}
