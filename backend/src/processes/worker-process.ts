import { ensureRuntime } from '../render-engine/docker-client/engine-runtimes';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Config } from '../config/config-schema';
import { deploymentScope, redisKeyspace } from '../config/redis-settings';
import { startDaemonPaths } from '../job-folders/daemon-paths/daemon-paths';
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

/** Composition root of the worker: Docker Engine, render image, queue consumer. */
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
  const connection = createWorkerRedis(config);
  const keyspace = redisKeyspace(config);
  // BullMQ reports a lost Redis as queue and worker errors; this keeps the connection's own quiet.
  connection.on('error', (error: Error) =>
    logger.debug('redis connection error', { error: error.message }),
  );
  const presence = new WorkerPresence(connection, keyspace);
  // Announced before the engine answers, so that readiness can say why this worker cannot render.
  await presence.announce({
    workerId,
    hostname: hostname(),
    pid: process.pid,
    startedAt: new Date().toISOString(),
    engine: { ok: false, error: 'not checked yet' },
    images: images.map((image) => ({ ...image, present: false })),
    paused: true,
  });
  // Webhooks do not need the engine: deliveries (of cancelled jobs, say) go out while it is away.
  const webhooks = new BullmqWebhooks(
    connection,
    keyspace,
    config.JOB_RETENTION_HOURS,
    {
      maxAttempts: config.WEBHOOK_MAX_ATTEMPTS,
      retryBaseSeconds: config.WEBHOOK_RETRY_BASE_SECONDS,
    },
    logger,
  );
  const webhookWorker = startWebhookWorker({
    connection,
    keyspace,
    concurrency: WEBHOOK_CONCURRENCY,
    retentionHours: config.JOB_RETENTION_HOURS,
    secret: config.WEBHOOK_SECRET,
    timeoutSeconds: config.WEBHOOK_TIMEOUT_SECONDS,
    retryBaseSeconds: config.WEBHOOK_RETRY_BASE_SECONDS,
    send: (request) =>
      sendWebhook(request, { allowPrivateTargets: config.WEBHOOK_ALLOW_PRIVATE_TARGETS }),
    statistics: new WebhookStatistics(connection, keyspace),
    logger,
  });
  if (config.WEBHOOK_SECRET === '') {
    logger.warn('WEBHOOK_SECRET is not set: webhooks are sent unsigned', {
      hint: 'Set WEBHOOK_SECRET (16 characters or more) so that receivers can verify X-Manim-Signature.',
    });
  }

  // The queue consumer, once it runs; the engine monitor pauses and resumes it.
  let worker: RenderWorker | undefined = undefined;
  // Forgets its containers when the engine goes away, clears up and refills when it is back.
  let warmPool: WarmPool<WarmRenderSlot> | undefined = undefined;
  // Jobs stay queued while the worker starts, while its engine is away and while it pulls its image.
  const intake = new IntakeGate((reasons) => presence.update({ paused: reasons.length > 0 }));
  void intake.hold('starting');
  // A registry image that is missing is pulled in the background (one pull, shared with jobs).
  const puller = createImagePuller({
    exists: (image) => renderEngine.hasImage(image),
    pull: (image) => renderEngine.pullImage(image),
  });
  const imageSupplies = new RenderImageSupplies(images, {
    exists: (image) => renderEngine.hasImage(image),
    ...(renderImagePullable(config) ? { pull: (image) => puller.ensureImage(image) } : {}),
    missingHint: renderImageMissingHint(
      config.RENDER_IMAGE === '' || isLocalRenderImage(config.RENDER_IMAGE) ? 'local' : 'registry',
    ),
    retry: IMAGE_PULL_RETRY,
    recheckMs: IMAGE_RECHECK_MS,
    logger,
    onChange: (states) => presence.update({ images: states }),
    // An image that is pulled here holds jobs back until it is there; one that is not fails them.
    hold: (reason) => void intake.hold(reason),
    release: (reason) => void intake.release(reason),
  });
  // Jobs stay queued while the engine is away: the worker pauses, and resumes when it answers.
  const onPing = engineReactions({
    logger,
    publish: (status) => presence.update(status),
    intake,
    checkImages: (options) => imageSupplies.check(options),
    warmPool: () => warmPool,
    consuming: () => worker !== undefined,
    say: (line) => process.stderr.write(line),
  });
  const engine = startEngineMonitor({
    // An engine that answers but lacks RENDER_RUNTIME cannot run renders either.
    ping: async () => {
      await pingEngine(docker, ENGINE_PING_TIMEOUT_MS);
      await ensureRuntime(docker, config.RENDER_RUNTIME);
    },
    intervalMs: ENGINE_CHECK_INTERVAL_MS,
    onPing,
  });
  await engine.whenUp();

  const renderUser = resolveRenderUser(config.RENDER_USER, {
    uid: process.getuid?.() ?? 0,
    gid: process.getgid?.() ?? 0,
  });
  // Read once and kept: the engine's version, API version and security options.
  const engineFacts = await readEngineFacts(docker);
  const engineSecurity = engineFacts.security;
  presence.update({
    capacity: {
      engineId: engineFacts.id,
      cpus: engineFacts.cpus,
      concurrency: config.WORKER_CONCURRENCY,
    },
  });
  const daemonPaths = await startDaemonPaths({
    docker,
    config,
    logger,
    image: defaultImage,
    owner: { queueName: config.QUEUE_NAME, scope: deploymentScope(config), workerId },
    probeUser: `${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}`,
    apiVersion: engineFacts.apiVersion,
  });
  const housekeeping = await startChores(
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

  // Warm containers are made for a bind-mounted folder; copy mode renders every job cold.
  const copyMode = daemonPaths.copiesJobFiles;
  if (copyMode && config.WARM_POOL_SIZE > 0) {
    logger.warn('no warm render containers: job files are copied, not mounted', {
      WARM_POOL_SIZE: config.WARM_POOL_SIZE,
    });
  }
  const pool = createWarmPool({
    engine: renderEngine,
    config: copyMode ? { ...config, WARM_POOL_SIZE: 0 } : config,
    image: defaultImage,
    renderUser,
    workerId,
    toDaemonPath: (workerPath) => daemonPaths.toDaemonPath(workerPath),
    logger,
    onChange: (status) => presence.update({ warmPool: status }),
  });
  presence.update({ warmPool: pool.status() });

  const jobFiles = new RedisJobFiles(connection, keyspace, config.JOB_RETENTION_HOURS * 3600);
  const renderWorker = await startRenderWorker({
    connection,
    keyspace,
    concurrency: config.WORKER_CONCURRENCY,
    retentionHours: config.JOB_RETENTION_HOURS,
    lockSeconds: config.JOB_LOCK_SECONDS,
    logger,
    onJobEnded: async (job) => {
      try {
        await webhooks.jobEnded(job);
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
    handler: createRenderProcessor({
      config,
      logger,
      engine: renderEngine,
      images,
      renderUser,
      workerId,
      engineSecurity,
      statistics: new RenderStatistics(connection, keyspace),
      placeJobFolder: (workerPath) => daemonPaths.placeJobFolder(workerPath),
      jobFiles,
      outputs,
      parallelRenders: async () => parallelRenders(await presence.listWorkerStatuses()),
      ...(config.PLAY_REUSE === 'off'
        ? {}
        : {
            plays: new PlayCache(
              new RedisPlayIndex(connection, keyspace),
              outputs,
              config.PLAY_CACHE_MB * 1024 * 1024,
            ),
          }),
      warmPool: pool,
      whenImageBack: (manimVersion) => imageSupplies.whenBack(manimVersion),
    }),
  });
  worker = renderWorker;
  warmPool = pool;
  pool.start();
  // The engine may have gone away while the consumer started.
  if (engine.current().state === 'down') pool.suspend();
  await intake.attach(renderWorker);
  await intake.release('starting');
  const webhookChores = await startChores(
    [
      {
        name: 'look for unannounced webhooks',
        everyMs: MISSED_WEBHOOK_INTERVAL_MS,
        run: async () => {
          const announced = await webhooks.announceMissedEnds((id) => renderWorker.findEnded(id), {
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
  logger.info('worker ready', {
    queue: config.QUEUE_NAME,
    images: images.map((image) => image.name),
    concurrency: config.WORKER_CONCURRENCY,
    renderUser,
    workerId,
    pathMode: daemonPaths.mode,
    engineSecurity,
    engineVersion: engineFacts.serverVersion,
    apiVersion: engineFacts.apiVersion,
    warmPoolSize: config.WARM_POOL_SIZE,
    ...(intake.isOpen() ? {} : { waitingFor: intake.holding() }),
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
      await webhookWorker.close();
      await webhooks.close();
      await presence.withdraw(workerId);
      connection.disconnect();
    },
  };
}

/** How to get a render image this worker does not pull. */
function renderImageMissingHint(kind: 'local' | 'registry'): string {
  if (kind === 'local') {
    return "The local render images are built, never pulled. Run `npm run prepare-image` where the worker's engine runs (it builds the image of every version in MANIM_VERSIONS), or set RENDER_IMAGE to a registry image.";
  }
  return "RENDER_IMAGE_PULL_POLICY is never: pull or load the image on the worker's engine yourself (docker pull, or docker load), or set the policy to missing.";
}
