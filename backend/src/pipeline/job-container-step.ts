import type { Config } from '../config/config-schema';
import { deploymentScope } from '../config/redis-settings';
import { AppError } from '../errors/app-error';
import type { Logger } from '../logging/logger';
import { cancelledError } from '../redis/job-failure';
import type { RenderJobData, RenderOptions, RootRetryRecord } from '../job/render-job';
import type { RenderImage } from '../render-image/render-image';
import { JOB_ID_LABEL } from '../render-engine/container-labels';
import type { ContainerRunResult } from '../render-engine/container-spec';
import type {
  EngineRunOptions,
  JobFolderPlacement,
  JobFolderRun,
} from '../render-engine/render-engine';
import { classifyRenderFailure } from '../manim/failure-classification';
import {
  buildManimArgs,
  commandRestoringOwner,
  manimConfigFile,
  RENDER_CONTAINER_PATHS,
} from '../manim/manim-command';
import { findRenderOutput, type RenderOutput } from '../manim/output-discovery';
import { renderLogText } from '../manim/render-log';
import {
  adoptJobWorkspace,
  createJobWorkspace,
  type FileOwner,
  type JobWorkspace,
  type WorkspaceFiles,
} from '../job-folders/job-workspace';
import { DEFAULT_SCENE_FILE } from '../uploads/job-files';
import { imageOf, jobInputs } from './job-inputs';
import { jobFolderLimits } from '../job-folders/job-folder-limits';
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
import { warmJobInput } from '../warm-pool/warm-bootstrap';
import { manimCommandWithPoster, type PosterRequest } from '../manim/poster';
import type { WarmLease } from '../warm-pool/warm-pool';
import type { WarmRenderSlot } from '../warm-pool/warm-slots';
import type { RenderProcessorDeps } from './render-processor-deps';

/**
 * One run of a job's scene in a render container, in a fresh job folder: Manim itself, or one
 * step of a split render (plan, a range, the join) through the split module. Everything about
 * the container (user, limits, image recovery, the retry as root, leftovers of a crashed
 * attempt) is the same for all of them.
 */
export interface ContainerStep<T> {
  /** Files beside the job's own (a split step's control file). */
  files?: WorkspaceFiles;
  /**
   * The container's command from Manim's argv and the poster to make; absent: that argv (with
   * the poster, if any), and a warm container may serve it.
   */
  command?: (manimArgs: string[], poster?: PosterRequest) => string[];
  /** The poster the container makes once Manim has ended well. */
  poster?: PosterRequest;
  /** Exit codes besides 0 that end the step normally (a range that found a mismatch). */
  acceptedExitCodes?: number[];
  /** Whether the job's video must come out of it. */
  needsVideo: boolean;
  /** Whether Manim's progress is the job's (a plan pass steps through every play, quickly). */
  reportsProgress: boolean;
  /** Reads what the step made, before the job folder is removed. */
  collect(done: StepDone): Promise<T>;
}

export interface StepDone {
  workspace: JobWorkspace;
  run: ContainerRunResult;
  /** The video Manim wrote, when it wrote one. */
  output?: RenderOutput;
  ranAsRoot?: RootRetryRecord;
}

/** A job as its container steps see it. */
export interface StepJob {
  id: string;
  data: RenderJobData;
  signal: AbortSignal;
  log: Logger;
  /** Manim's output as it comes, for progress. */
  onOutput: (stream: 'stdout' | 'stderr', chunk: Buffer) => void;
  saveLog: (text: string) => Promise<void>;
  /** Called once the container of a step that reports progress has ended. */
  onContainerEnded: () => void;
}

/** What running a step in a container uses of the pipeline's parts. */
export type ContainerStepDeps = Pick<
  RenderProcessorDeps,
  | 'config'
  | 'engine'
  | 'images'
  | 'renderUser'
  | 'workerId'
  | 'statistics'
  | 'engineSecurity'
  | 'placeJobFolder'
  | 'jobFiles'
  | 'warmPool'
  | 'whenImageBack'
>;

