import type { Config } from '../config/config-schema';
import { deploymentScope } from '../config/redis-settings';
import { AppError } from '../errors/app-error';
import type { Logger } from '../logging/logger';
import { cancelledError } from '../queue/job-failure';
import type { RenderJobHandler, RenderOptions, RenderResult } from '../job/render-job';
import type { RenderImage } from '../render-image/render-image';
import type { EngineSecurity } from '../engine/engine-security';
import { JOB_ID_LABEL } from '../engine/container-labels';
import type { ContainerRunResult } from '../engine/container-spec';
import type {
  EngineRunOptions,
  JobFolderPlacement,
  JobFolderRun,
  RenderEngine,
} from '../engine/render-engine';
import { classifyRenderFailure } from '../render/failure-classification';
import {
  buildManimArgs,
  commandRestoringOwner,
  manimConfigFile,
  RENDER_CONTAINER_PATHS,
} from '../render/manim-command';
import { findRenderOutput } from '../render/output-discovery';
import { renderLogText } from '../render/render-log';
import { ProgressTracker } from '../render/render-progress';
import {
  adoptJobWorkspace,
  createJobWorkspace,
  type FileOwner,
  type JobWorkspace,
} from './job-workspace';
import { DEFAULT_SCENE_FILE, type JobFileStore } from '../job-files/job-files';
import { imageOf, jobInputs } from './job-inputs';
import { jobFolderLimits } from './job-folder-limits';
import { renderContainerSpec } from './render-container-spec';
import { runWithImageRecovery } from '../render-image/image-recovery';
import { renderUserFor } from './render-user';
import { handBackToOwner } from './hand-back-to-owner';
import {
  renderWithRootRetry,
  ROOT_RETRY_CAPABILITIES,
  type RenderAttempt,
  type RunIdentity,
} from './root-retry-run';
import { warmJobInput } from '../render/warm-bootstrap';
import type { WarmLease } from './warm-pool';
import type { WarmRenderSlot } from './warm-slots';
import type { OutputStore } from '../outputs/output-store';
import { saveWithRetries } from '../outputs/save-with-retries';

export interface RenderProcessorDeps {
  config: Config;
  logger: Logger;
  /** Runs the render containers. */
  engine: RenderEngine;
  /** The render image of each served Manim version, newest first; warm containers run the first. */
  images: RenderImage[];
  /** Who renders by default: RENDER_USER, or the worker's own uid:gid (1000:1000 for root). */
  renderUser: FileOwner;
  /** Labels this worker's containers, so that a sweep can tell whose they are. */
  workerId: string;
  /** Where finished renders are counted for /metrics. */
  statistics: {
    recordCompleted(quality: string, durationSeconds: number): Promise<void>;
    recordFailed(code: string): Promise<void>;
    recordRootRetry(outcome: 'completed' | 'failed' | 'refused'): Promise<void>;
  };
  /** What the engine's isolation allows root to do, for the retry as root. */
  engineSecurity: Pick<EngineSecurity, 'userNamespaces' | 'selinux'>;
  /**
   * How a job folder on the worker's side reaches its render container: the path the Docker
   * daemon must mount, or copy mode; throws an AppError (the job's failure) when neither works.
   */
  placeJobFolder: (workerPath: string) => Promise<JobFolderPlacement>;
  /** Where the files sent with a job wait for it (assets, the rest of a project). */
  jobFiles: Pick<JobFileStore, 'load'>;
  /** Where finished videos are kept (STORAGE). */
  outputs: OutputStore;
  /** Render containers started ahead (WARM_POOL_SIZE); a job takes one when one is ready. */
  warmPool?: { take(): Promise<WarmLease<WarmRenderSlot> | undefined> };
  /** Resolves once a version's image found missing is back (pulled again); absent: the job fails. */
  whenImageBack?: (manimVersion: string) => Promise<void>;
  /** The first pause before keeping a video again when the store did not answer (1 s). */
  outputRetryDelayMs?: number;
}

const OUTPUT_RETRY_DELAY_MS = 1000;

/**
 * The render pipeline for one job, top to bottom: write the scene into a fresh job folder, run
 * Manim in a locked-down container, find the file Manim wrote, keep it in the output store.
 * Every failure leaves as an AppError whose code names the cause.
 */
