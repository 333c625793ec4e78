import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Config } from '../config/config-schema';
import { startDaemonPaths } from '../docker/daemon-paths';
import { createDockerClient, waitForEngine, type DockerClient } from '../docker/docker-client';
import { imageExists } from '../docker/image-streams';
import { listRenderContainers, removeContainer } from '../docker/render-container-runner';
import { renderImageName } from '../docker/render-image';
import type { AppError } from '../errors/app-error';
import type { Logger } from '../logging/logger';
import { startRenderWorker } from '../queue/bullmq-render-queue';
import { removeExpiredJobFolders } from '../outputs/retention';
import { createWorkerRedis } from '../queue/redis-connection';
import { WorkerPresence } from '../queue/worker-presence';
import { sweepOrphans } from '../worker/orphan-sweep';
import { createRenderProcessor } from '../worker/render-processor';
import { resolveRenderUser } from '../worker/render-user';

export interface WorkerProcess {
  close(): Promise<void>;
}

const ENGINE_RETRY_LOG_MS = 30_000;
const PRESENCE_TTL_SECONDS = 15;
const SWEEP_INTERVAL_MS = 30_000;
const RETENTION_INTERVAL_MS = 15 * 60_000;
/** A job folder in TEMP_DIR outlives its job only when a worker died; this is long past any render. */
const STALE_JOB_FOLDER_MS = 24 * 3600_000;

/** Composition root of the worker: Docker Engine, render image, queue consumer. */
export async function startWorkerProcess(config: Config, logger: Logger): Promise<WorkerProcess> {
  const docker = createDockerClient();
  await waitForEngineForever(docker, logger);
  const image = renderImageName(config);
  if (!(await imageExists(docker, image))) {
    logger.error('render image missing; jobs will fail with image_missing until it exists', {
      image,
      hint: 'Run `npm run prepare-image`.',
    });
  }
  const renderUser = resolveRenderUser(config.RENDER_USER, {
    uid: process.getuid?.() ?? 0,
    gid: process.getgid?.() ?? 0,
  });
  const workerId = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  const daemonPaths = await startDaemonPaths({
    docker,
    config,
    logger,
    image,
    workerId,
    probeUser: `${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}`,
  });
  const connection = createWorkerRedis(config.REDIS_URL);
  const presence = new WorkerPresence(connection, config.QUEUE_NAME, PRESENCE_TTL_SECONDS);
  await presence.announce(workerId);
  const sweep = () =>
    sweepOrphans(
      {
        listContainers: () => listRenderContainers(docker, { queueName: config.QUEUE_NAME }),
        isWorkerAlive: (id) => presence.isAlive(id),
        removeContainer: (id) => removeContainer(docker, id),
      },
      logger,
    ).catch((error: unknown) =>
      logger.warn('could not sweep orphaned render containers', {
        error: (error as Error).message,
      }),
    );
  await sweep();
  const sweepTimer = setInterval(() => void sweep(), SWEEP_INTERVAL_MS);
  sweepTimer.unref();
  const expire = () => removeExpiredFiles(config, logger);
  void expire();
  const retentionTimer = setInterval(() => void expire(), RETENTION_INTERVAL_MS);
  retentionTimer.unref();

  const worker = await startRenderWorker({
    connection,
    queueName: config.QUEUE_NAME,
    concurrency: config.WORKER_CONCURRENCY,
    retentionHours: config.JOB_RETENTION_HOURS,
    lockSeconds: config.JOB_LOCK_SECONDS,
    logger,
    handler: createRenderProcessor({
      config,
      logger,
      docker,
      image,
      renderUser,
      workerId,
      toDaemonPath: (workerPath) => daemonPaths.toDaemonPath(workerPath),
    }),
  });
  logger.info('worker ready', {
    queue: config.QUEUE_NAME,
    image,
    concurrency: config.WORKER_CONCURRENCY,
    renderUser,
    workerId,
    pathMode: daemonPaths.mode,
  });
  return {
    async close() {
      clearInterval(sweepTimer);
      clearInterval(retentionTimer);
      await worker.close(config.SHUTDOWN_GRACE_SECONDS * 1000);
      await presence.withdraw(workerId);
      connection.disconnect();
    },
  };
}

/** Jobs stay queued while the engine is away; the reason is logged until it answers. */
async function waitForEngineForever(docker: DockerClient, logger: Logger): Promise<void> {
  for (;;) {
    try {
      await waitForEngine(docker, ENGINE_RETRY_LOG_MS);
      return;
    } catch (error) {
      const failure = error as AppError;
      logger.error('waiting for the Docker Engine', { error: failure.message, hint: failure.hint });
    }
  }
}

/** Outputs older than the retention, and job folders left by workers that died. */
async function removeExpiredFiles(config: Config, logger: Logger): Promise<void> {
  try {
    const outputs = await removeExpiredJobFolders(
      config.OUTPUTS_DIR,
      config.JOB_RETENTION_HOURS * 3600_000,
    );
    const folders = await removeExpiredJobFolders(config.TEMP_DIR, STALE_JOB_FOLDER_MS);
    if (outputs.length + folders.length > 0) {
      logger.info('removed expired files', { outputs: outputs.length, jobFolders: folders.length });
    }
  } catch (error) {
    logger.warn('could not remove expired files', { error: (error as Error).message });
  }
}
