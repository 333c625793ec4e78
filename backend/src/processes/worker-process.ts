import type { Config } from '../config/config-schema';
import { createDockerClient, waitForEngine, type DockerClient } from '../docker/docker-client';
import { imageExists } from '../docker/image-streams';
import { renderImageName } from '../docker/render-image';
import type { AppError } from '../errors/app-error';
import type { Logger } from '../logging/logger';
import { startRenderWorker } from '../queue/bullmq-render-queue';
import { createWorkerRedis } from '../queue/redis-connection';
import { createRenderProcessor } from '../worker/render-processor';
import { resolveRenderUser } from '../worker/render-user';

export interface WorkerProcess {
  close(): Promise<void>;
}

const ENGINE_RETRY_LOG_MS = 30_000;

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
  const connection = createWorkerRedis(config.REDIS_URL);
  const worker = await startRenderWorker({
    connection,
    queueName: config.QUEUE_NAME,
    concurrency: config.WORKER_CONCURRENCY,
    retentionHours: config.JOB_RETENTION_HOURS,
    logger,
    handler: createRenderProcessor({
      config,
      logger,
      docker,
      image,
      renderUser,
      toDaemonPath: (workerPath) => workerPath,
    }),
  });
  logger.info('worker ready', {
    queue: config.QUEUE_NAME,
    image,
    concurrency: config.WORKER_CONCURRENCY,
    renderUser,
  });
  return {
    async close() {
      await worker.close();
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
