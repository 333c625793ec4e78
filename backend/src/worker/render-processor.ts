import type { Config } from '../config/config-schema';
import {
  engineUnavailableError,
  isEngineUnreachable,
  type DockerClient,
} from '../docker/docker-client';
import {
  JOB_ID_LABEL,
  listRenderContainers,
  QUEUE_LABEL,
  removeContainer,
  runContainer,
  WORKER_LABEL,
  type ContainerRunResult,
  type RunOptions,
} from '../docker/render-container-runner';
import { AppError } from '../errors/app-error';
import type { Logger } from '../logging/logger';
import { cancelledError } from '../queue/job-failure';
import type { RenderJobHandler, RenderOptions, RenderResult } from '../queue/render-job';
import { classifyRenderFailure } from '../render/failure-classification';
import {
  buildManimArgs,
  manimConfigFile,
  RENDER_CONTAINER_PATHS,
  RENDER_ENVIRONMENT,
} from '../render/manim-command';
import { findRenderOutput } from '../render/output-discovery';
import { renderLogText } from '../render/render-log';
import { ProgressTracker } from '../render/render-progress';
import { createJobWorkspace, type FileOwner } from './job-workspace';
import { storeOutput } from '../outputs/output-store';

export interface RenderProcessorDeps {
  config: Config;
  logger: Logger;
  docker: DockerClient;
  image: string;
  renderUser: FileOwner;
  /** Labels this worker's containers, so that a sweep can tell whose they are. */
  workerId: string;
  /** Where finished renders are counted for /metrics. */
  statistics: {
    recordCompleted(quality: string, durationSeconds: number): Promise<void>;
    recordFailed(code: string): Promise<void>;
  };
  /**
   * Turns a path on the worker's side into the path the Docker daemon must mount; throws an
   * AppError (the job's failure) when the daemon cannot see it.
   */
  toDaemonPath: (workerPath: string) => string | Promise<string>;
}

/**
 * The render pipeline for one job, top to bottom: write the scene into a fresh job folder, run
 * Manim in a locked-down container, find the file Manim wrote, move it to the outputs folder.
 * Every failure leaves as an AppError whose code names the cause.
 */
export function createRenderProcessor(deps: RenderProcessorDeps): RenderJobHandler {
  const { config } = deps;
  return async ({ id, data, signal, reportProgress, saveLog }) => {
    const log = deps.logger.child({ jobId: id, requestId: data.requestId });
    const startedAt = Date.now();
    log.info('render started', { options: data.options });
    const progress = new ProgressTracker();
    const publish = () => {
      const update = progress.takeUpdate(Date.now());
      if (update) {
        reportProgress(update).catch((error: unknown) =>
          log.warn('could not publish progress', { error: (error as Error).message }),
        );
      }
    };
    progress.start(Date.now());
    publish();

    const workspace = await createJobWorkspace({
      tempDir: config.TEMP_DIR,
      jobId: id,
      files: {
        [RENDER_CONTAINER_PATHS.sceneFileName]: data.code,
        [RENDER_CONTAINER_PATHS.configFileName]: manimConfigFile(),
      },
      dirs: [RENDER_CONTAINER_PATHS.mediaDirName, RENDER_CONTAINER_PATHS.homeDirName],
      renderUser: deps.renderUser,
    });
    try {
      // A previous attempt of this job, on a worker that died, may have left its container.
      for (const leftover of await listRenderContainers(deps.docker, {
        queueName: config.QUEUE_NAME,
        jobId: id,
      })) {
        await removeContainer(deps.docker, leftover.id);
      }
      const run = await runManim(deps, workspace.dir, id, data.options, log, {
        signal,
        onOutput: (stream, chunk) => {
          progress.push(stream, chunk, Date.now());
          publish();
        },
      });
      if (run.cancelled) throw cancelledError(id, 'active');
      await saveLog(renderLogText(run.stdout, run.stderr)).catch((error: unknown) =>
        log.warn('could not keep the render output', { error: (error as Error).message }),
      );
      progress.endOfOutput(Date.now());
      progress.advance('finalizing', Date.now());
      publish();
      const files = await workspace.listFiles(RENDER_CONTAINER_PATHS.mediaDirName);
      const output = findRenderOutput(files, data.options);
      if (run.exitCode !== 0 || run.timedOut || run.oomKilled || !output) {
        throw failureOf(run, data.options, config);
      }
      const fileName = `${data.options.scene}.${output.extension}`;
      const stored = await storeOutput({
        outputsDir: config.OUTPUTS_DIR,
        jobId: id,
        sourcePath: workspace.pathOf(`${RENDER_CONTAINER_PATHS.mediaDirName}/${output.path}`),
        fileName,
      });
      const result: RenderResult = {
        fileName,
        contentType: output.contentType,
        sizeBytes: stored.sizeBytes,
        durationMs: Date.now() - startedAt,
      };
      progress.complete(Date.now());
      await reportProgress(progress.snapshot());
      await deps.statistics
        .recordCompleted(data.options.quality, result.durationMs / 1000)
        .catch(() => undefined);
      log.info('render completed', { result });
      return result;
    } catch (error) {
      const failure = asAppError(error, deps.docker);
      log.warn('render failed', { code: failure.code, message: failure.message });
      await deps.statistics.recordFailed(failure.code).catch(() => undefined);
      throw failure;
    } finally {
      await workspace.remove().catch((error: unknown) =>
        log.warn('could not remove job folder', {
          dir: workspace.dir,
          error: (error as Error).message,
        }),
      );
    }
  };
}

