import type { Config } from '../config/config-schema';
import { deploymentScope } from '../config/deployment-scope';
import {
  engineUnavailableError,
  isEngineUnreachable,
  type DockerClient,
} from '../docker/docker-client';
import {
  JOB_ID_LABEL,
  listRenderContainers,
  removeContainer,
  runContainer,
  runHelperContainer,
  type ContainerRunResult,
  type RunOptions,
} from '../docker/render-container-runner';
import { AppError } from '../errors/app-error';
import type { Logger } from '../logging/logger';
import { cancelledError } from '../queue/job-failure';
import type {
  RenderJobHandler,
  RenderOptions,
  RenderResult,
  RootRetryRecord,
} from '../job/render-job';
import type { JobFolderPlacement } from '../docker/daemon-paths';
import type { RenderImage } from '../docker/render-image';
import type { EngineSecurity } from '../docker/engine-security';
import { jobCopyHooks } from '../docker/job-copy';
import { classifyRenderFailure } from '../render/failure-classification';
import {
  buildManimArgs,
  commandRestoringOwner,
  manimConfigFile,
  restoreOwnerCommand,
  RENDER_CONTAINER_PATHS,
} from '../render/manim-command';
import { findRenderOutput, type RenderOutput } from '../render/output-discovery';
import { decideRootRetry, ROOT_RETRY_REFUSED_HINT } from '../render/root-retry';
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
import { jobFolderGuard, jobFolderLimits } from './folder-guard';
import { renderContainerSpec } from './render-container-spec';
import { runWithImageRecovery } from './image-recovery';
import { renderUserFor } from './render-user';
import { warmJobInput } from '../render/warm-bootstrap';
import type { WarmLease } from './warm-pool';
import type { WarmRenderSlot } from './warm-slots';
import { storeOutput } from '../outputs/output-store';

