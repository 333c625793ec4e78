import { randomUUID } from 'node:crypto';
import { mkdir, realpath, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../../config/config-schema';
import { AppError } from '../../errors/app-error';
import type { Logger } from '../../logging/logger';
import type { JobFolderPlacement } from '../../render-engine/render-engine';
import {
  createDaemonPathTranslator,
  withDaemonEndpoint,
  type DaemonPathTranslator,
} from './daemon-path-translator';
import { dockerEndpoint, type DockerClient } from '../../render-engine/docker-client/docker-client';
import { createOwnContainerDeps, findOwnContainer } from './own-container/find-own-container';
import { runHelperContainer } from '../../render-engine/containers/render-container-runner';
import { type ContainerOwner } from '../../render-engine/container-labels';
import { type ContainerRunResult } from '../../render-engine/container-spec';

export interface DaemonPaths {
  /** How the worker's paths reach the daemon: `host`, `container`, `foreign-daemon`, `unknown`. */
  readonly mode: DaemonPathTranslator['mode'];
  /** The daemon-side path of an existing worker directory; throws an AppError naming the fix. */
  toDaemonPath(workerPath: string): Promise<string>;
  /**
   * How a job folder reaches its render container under JOB_FILE_TRANSFER: bind-mounted from its
   * daemon-side path, or copied in and out through the Docker API (with why).
   */
  placeJobFolder(workerPath: string): Promise<JobFolderPlacement>;
  /** What start-up found for TEMP_DIR: job files are copied, not mounted. */
  readonly copiesJobFiles: boolean;
}

/** Failures that mean "the daemon cannot see this folder": copy mode answers them. */
const NOT_SHARED_CODES: ReadonlySet<string> = new Set([
  'worker_path_not_shared',
  'worker_container_unknown',
]);

export interface DaemonPathsDeps {
  docker: DockerClient;
  config: Pick<
    Config,
    'WORKER_CONTAINER' | 'HOST_PATH_MAP' | 'TEMP_DIR' | 'JOB_FILE_TRANSFER' | 'RENDER_RUNTIME'
  >;
  logger: Logger;
  /** Image for the sharing probe (the render image: already present, has `cat`). */
  image: string;
  /** Labels the probe container like the worker's render containers. */
  owner: ContainerOwner;
  /** uid:gid the probe runs as: the worker's own, so it can read the file the worker wrote. */
  probeUser: string;
  /** The engine's API version when already read (engine-facts.ts); asked for otherwise. */
  apiVersion?: string;
}

/**
 * Works out, once at worker start, how the daemon sees the worker's job folders:
 * - on the host: unchanged, unless the daemon is reached over TCP or SSH (then as below);
 * - in a container the daemon knows: through that container's mounts (and HOST_PATH_MAP);
 * - in a container it cannot identify: HOST_PATH_MAP, or unchanged when a probe container shows
 *   the daemon sees TEMP_DIR at the same path (a shared file system that merely looks like a
 *   container); otherwise jobs fail with worker_container_unknown, and the probe is tried again
 *   for the next job.
 * Logs the mode and the mounts, and checks TEMP_DIR; a problem is logged, not fatal: jobs then
 * fail with the reason.
 */
export async function discoverDaemonPaths(deps: DaemonPathsDeps): Promise<DaemonPaths> {
  const { docker, config, logger } = deps;
  const own = withDaemonEndpoint(
    await findOwnContainer(createOwnContainerDeps(docker), { setting: config.WORKER_CONTAINER }),
    dockerEndpoint(docker),
  );
  const apiVersion = deps.apiVersion ?? (await docker.version()).ApiVersion;
  const tempDir = await realDir(config.TEMP_DIR);
  const needsProbe = own.mode === 'foreign-daemon' || own.mode === 'unknown';
  const build = (sharedDirs: string[]) =>
    createDaemonPathTranslator({
      own,
      apiVersion,
      hostPathMap: config.HOST_PATH_MAP,
      sharedDirs,
    });

  let translator = build([]);
  const coveredByMap = needsProbe && translates(translator, tempDir);
  const startProbe =
    needsProbe && !coveredByMap ? await daemonSeesSamePath(deps, tempDir) : undefined;
  if (startProbe?.shared) translator = build([tempDir]);
  // Under `auto`, a folder the daemon cannot see is copied instead of failing the job.
  const copiesInstead = (error: unknown): error is AppError =>
    config.JOB_FILE_TRANSFER === 'auto' &&
    error instanceof AppError &&
    NOT_SHARED_CODES.has(error.code);
  logger.info('worker paths for the Docker daemon', {
    mode: translator.mode,
    how: translator.summary,
    ...(translator.mounts === undefined ? {} : { mounts: translator.mounts }),
    ...(own.mode === 'container' && own.warnings.length > 0 ? { warnings: own.warnings } : {}),
    apiVersion,
  });
  let copiesJobFiles = config.JOB_FILE_TRANSFER === 'copy';
  if (copiesJobFiles) {
    logger.info('job files are copied through the Docker API (JOB_FILE_TRANSFER=copy)');
  } else {
    try {
      const daemonTemp = translator.translate(tempDir);
      logger.info('job folders are shared with the Docker daemon', {
        tempDir,
        daemonPath: daemonTemp,
      });
    } catch (error) {
      const failure = error as AppError;
      const report = { tempDir, code: failure.code, error: failure.message, hint: failure.hint };
      if (copiesInstead(error)) {
        // A probe that could not run (no render image yet) decides nothing: jobs look again.
        copiesJobFiles = startProbe?.blocker === undefined;
        logger.info(
          'job folders are not shared with the Docker daemon; job files are copied through the Docker API',
          report,
        );
      } else {
        logger.error(
          'job folders cannot be shared with render containers; jobs will fail until fixed',
          report,
        );
      }
    }
  }

  let probing: Promise<ProbeOutcome> | undefined;
  const toDaemonPath = async (workerPath: string): Promise<string> => {
    const real = await realpath(workerPath);
    try {
      return translator.translate(real);
    } catch (error) {
      if (!needsProbe || coveredByMap) throw error;
      // The render image may have been missing at start: look again, one probe at a time.
      probing ??= daemonSeesSamePath(deps, tempDir)
        .then((outcome) => {
          if (outcome.shared) translator = build([tempDir]);
          return outcome;
        })
        .finally(() => {
          probing = undefined;
        });
      const outcome = await probing;
      // A missing image or engine is the job's real problem, not the unknown container.
      if (!outcome.shared && outcome.blocker !== undefined) throw outcome.blocker;
      return translator.translate(real);
    }
  };
  return {
    mode: translator.mode,
    copiesJobFiles,
    toDaemonPath,
    async placeJobFolder(workerPath) {
      if (config.JOB_FILE_TRANSFER === 'copy') {
        return { kind: 'copy', reason: 'JOB_FILE_TRANSFER=copy' };
      }
      try {
        return { kind: 'mount', daemonPath: await toDaemonPath(workerPath) };
      } catch (error) {
        if (!copiesInstead(error)) throw error;
        return { kind: 'copy', reason: error.message };
      }
    },
  };
}

function translates(translator: DaemonPathTranslator, workerPath: string): boolean {
  try {
    translator.translate(workerPath);
    return true;
  } catch {
    return false;
  }
}

async function realDir(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  return realpath(dir);
}

interface ProbeOutcome {
  shared: boolean;
  /** Why the probe could not run at all, when that is a problem jobs would hit anyway. */
  blocker?: AppError;
}

const PROBE_BLOCKERS: ReadonlySet<string> = new Set(['image_missing', 'docker_unavailable']);

/**
 * Writes a random nonce into `dir` and has a throw-away container with `dir` bound at /probe
 * print it: shared only when the daemon's `dir` is the worker's.
 */
async function daemonSeesSamePath(deps: DaemonPathsDeps, dir: string): Promise<ProbeOutcome> {
  const name = `.daemon-probe-${randomUUID()}`;
  const nonce = randomUUID();
  const file = path.join(dir, name);
  try {
    await writeFile(file, nonce, { mode: 0o644 });
    const run = await runProbeContainer(
      { ...deps, user: deps.probeUser, runtime: deps.config.RENDER_RUNTIME },
      { command: ['cat', `/probe/${name}`], daemonDir: dir, readOnly: true },
      'probe: does the Docker daemon see the job folders?',
    );
    return { shared: run.exitCode === 0 && run.stdout.trim() === nonce };
  } catch (error) {
    deps.logger.warn('could not probe whether the Docker daemon sees the job folders', {
      dir,
      error: (error as Error).message,
    });
    const blocker = error instanceof AppError && PROBE_BLOCKERS.has(error.code) ? error : undefined;
    return blocker === undefined ? { shared: false } : { shared: false, blocker };
  } finally {
    await rm(file, { force: true });
  }
}

export interface DirectoryProbe {
  /** The container read the nonce the worker wrote: the daemon's path is the worker's folder. */
  seen: boolean;
  /** The worker then found the file the container wrote: that user may write there. */
  written: boolean;
  exitCode: number | null;
  /** The container's last words, for a failure message. */
  output: string;
}

/**
 * Both directions at once: the worker writes a nonce into `workerDir`; a throw-away container of
 * the render image, running as `user` with `daemonDir` bound at /probe, prints it and writes a
 * file back, which the worker then looks for. Used by `npm run doctor`.
 */
export async function probeDirectoryThroughContainer(
  deps: Pick<DaemonPathsDeps, 'docker' | 'logger' | 'image' | 'owner'> & {
    user: string;
    runtime: string;
  },
  workerDir: string,
  daemonDir: string,
): Promise<DirectoryProbe> {
  const id = randomUUID();
  const name = `.doctor-probe-${id}`;
  const ack = `.doctor-ack-${id}`;
  const nonce = randomUUID();
  await writeFile(path.join(workerDir, name), nonce, { mode: 0o644 });
  try {
    const run = await runProbeContainer(
      deps,
      {
        command: ['sh', '-c', 'cat "$1" && : > "$2"', 'probe', `/probe/${name}`, `/probe/${ack}`],
        daemonDir,
        readOnly: false,
      },
      'probe: can a render container read and write this folder?',
    );
    const written = await stat(path.join(workerDir, ack)).then(
      () => true,
      () => false,
    );
    return {
      seen: run.stdout.trim() === nonce,
      written,
      exitCode: run.exitCode,
      output: `${run.stdout}\n${run.stderr}`.trim().slice(-500),
    };
  } finally {
    await rm(path.join(workerDir, name), { force: true });
    await rm(path.join(workerDir, ack), { force: true });
  }
}

/** A throw-away, locked-down container of the render image with `daemonDir` bound at /probe. */
function runProbeContainer(
  deps: Pick<DaemonPathsDeps, 'docker' | 'logger' | 'image' | 'owner'> & {
    user: string;
    runtime: string;
  },
  probe: { command: string[]; daemonDir: string; readOnly: boolean },
  purpose: string,
): Promise<ContainerRunResult> {
  return runHelperContainer(
    deps.docker,
    {
      image: deps.image,
      command: probe.command,
      user: deps.user,
      // The renders' runtime: a probe must see the folder as the renders will.
      ...(deps.runtime === '' ? {} : { runtime: deps.runtime }),
      mount: { source: probe.daemonDir, target: '/probe', readOnly: probe.readOnly },
      kind: 'probe',
      owner: deps.owner,
      timeoutMs: 30_000,
    },
    deps.logger.child({ purpose }),
  );
}
