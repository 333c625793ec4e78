import { runtimeMissingError } from '../docker-client/engine-runtimes';
import { PassThrough, type Duplex } from 'node:stream';
import type Docker from 'dockerode';
import { AppError } from '../../errors/app-error';
import type { Logger } from '../../logging/logger';
import {
  engineUnavailableError,
  isEngineUnreachable,
  type DockerClient,
} from '../docker-client/docker-client';
import { TailBuffer } from './tail-buffer';
import { MANAGED_LABEL, HELPER_LABEL, ownerLabels } from '../container-labels';
import type { HelperRun } from '../render-engine';
import type {
  ContainerLimits,
  ContainerRunResult,
  ContainerRunSpec,
  ContainerSpec,
  OutputStream,
  RunStop,
} from '../container-spec';
import { TIMED_OUT, withinDeadline } from '../../timing/timing';

/**
 * Watches a run from its start (e.g. the size of its job folder) and resolves with a RunStop the
 * moment it must be killed, or with undefined once `signal` (the run's end) is aborted.
 */
export type RunGuard = (
  container: Docker.Container,
  signal: AbortSignal,
) => Promise<RunStop | undefined>;

export interface RunOptions {
  /** Aborting it kills the container; the result says `cancelled`. */
  signal?: AbortSignal;
  /** Every chunk of output as it arrives, for live progress. */
  onOutput?: (stream: OutputStream, chunk: Buffer) => void;
  /** Kills the container when it resolves with a reason. */
  guard?: RunGuard;
  /** Runs between create and start: copy mode puts the job's files in here. */
  beforeStart?: (container: Docker.Container) => Promise<void>;
  /** Runs after the container exited, before it is removed: copy mode takes the output here. */
  afterExit?: (container: Docker.Container, result: ContainerRunResult) => Promise<void>;
}

const OUTPUT_LIMIT_BYTES = 1024 * 1024;
const OPEN_FILES_LIMIT = 4096;
const LOG_DRAIN_MS = 2000;

/**
 * Runs one command in a fresh, locked-down container and always removes it. The profile (see
 * docs/security.md): no network, no capabilities, no privilege gain, read-only root file system
 * with a small /tmp, memory without extra swap, CPU, process, open-file and file-size limits,
 * stdin closed, only the given mounts, and a wall-clock limit after which it is killed.
 */
export async function runContainer(
  docker: DockerClient,
  spec: ContainerRunSpec,
  logger: Logger,
  options: RunOptions = {},
): Promise<ContainerRunResult> {
  const container = await createRenderContainer(docker, spec, { stdin: 'closed' });
  const log = logger.child({ containerId: container.id.slice(0, 12) });
  try {
    const output = await attachOutput(docker, container, { stdin: false });
    output.listener = options.onOutput;
    const exited = watchExit(container);
    try {
      await options.beforeStart?.(container);
      const result = await superviseRun({
        container,
        exited,
        output,
        timeoutMs: spec.limits.timeoutMs,
        log,
        signal: options.signal,
        guard: options.guard,
        begin: async () => {
          await container.start();
          log.info('render container started', { image: spec.image, user: spec.user });
        },
      });
      if (!result.cancelled && !result.stopped) await options.afterExit?.(container, result);
      return result;
    } finally {
      // Ends the attach connection in every case, including a container that never started.
      output.close();
    }
  } finally {
    await removeRenderContainer(container, log);
  }
}

/** Limits of a short helper container: a probe, or handing files back to their owner. */
const HELPER_LIMITS: ContainerLimits = {
  memoryMb: 64,
  cpus: 0.5,
  pidsLimit: 16,
  maxFileBytes: 1024 * 1024,
  tmpfsMb: 1,
};
/**
 * A sandboxing runtime such as gVisor runs its own kernel's threads inside the container's pids
 * limit (about 50 for a helper), so a helper under a chosen runtime gets room for them.
 */
const HELPER_PIDS_UNDER_RUNTIME = 256;

/**
 * Runs one short command of the render image with the same profile as a render, small fixed
 * limits and one folder bound at `mount.target` (its working directory); always removed.
 */
export function runHelperContainer(
  docker: DockerClient,
  helper: HelperRun,
  logger: Logger,
): Promise<ContainerRunResult> {
  return runContainer(
    docker,
    {
      image: helper.image,
      command: helper.command,
      workingDir: helper.mount.target,
      env: {},
      user: helper.user,
      capAdd: helper.capAdd,
      runtime: helper.runtime,
      mounts: [helper.mount],
      labels: { ...helper.labels, ...ownerLabels(helper.owner), [HELPER_LABEL]: helper.kind },
      limits: {
        ...HELPER_LIMITS,
        ...(helper.runtime ? { pidsLimit: HELPER_PIDS_UNDER_RUNTIME } : {}),
        timeoutMs: helper.timeoutMs,
      },
    },
    logger,
  );
}

