import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Config } from '../config/config-schema';
import { startDaemonPaths } from '../docker/daemon-paths';
import { createDockerClient, pingEngine } from '../docker/docker-client';
import { readEngineSecurity } from '../docker/engine-security';
import { imageExists } from '../docker/image-streams';
import { listRenderContainers, removeContainer } from '../docker/render-container-runner';
import { renderImageName } from '../docker/render-image';
import type { Logger } from '../logging/logger';
import { startRenderWorker, type RenderWorker } from '../queue/bullmq-render-queue';
import { removeExpiredJobFolders } from '../outputs/retention';
import { createWorkerRedis } from '../queue/redis-connection';
import { RenderStatistics } from '../queue/render-statistics';
import { WorkerPresence } from '../queue/worker-presence';
import {
  startEngineMonitor,
  type EngineHealth,
  type EngineTransition,
} from '../worker/engine-monitor';
import { sweepOrphans } from '../worker/orphan-sweep';
import { createRenderProcessor } from '../worker/render-processor';
import { resolveRenderUser } from '../worker/render-user';

export interface WorkerProcess {
  close(): Promise<void>;
}

const ENGINE_CHECK_INTERVAL_MS = 2_000;
const ENGINE_PING_TIMEOUT_MS = 5_000;
const SWEEP_INTERVAL_MS = 30_000;
const RETENTION_INTERVAL_MS = 15 * 60_000;
/** A job folder in TEMP_DIR outlives its job only when a worker died; this is long past any render. */
const STALE_JOB_FOLDER_MS = 24 * 3600_000;

/** Composition root of the worker: Docker Engine, render image, queue consumer. */
export async function startWorkerProcess(config: Config, logger: Logger): Promise<WorkerProcess> {
  const docker = createDockerClient();
  const image = renderImageName(config);
  const workerId = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  const connection = createWorkerRedis(config.REDIS_URL);
  const presence = new WorkerPresence(connection, config.QUEUE_NAME);
  // Announced before the engine answers, so that readiness can say why this worker cannot render.
  await presence.announce({
    workerId,
    hostname: hostname(),
    pid: process.pid,
    startedAt: new Date().toISOString(),
    engine: { ok: false, error: 'not checked yet' },
    image: { name: image, present: false },
    paused: true,
  });

  // The queue consumer, once it runs; the engine monitor pauses and resumes it.
  let worker: RenderWorker | undefined = undefined;
  let imagePresent: boolean | undefined;
  const checkImage = async () => {
    const present = await imageExists(docker, image).catch(() => imagePresent ?? false);
    if (!present && imagePresent !== false) {
      logger.error('render image missing; jobs will fail with image_missing until it exists', {
        image,
        hint: 'Run `npm run prepare-image`.',
      });
    } else if (present && imagePresent === false) {
      logger.info('render image found', { image });
    }
    imagePresent = present;
  };
  // Jobs stay queued while the engine is away: the worker pauses, and resumes when it answers.
  const onPing = async (health: EngineHealth, transition: EngineTransition | undefined) => {
    const checkedAt = new Date().toISOString();
    if (health.state === 'down') {
      if (transition) {
        logger.error('Docker Engine does not answer; not taking new jobs until it does', {
          error: health.problem.message,
          hint: health.problem.hint,
        });
      }
      presence.update({
        engine: { ok: false, error: health.problem.message, hint: health.problem.hint, checkedAt },
        paused: true,
      });
      if (transition === 'went-down') await worker?.pause();
      return;
    }
    if (transition === 'came-up' || imagePresent !== true) await checkImage();
    presence.update({
      engine: { ok: true, checkedAt },
      image: { name: image, present: imagePresent ?? false },
      // Until the consumer runs, the worker is still starting and takes no jobs.
      paused: worker === undefined,
    });
    if (transition === 'came-up' && worker) {
      await worker.resume();
      logger.info('Docker Engine answers again; taking jobs');
    }
  };
  const engine = startEngineMonitor({
    ping: () => pingEngine(docker, ENGINE_PING_TIMEOUT_MS),
    intervalMs: ENGINE_CHECK_INTERVAL_MS,
    onPing,
  });
  await engine.whenUp();

  const renderUser = resolveRenderUser(config.RENDER_USER, {
    uid: process.getuid?.() ?? 0,
    gid: process.getgid?.() ?? 0,
  });
  const engineSecurity = await readEngineSecurity(docker);
  const daemonPaths = await startDaemonPaths({
    docker,
    config,
    logger,
    image,
    workerId,
    probeUser: `${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}`,
  });
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

  const renderWorker = await startRenderWorker({
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
      engineSecurity,
      statistics: new RenderStatistics(connection, config.QUEUE_NAME),
      toDaemonPath: (workerPath) => daemonPaths.toDaemonPath(workerPath),
    }),
  });
  worker = renderWorker;
  // The engine may have gone away while the consumer started.
  if (engine.current().state === 'down') await renderWorker.pause();
  else presence.update({ paused: false });
  logger.info('worker ready', {
    queue: config.QUEUE_NAME,
    image,
    concurrency: config.WORKER_CONCURRENCY,
    renderUser,
    workerId,
    pathMode: daemonPaths.mode,
    engineSecurity,
  });
  return {
    async close() {
      engine.close();
      clearInterval(sweepTimer);
      clearInterval(retentionTimer);
      await renderWorker.close(config.SHUTDOWN_GRACE_SECONDS * 1000);
      await presence.withdraw(workerId);
      connection.disconnect();
    },
  };
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