export function createRenderProcessor(deps: RenderProcessorDeps): RenderJobHandler {
  const { config } = deps;
  return async ({ id, data, signal, reportProgress, saveLog }) => {
    const log = deps.logger.child({ jobId: id, requestId: data.requestId });
    const startedAt = Date.now();
    const failed = async (error: unknown): Promise<AppError> => {
      const failure = asAppError(error, deps.engine);
      log.warn('render failed', { code: failure.code, message: failure.message });
      await deps.statistics.recordFailed(failure.code).catch(() => undefined);
      return failure;
    };
    log.info('render started', { options: data.options });
    const sceneFile = data.sceneFile ?? DEFAULT_SCENE_FILE;
    const { image, inputs } = await (async () => ({
      image: imageOf(data.options, deps.images),
      inputs: await jobInputs(id, data, sceneFile, deps.jobFiles),
    }))().catch(async (error: unknown) => {
      throw await failed(error);
    });
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

    // A warm container's folder already holds manim.cfg, media/ and home/; the scene goes in.
    // Warm containers run the default (newest) version only.
    const warm = image.name === deps.images[0]?.name ? await takeWarmSlot(deps, log) : undefined;
    const workspace = await (
      warm
        ? adoptJobWorkspace({
            dir: warm.slot.dir,
            files: inputs,
            renderUser: deps.renderUser,
          })
        : createJobWorkspace({
            tempDir: config.TEMP_DIR,
            jobId: id,
            files: {
              ...inputs,
              [RENDER_CONTAINER_PATHS.configFileName]: manimConfigFile(),
            },
            dirs: [RENDER_CONTAINER_PATHS.mediaDirName, RENDER_CONTAINER_PATHS.homeDirName],
            renderUser: deps.renderUser,
          })
    ).catch(async (error: unknown) => {
      await warm?.done();
      throw error;
    });
    try {
      // A previous attempt of this job, on a worker that died, may have left its container.
      for (const leftover of await deps.engine.list({
        queueName: config.QUEUE_NAME,
        scope: deploymentScope(config),
        jobId: id,
      })) {
        await deps.engine.remove(leftover.id);
      }
      const job: JobRun = {
        deps,
        image,
        sceneFile,
        workspace,
        jobId: id,
        options: data.options,
        log,
        runOptions: {
          signal,
          onOutput: (stream, chunk) => {
            progress.push(stream, chunk, Date.now());
            publish();
          },
        },
      };
      const owner = await workspace.owner();
      const { attempt, ranAsRoot } = await renderWithRootRetry(
        {
          renderOnce: (identity) => renderOnce(job, identity),
          handBack: (to) =>
            handBackToOwner({ ...deps, workspace, image: image.name, jobId: id, log }, to),
        },
        {
          user: renderUserFor(config.RENDER_USER, owner, deps.renderUser),
          owner,
          ...(warm ? { warm: warm.slot } : {}),
          enabled: config.RENDER_ROOT_RETRY,
          engineSecurity: deps.engineSecurity,
          recordRootRetry: (outcome) => deps.statistics.recordRootRetry(outcome),
          log,
        },
      );
      if (attempt.kind === 'cancelled') throw cancelledError(id, 'active');
      await saveLog(renderLogText(attempt.run.stdout, attempt.run.stderr)).catch((error: unknown) =>
        log.warn('could not keep the render output', { error: (error as Error).message }),
      );
      progress.endOfOutput(Date.now());
      progress.advance('finalizing', Date.now());
      publish();
      if (attempt.kind === 'failed') throw attempt.failure;
      const { output } = attempt;
      const fileName = `${data.options.scene}.${output.extension}`;
      const stored = await saveWithRetries(
        deps.outputs,
        {
          jobId: id,
          fileName,
          contentType: output.contentType,
          sourcePath: workspace.pathOf(`${RENDER_CONTAINER_PATHS.mediaDirName}/${output.path}`),
        },
        {
          attempts: config.S3_UPLOAD_ATTEMPTS,
          firstDelayMs: deps.outputRetryDelayMs ?? OUTPUT_RETRY_DELAY_MS,
          signal,
          onRetry: (attempt, delayMs, error) =>
            log.warn('could not keep the video; trying again', {
              attempt,
              delayMs,
              error: error.message,
            }),
        },
      );
      const result: RenderResult = {
        fileName,
        contentType: output.contentType,
        sizeBytes: stored.sizeBytes,
        durationMs: Date.now() - startedAt,
        ...(ranAsRoot ? { ranAsRoot } : {}),
      };
      progress.complete(Date.now());
      await reportProgress(progress.snapshot());
      await deps.statistics
        .recordCompleted(data.options.quality, result.durationMs / 1000)
        .catch(() => undefined);
      log.info('render completed', { result });
      return result;
    } catch (error) {
      throw await failed(error);
    } finally {
      await workspace.remove().catch((error: unknown) =>
        log.warn('could not remove job folder', {
          dir: workspace.dir,
          error: (error as Error).message,
        }),
      );
      await warm?.done();
    }
  };
}

/** A ready warm container, or undefined to render cold; never waits for one to get ready. */
async function takeWarmSlot(
  deps: RenderProcessorDeps,
  log: Logger,
): Promise<WarmLease<WarmRenderSlot> | undefined> {
  const lease = await deps.warmPool?.take().catch((error: unknown) => {
    log.warn('could not take a warm render container; rendering cold', {
      error: (error as Error).message,
    });
    return undefined;
  });
  if (lease) log.info('render takes a warm container', { containerId: lease.slot.id.slice(0, 12) });
  return lease;
}