async function runManim(
  deps: RenderProcessorDeps,
  jobDir: string,
  jobId: string,
  options: RenderOptions,
  log: Logger,
  runOptions: RunOptions,
): Promise<ContainerRunResult> {
  const { config } = deps;
  const source = await deps.toDaemonPath(jobDir);
  return runContainer(
    deps.docker,
    {
      image: deps.image,
      command: buildManimArgs(options),
      workingDir: RENDER_CONTAINER_PATHS.jobDir,
      env: RENDER_ENVIRONMENT,
      user: `${deps.renderUser.uid}:${deps.renderUser.gid}`,
      mounts: [
        {
          source,
          target: RENDER_CONTAINER_PATHS.jobDir,
          readOnly: false,
        },
      ],
      labels: {
        [JOB_ID_LABEL]: jobId,
        [QUEUE_LABEL]: config.QUEUE_NAME,
        [WORKER_LABEL]: deps.workerId,
      },
      limits: {
        memoryMb: config.RENDER_MEMORY_MB,
        cpus: config.RENDER_CPUS,
        pidsLimit: config.RENDER_PIDS_LIMIT,
        timeoutMs: timeoutSecondsOf(options, config) * 1000,
        maxFileBytes: config.RENDER_MAX_OUTPUT_MB * 1024 * 1024,
        tmpfsMb: config.RENDER_TMPFS_MB,
      },
    },
    log,
    runOptions,
  );
}

function failureOf(run: ContainerRunResult, options: RenderOptions, config: Config): AppError {
  return classifyRenderFailure(
    {
      exitCode: run.exitCode,
      stdout: run.stdout,
      stderr: run.stderr,
      timedOut: run.timedOut,
      oomKilled: run.oomKilled,
      limits: {
        timeoutSeconds: timeoutSecondsOf(options, config),
        memoryMb: config.RENDER_MEMORY_MB,
      },
    },
    options,
  );
}

/** Jobs queued before per-request timeouts existed carry none. */
function timeoutSecondsOf(options: RenderOptions, config: Config): number {
  return options.timeoutSeconds ?? config.RENDER_TIMEOUT_SECONDS;
}

function asAppError(error: unknown, docker: DockerClient): AppError {
  if (error instanceof AppError) return error;
  if (isEngineUnreachable(error)) return engineUnavailableError(docker, error);
  return new AppError('internal', `Unexpected error while rendering: ${(error as Error).message}`, {
    cause: error,
  });
}