export async function removeRenderContainer(
  container: Docker.Container,
  log: Logger,
): Promise<void> {
  await container.remove({ force: true, v: true }).catch((error: unknown) => {
    if ((error as { statusCode?: number }).statusCode !== 404) {
      log.warn('could not remove render container', { error: (error as Error).message });
    }
  });
}

/**
 * Creates (does not start) a container with the render profile. `stdin: 'one-line'` keeps stdin
 * open for the one client that attaches first, for a warm container's single job line; it closes
 * when that client ends its side.
 */
export async function createRenderContainer(
  docker: DockerClient,
  spec: ContainerSpec,
  io: { stdin: 'closed' | 'one-line' },
): Promise<Docker.Container> {
  const openStdin = io.stdin === 'one-line';
  try {
    return await docker.createContainer({
      Image: spec.image,
      Cmd: spec.command,
      WorkingDir: spec.workingDir,
      Env: Object.entries(spec.env).map(([name, value]) => `${name}=${value}`),
      User: spec.user,
      Labels: { ...spec.labels, [MANAGED_LABEL]: 'true' },
      AttachStdin: openStdin,
      AttachStdout: true,
      AttachStderr: true,
      OpenStdin: openStdin,
      StdinOnce: openStdin,
      Tty: false,
      NetworkDisabled: true,
      HostConfig: renderHostConfig(spec),
    });
  } catch (error) {
    throw translateCreateError(docker, spec, error);
  }
}

/** The sandbox and the limits: one builder for every render container, warm or cold. */
function renderHostConfig(spec: ContainerSpec): Docker.HostConfig {
  const memoryBytes = spec.limits.memoryMb * 1024 * 1024;
  return {
    Runtime: spec.runtime || undefined,
    NetworkMode: 'none',
    Memory: memoryBytes,
    MemorySwap: memoryBytes,
    NanoCpus: Math.round(spec.limits.cpus * 1e9),
    PidsLimit: spec.limits.pidsLimit,
    CapDrop: ['ALL'],
    CapAdd: spec.capAdd ?? [],
    SecurityOpt: ['no-new-privileges'],
    ReadonlyRootfs: true,
    Tmpfs: { '/tmp': `rw,noexec,nosuid,nodev,size=${spec.limits.tmpfsMb}m` },
    IpcMode: 'private',
    Ulimits: [
      { Name: 'nofile', Soft: OPEN_FILES_LIMIT, Hard: OPEN_FILES_LIMIT },
      { Name: 'fsize', Soft: spec.limits.maxFileBytes, Hard: spec.limits.maxFileBytes },
    ],
    // Output is read through attach; a log driver would also copy every byte to the host's disk.
    LogConfig: { Type: 'none', Config: {} },
    Mounts: spec.mounts.map((mount) =>
      mount.type === 'scratch'
        ? { Type: 'volume' as const, Source: '', Target: mount.target }
        : {
            Type: 'bind' as const,
            Source: mount.source,
            Target: mount.target,
            ReadOnly: mount.readOnly,
          },
    ),
    AutoRemove: false,
  };
}

/**
 * The container's next exit, asked for before it starts so that no exit can be missed. Observed
 * here so that a container that never starts leaves no unhandled rejection behind.
 */
export function watchExit(container: Docker.Container): Promise<{ StatusCode: number }> {
  const exited = container.wait({ condition: 'next-exit' }) as Promise<{ StatusCode: number }>;
  exited.catch(() => undefined);
  return exited;
}

/**
 * Follows one render to its end: `begin` sets it going (starts the container, or hands a warm
 * one its job), the wall-clock limit counts from there, an abort of `signal` or the limit kills
 * the container; then the exit code, the output and whether the memory limit killed it.
 */