export async function runContainerStep<T>(
  deps: ContainerStepDeps,
  job: StepJob,
  step: ContainerStep<T>,
): Promise<T> {
  const { config } = deps;
  const { id, data, log } = job;
  const sceneFile = data.sceneFile ?? DEFAULT_SCENE_FILE;
  const image = imageOf(data.options, deps.images);
  // The ranges of a split render read the files sent with their parent.
  const inputs = await jobInputs(data.range?.parentId ?? id, data, sceneFile, deps.jobFiles);

  // A warm container's folder already holds manim.cfg, media/ and home/; the scene goes in.
  // Warm containers run the default (newest) version's Manim argv only.
  const warm =
    step.command === undefined && image.name === deps.images[0]?.name
      ? await takeWarmSlot(deps, log)
      : undefined;
  const files = { ...inputs, ...step.files };
  const workspace = await (
    warm
      ? adoptJobWorkspace({ dir: warm.slot.dir, files, renderUser: deps.renderUser })
      : createJobWorkspace({
          tempDir: config.TEMP_DIR,
          jobId: id,
          files: { ...files, [RENDER_CONTAINER_PATHS.configFileName]: manimConfigFile() },
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
    const run: StepRun<T> = {
      deps,
      image,
      sceneFile,
      workspace,
      jobId: id,
      options: data.options,
      step,
      log,
      runOptions: {
        signal: job.signal,
        onOutput: step.reportsProgress ? job.onOutput : undefined,
      },
    };
    const owner = await workspace.owner();
    const { attempt, ranAsRoot } = await renderWithRootRetry(
      {
        renderOnce: (identity) => renderOnce(run, identity),
        handBack: (to) =>
          handBackToOwner({ ...deps, workspace, image: image.name, jobId: id, log }, to),
      },
      {
        user: renderUserFor(config.RENDER_USER, owner, deps.renderUser),
        owner,
        warm: warm?.slot,
        enabled: config.RENDER_ROOT_RETRY,
        engineSecurity: deps.engineSecurity,
        recordRootRetry: (outcome) => deps.statistics.recordRootRetry(outcome),
        log,
      },
    );
    if (attempt.kind === 'cancelled') throw cancelledError(id, 'active');
    await job
      .saveLog(renderLogText(attempt.run.stdout, attempt.run.stderr))
      .catch((error: unknown) =>
        log.warn('could not keep the render output', { error: (error as Error).message }),
      );
    if (step.reportsProgress) job.onContainerEnded();
    if (attempt.kind === 'failed') throw attempt.failure;
    return await step.collect({
      workspace,
      run: attempt.run,
      output: attempt.output,
      ranAsRoot,
    });
  } finally {
    await workspace.remove().catch((error: unknown) =>
      log.warn('could not remove job folder', {
        dir: workspace.dir,
        error: (error as Error).message,
      }),
    );
    await warm?.done();
  }
}

/** A ready warm container, or undefined to render cold; never waits for one to get ready. */
async function takeWarmSlot(
  deps: Pick<RenderProcessorDeps, 'warmPool'>,
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

/** One step's run, as the functions below share it. */
interface StepRun<T> {
  deps: ContainerStepDeps;
  image: RenderImage;
  /** The scene file, relative to the job folder. */
  sceneFile: string;
  workspace: JobWorkspace;
  jobId: string;
  options: RenderOptions;
  step: ContainerStep<T>;
  log: Logger;
  runOptions: Pick<EngineRunOptions, 'signal' | 'onOutput'>;
}

/** One run in a fresh container, with its output read back and its failure named. */
async function renderOnce<T>(job: StepRun<T>, identity: RunIdentity): Promise<RenderAttempt> {
  const { deps, workspace, options, sceneFile, step } = job;
  const run = await runManim(job, identity);
  if (run.cancelled) return { kind: 'cancelled', run };
  if (run.stopped) {
    const { code, message, details } = run.stopped;
    return { kind: 'failed', run, failure: new AppError(code, message, { details }) };
  }
  const files = await workspace.listFiles(RENDER_CONTAINER_PATHS.mediaDirName);
  const output = findRenderOutput(files, options, sceneFile);
  const exitedWell =
    run.exitCode === 0 || (step.acceptedExitCodes ?? []).includes(run.exitCode ?? -1);
  if (!exitedWell || run.timedOut || run.oomKilled || (step.needsVideo && !output)) {
    return { kind: 'failed', run, failure: failureOf(run, job, deps.config) };
  }
  return output ? { kind: 'rendered', run, output } : { kind: 'rendered', run };
}

async function runManim<T>(job: StepRun<T>, identity: RunIdentity): Promise<ContainerRunResult> {
  const { deps, jobId, options, log, runOptions, step } = job;
  const jobDir = job.workspace.dir;
  const { config } = deps;
  const timeoutMs = timeoutSecondsOf(options, config) * 1000;
  const { restoreOwner, warm } = identity;
  // The warm container was made for this folder by the same rules; only its user could differ.
  if (warm && !restoreOwner && sameOwner(warm.user, identity.user)) {
    return warm.run(warmJobInput(options, job.sceneFile, step.poster), {
      ...runOptions,
      folder: jobFolderRun(job, identity.user, warm.placement),
      timeoutMs,
      log,
    });
  }
  if (warm) log.warn('the warm container runs as another user than this job; rendering cold');
  const manimArgs = buildManimArgs(options, job.sceneFile);
  const command = step.command
    ? step.command(manimArgs, step.poster)
    : step.poster
      ? manimCommandWithPoster(manimArgs, step.poster)
      : manimArgs;
  const jobFolder = await deps.placeJobFolder(jobDir);
  const spec = renderContainerSpec({
    config,
    image: job.image.name,
    workerId: deps.workerId,
    user: identity.user,
    jobFolder,
    command: restoreOwner ? commandRestoringOwner(command, restoreOwner) : command,
    labels: { [JOB_ID_LABEL]: jobId },
  });
  if (jobFolder.kind === 'copy') {
    log.info('job files are copied through the Docker API', { reason: jobFolder.reason });
  }
  const runCold = () =>
    deps.engine.run(
      {
        ...spec,
        capAdd: restoreOwner ? ROOT_RETRY_CAPABILITIES : undefined,
        limits: { ...spec.limits, timeoutMs },
      },
      log,
      { ...runOptions, folder: jobFolderRun(job, identity.user, jobFolder) },
    );
  const { whenImageBack } = deps;
  const { manimVersion } = job.image;
  return runWithImageRecovery(runCold, {
    whenImageBack: whenImageBack ? () => whenImageBack(manimVersion) : undefined,
    signal: runOptions.signal,
    log,
  });
}

/** The job folder of one run: how it reaches the container, and what it may hold. */
function jobFolderRun<T>(
  job: StepRun<T>,
  user: FileOwner,
  placement: JobFolderPlacement,
): JobFolderRun {
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

function failureOf<T>(run: ContainerRunResult, job: StepRun<T>, config: Config): AppError {
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