/** One job's render, as the steps below share it. */
interface JobRun {
  deps: RenderProcessorDeps;
  image: RenderImage;
  /** The scene file, relative to the job folder. */
  sceneFile: string;
  workspace: JobWorkspace;
  jobId: string;
  options: RenderOptions;
  log: Logger;
  runOptions: Pick<EngineRunOptions, 'signal' | 'onOutput'>;
}

/** One run of Manim in a fresh container, with its output read back and its failure named. */
async function renderOnce(job: JobRun, identity: RunIdentity): Promise<RenderAttempt> {
  const { deps, workspace, options, sceneFile } = job;
  const run = await runManim(job, identity);
  if (run.cancelled) return { kind: 'cancelled', run };
  if (run.stopped) {
    const { code, message, details } = run.stopped;
    return { kind: 'failed', run, failure: new AppError(code, message, { details }) };
  }
  const files = await workspace.listFiles(RENDER_CONTAINER_PATHS.mediaDirName);
  const output = findRenderOutput(files, options, sceneFile);
  if (run.exitCode !== 0 || run.timedOut || run.oomKilled || !output) {
    return { kind: 'failed', run, failure: failureOf(run, job, deps.config) };
  }
  return { kind: 'rendered', run, output };
}

async function runManim(job: JobRun, identity: RunIdentity): Promise<ContainerRunResult> {
  const { deps, jobId, options, log, runOptions } = job;
  const jobDir = job.workspace.dir;
  const { config } = deps;
  const timeoutMs = timeoutSecondsOf(options, config) * 1000;
  const { restoreOwner, warm } = identity;
  // The warm container was made for this folder by the same rules; only its user could differ.
  if (warm && !restoreOwner && sameOwner(warm.user, identity.user)) {
    return warm.run(warmJobInput(options, job.sceneFile), {
      ...runOptions,
      folder: jobFolderRun(job, identity.user, warm.placement),
      timeoutMs,
      log,
    });
  }
  if (warm) log.warn('the warm container runs as another user than this job; rendering cold');
  const manimArgs = buildManimArgs(options, job.sceneFile);
  const jobFolder = await deps.placeJobFolder(jobDir);
  const spec = renderContainerSpec({
    config,
    image: job.image.name,
    workerId: deps.workerId,
    user: identity.user,
    jobFolder,
    command: restoreOwner ? commandRestoringOwner(manimArgs, restoreOwner) : manimArgs,
    labels: { [JOB_ID_LABEL]: jobId },
  });
  if (jobFolder.kind === 'copy') {
    log.info('job files are copied through the Docker API', { reason: jobFolder.reason });
  }
  const runCold = () =>
    deps.engine.run(
      {
        ...spec,
        ...(restoreOwner ? { capAdd: ROOT_RETRY_CAPABILITIES } : {}),
        limits: { ...spec.limits, timeoutMs },
      },
      log,
      { ...runOptions, folder: jobFolderRun(job, identity.user, jobFolder) },
    );
  const { whenImageBack } = deps;
  const { manimVersion } = job.image;
  return runWithImageRecovery(runCold, {
    ...(whenImageBack ? { whenImageBack: () => whenImageBack(manimVersion) } : {}),
    signal: runOptions.signal,
    log,
  });
}

/** The job folder of one run: how it reaches the container, and what it may hold. */
function jobFolderRun(job: JobRun, user: FileOwner, placement: JobFolderPlacement): JobFolderRun {
  return {
    workerDir: job.workspace.dir,
    placement,
    target: RENDER_CONTAINER_PATHS.jobDir,
    owner: user,
    outputDir: RENDER_CONTAINER_PATHS.mediaDirName,
    limits: jobFolderLimits(job.deps.config),
  };
}

function sameOwner(a: FileOwner, b: FileOwner): boolean {
  return a.uid === b.uid && a.gid === b.gid;
}

function failureOf(run: ContainerRunResult, job: JobRun, config: Config): AppError {
  const { options, sceneFile } = job;
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
    sceneFile,
  );
}

/** Jobs queued before per-request timeouts existed carry none. */
function timeoutSecondsOf(options: RenderOptions, config: Config): number {
  return options.timeoutSeconds ?? config.RENDER_TIMEOUT_SECONDS;
}

function asAppError(error: unknown, engine: Pick<RenderEngine, 'unreachable'>): AppError {
  if (error instanceof AppError) return error;
  const unreachable = engine.unreachable(error);
  if (unreachable) return unreachable;
  return new AppError('internal', `Unexpected error while rendering: ${(error as Error).message}`, {
    cause: error,
  });
}