export interface RenderProcessorDeps {
  config: Config;
  logger: Logger;
  docker: DockerClient;
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
  /** Render containers started ahead (WARM_POOL_SIZE); a job takes one when one is ready. */
  warmPool?: { take(): Promise<WarmLease<WarmRenderSlot> | undefined> };
  /** Resolves once a version's image found missing is back (pulled again); absent: the job fails. */
  whenImageBack?: (manimVersion: string) => Promise<void>;
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
    const failed = async (error: unknown): Promise<AppError> => {
      const failure = asAppError(error, deps.docker);
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
      for (const leftover of await listRenderContainers(deps.docker, {
        queueName: config.QUEUE_NAME,
        scope: deploymentScope(config),
        jobId: id,
      })) {
        await removeContainer(deps.docker, leftover.id);
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
      const { attempt, ranAsRoot } = await renderWithRootRetry(job, warm?.slot);
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
  runOptions: RunOptions;
}

/** Who a run is and what it runs in: the render user, root handing files back, a warm container. */
interface RunIdentity {
  user: FileOwner;
  restoreOwner?: FileOwner;
  warm?: WarmRenderSlot;
}

type RenderAttempt =
  | { kind: 'rendered'; run: ContainerRunResult; output: RenderOutput }
  | { kind: 'failed'; run: ContainerRunResult; failure: AppError }
  | { kind: 'cancelled'; run: ContainerRunResult };

/**
 * Renders as the job folder's owner (or RENDER_USER); when that fails because the render may not
 * write the folder, renders once more as root and hands every file back, or says why root would
 * not help (see render/root-retry.ts).
 */
async function renderWithRootRetry(
  job: JobRun,
  warm?: WarmRenderSlot,
): Promise<{ attempt: RenderAttempt; ranAsRoot?: RootRetryRecord }> {
  const { deps, workspace, log } = job;
  const owner = await workspace.owner();
  const user = renderUserFor(deps.config.RENDER_USER, owner, deps.renderUser);
  const first = await renderOnce(job, {
    user,
    ...(warm ? { warm } : {}),
  });
  if (first.kind !== 'failed') return { attempt: first };
  const decision = decideRootRetry(first.failure, {
    enabled: deps.config.RENDER_ROOT_RETRY,
    renderUid: user.uid,
    engine: deps.engineSecurity,
  });
  if (decision === undefined) return { attempt: first };
  if (!decision.retry) {
    log.warn('render could not write its job folder; not retrying as root', {
      reason: decision.reason,
    });
    await deps.statistics.recordRootRetry('refused').catch(() => undefined);
    return {
      attempt: {
        ...first,
        failure: withRootRetryNote(first.failure, { refused: decision.reason }),
      },
    };
  }

  const ranAsRoot: RootRetryRecord = {
    reason: decision.reason,
    firstFailure: { code: first.failure.code, message: first.failure.message },
  };
  log.warn('render could not write its job folder; running it once more as root', {
    reason: decision.reason,
    user: `${user.uid}:${user.gid}`,
    owner: `${owner.uid}:${owner.gid}`,
  });
  let second: RenderAttempt;
  try {
    second = await renderOnce(job, {
      user: { uid: 0, gid: 0 },
      restoreOwner: owner,
    });
  } finally {
    await handBackToOwner(job, owner);
  }
  await deps.statistics
    .recordRootRetry(second.kind === 'rendered' ? 'completed' : 'failed')
    .catch(() => undefined);
  if (second.kind === 'failed') {
    second = { ...second, failure: withRootRetryNote(second.failure, { ranAsRoot }) };
  }
  return { attempt: second, ranAsRoot };
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
      guard: jobFolderGuard(config, { seenBy: 'worker', path: jobDir }),
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
  const copyHooks =
    jobFolder.kind === 'copy'
      ? jobCopyHooks({
          workerDir: jobDir,
          target: RENDER_CONTAINER_PATHS.jobDir,
          owner: identity.user,
          outputDir: RENDER_CONTAINER_PATHS.mediaDirName,
          // What comes back is within what the folder could hold.
          limits: jobFolderLimits(config),
        })
      : {};
  const guard = jobFolderGuard(
    config,
    jobFolder.kind === 'copy'
      ? { seenBy: 'container', path: RENDER_CONTAINER_PATHS.jobDir }
      : { seenBy: 'worker', path: jobDir },
  );
  const runCold = () =>
    runContainer(
      deps.docker,
      {
        ...spec,
        ...(restoreOwner ? { capAdd: ROOT_RETRY_CAPABILITIES } : {}),
        limits: { ...spec.limits, timeoutMs },
      },
      log,
      { ...runOptions, ...copyHooks, guard },
    );
  const { whenImageBack } = deps;
  const { manimVersion } = job.image;
  return runWithImageRecovery(runCold, {
    ...(whenImageBack ? { whenImageBack: () => whenImageBack(manimVersion) } : {}),
    signal: runOptions.signal,
    log,
  });
}

function sameOwner(a: FileOwner, b: FileOwner): boolean {
  return a.uid === b.uid && a.gid === b.gid;
}

/**
 * Root may write where the render user may not (DAC_OVERRIDE), may give files away (CHOWN) and
 * may change modes of files it does not own (FOWNER); nothing else comes back.
 */
const ROOT_RETRY_CAPABILITIES = ['CHOWN', 'DAC_OVERRIDE', 'FOWNER'];
const RESTORE_OWNER_TIMEOUT_MS = 60_000;

/**
 * After a run as root, every file in the job folder must belong to its owner again, or the worker
 * could not move or delete it. The run's own trap does this unless the container was killed
 * (timeout, cancel, memory); then a short root container with only CHOWN does it.
 */
async function handBackToOwner(job: JobRun, owner: FileOwner): Promise<void> {
  const { deps, workspace, jobId, log } = job;
  const foreign = await workspace.entriesNotOwnedBy(owner, 5);
  if (foreign.length === 0) return;
  const jobFolder = await deps.placeJobFolder(workspace.dir);
  // In copy mode the worker wrote every file itself; nothing of the container's is on its disk.
  if (jobFolder.kind === 'copy') return;
  log.warn('files of the run as root were not handed back; changing their owner', {
    examples: foreign,
    owner: `${owner.uid}:${owner.gid}`,
  });
  const { config } = deps;
  const run = await runHelperContainer(
    deps.docker,
    {
      image: job.image.name,
      command: restoreOwnerCommand(owner),
      user: '0:0',
      capAdd: ['CHOWN'],
      mount: {
        source: jobFolder.daemonPath,
        target: RENDER_CONTAINER_PATHS.jobDir,
        readOnly: false,
      },
      kind: 'owner-fix',
      owner: {
        queueName: config.QUEUE_NAME,
        scope: deploymentScope(config),
        workerId: deps.workerId,
      },
      labels: { [JOB_ID_LABEL]: jobId },
      timeoutMs: RESTORE_OWNER_TIMEOUT_MS,
    },
    log,
  );
  const left = await workspace.entriesNotOwnedBy(owner, 5);
  if (run.exitCode !== 0 || left.length > 0) {
    log.error('could not hand the files of the run as root back to the job folder owner', {
      exitCode: run.exitCode,
      stderr: run.stderr.slice(-500),
      examples: left,
      hint: `Remove them as root: rm -rf ${workspace.dir}`,
    });
  }
}

/** The failure, with what the retry as root did (or why it was not tried) in its details. */
function withRootRetryNote(
  failure: AppError,
  note: { ranAsRoot: RootRetryRecord } | { refused: string },
): AppError {
  if ('refused' in note) {
    return new AppError(failure.code, failure.message, {
      hint: ROOT_RETRY_REFUSED_HINT,
      details: { ...failure.details, rootRetryRefused: note.refused },
    });
  }
  return new AppError(failure.code, `${failure.message} (after a retry as root)`, {
    hint: failure.hint,
    details: { ...failure.details, ranAsRoot: note.ranAsRoot },
  });
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

function asAppError(error: unknown, docker: DockerClient): AppError {
  if (error instanceof AppError) return error;
  if (isEngineUnreachable(error)) return engineUnavailableError(docker, error);
  return new AppError('internal', `Unexpected error while rendering: ${(error as Error).message}`, {
    cause: error,
  });
}