export async function superviseRun(run: {
  container: Docker.Container;
  exited: Promise<{ StatusCode: number }>;
  output: AttachedOutput;
  begin: () => Promise<void>;
  timeoutMs: number;
  log: Logger;
  signal: AbortSignal | undefined;
  guard?: RunGuard;
}): Promise<ContainerRunResult> {
  const { container, exited, output, log, signal } = run;
  const startedAt = Date.now();
  if (signal?.aborted) return { ...EMPTY_OUTCOME, containerId: container.id, cancelled: true };

  let cancelled = false;
  const cancel = () => {
    cancelled = true;
    log.info('render cancelled; killing container');
    container.kill().catch(() => undefined);
  };
  signal?.addEventListener('abort', cancel, { once: true });
  let timedOut = false;
  let stopped: RunStop | undefined;
  const runEnded = new AbortController();
  try {
    await run.begin();
    // A cancel that came while the container was starting found nothing to kill yet.
    if (cancelled) await container.kill().catch(() => undefined);
    const guarded = run.guard
      ? run.guard(container, runEnded.signal).then((stop) => stop ?? NEVER)
      : NEVER;
    const ended = cancelled
      ? undefined
      : await withinDeadline(Promise.race([exited, guarded]), run.timeoutMs);
    if (ended === TIMED_OUT) {
      timedOut = true;
      log.warn('render timed out; killing container', { timeoutMs: run.timeoutMs });
      await container.kill().catch(() => undefined);
    } else if (ended !== undefined && 'code' in ended) {
      stopped = ended;
      log.warn('render over a limit; killing container', { code: ended.code, ...ended.details });
      await container.kill().catch(() => undefined);
    }
  } finally {
    runEnded.abort();
    signal?.removeEventListener('abort', cancel);
  }
  const status = await exited;
  const durationMs = Date.now() - startedAt;
  await withinDeadline(output.drained, LOG_DRAIN_MS);
  const state = (await container.inspect()).State;
  log.info('render container exited', {
    exitCode: status.StatusCode,
    durationMs,
    timedOut,
    cancelled,
    oomKilled: state.OOMKilled,
  });
  return {
    containerId: container.id,
    exitCode: status.StatusCode,
    stdout: output.stdout.text(),
    stderr: output.stderr.text(),
    timedOut,
    cancelled,
    stopped,
    oomKilled: state.OOMKilled === true,
    durationMs,
  };
}

export interface AttachedOutput {
  stdout: TailBuffer;
  stderr: TailBuffer;
  /** Gets every chunk as it arrives; may be changed at any time. */
  listener: ((stream: OutputStream, chunk: Buffer) => void) | undefined;
  /** False: chunks go to `listener` only, not into the tail buffers. */
  keep: boolean;
  /** The container's stdin, when it was attached with one. */
  stdin: Duplex | undefined;
  /** Resolves when the container's output has ended. */
  drained: Promise<void>;
  close(): void;
}

export async function attachOutput(
  docker: DockerClient,
  container: Docker.Container,
  io: { stdin: boolean },
): Promise<AttachedOutput> {
  const attached = (await container.attach({
    stream: true,
    stdout: true,
    stderr: true,
    ...(io.stdin ? { stdin: true, hijack: true } : {}),
  })) as Duplex;
  const output: AttachedOutput = {
    stdout: new TailBuffer(OUTPUT_LIMIT_BYTES),
    stderr: new TailBuffer(OUTPUT_LIMIT_BYTES),
    listener: undefined,
    keep: true,
    stdin: io.stdin ? attached : undefined,
    drained: new Promise<void>((resolve) => {
      attached.on('end', resolve);
      attached.on('close', resolve);
      attached.on('error', () => resolve());
    }),
    close: () => attached.destroy(),
  };
  const collect = (name: OutputStream) =>
    new PassThrough().on('data', (chunk: Buffer) => {
      if (output.keep) output[name].append(chunk);
      output.listener?.(name, chunk);
    });
  docker.modem.demuxStream(attached, collect('stdout'), collect('stderr'));
  return output;
}

/** A promise that never settles: a guard that has nothing to report. */
const NEVER = new Promise<never>(() => undefined);

const EMPTY_OUTCOME = {
  exitCode: null,
  stdout: '',
  stderr: '',
  timedOut: false,
  oomKilled: false,
  durationMs: 0,
} as const;

function translateCreateError(docker: DockerClient, spec: ContainerSpec, error: unknown): Error {
  if (isEngineUnreachable(error)) return engineUnavailableError(docker, error);
  const statusCode = (error as { statusCode?: number }).statusCode;
  const message = (error as Error).message;
  if (statusCode === 404 && /no such image/i.test(message)) {
    return new AppError(
      'image_missing',
      `Render image ${spec.image} is not present on the Docker Engine`,
      {
        details: { image: spec.image },
        cause: error,
      },
    );
  }
  if (spec.runtime && /unknown or invalid runtime name/i.test(message)) {
    return runtimeMissingError(docker, spec.runtime, undefined);
  }
  return new AppError('render_failed', `Could not create the render container: ${message}`, {
    hint: "Check the Docker Engine logs; the message above is the engine's own.",
    details: { image: spec.image },
    cause: error,
  });
}
