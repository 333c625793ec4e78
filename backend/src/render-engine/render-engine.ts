import type { AppError } from '../errors/app-error';
import type { FolderLimits } from '../job-folders/folder-limits';
import type { Logger } from '../logging/logger';
import type { ContainerOwner, RenderContainerInfo } from './container-labels';
import type {
  BindMount,
  ContainerRunResult,
  ContainerRunSpec,
  ContainerSpec,
  OutputStream,
} from './container-spec';

/**
 * The container engine as the worker needs it: run a render container to its end, run a short
 * helper, start one ahead of its job, find and remove the project's containers, and see to the
 * images. The Docker Engine implements it (docker-render-engine.ts, beside this file); unit tests use an
 * in-memory one.
 */
export interface RenderEngine {
  /** Runs one container to its end (exit, timeout, cancel, a folder limit) and removes it. */
  run(spec: ContainerRunSpec, log: Logger, options?: EngineRunOptions): Promise<ContainerRunResult>;
  /** Runs one short command with small fixed limits and one bound folder; always removed. */
  runHelper(helper: HelperRun, log: Logger): Promise<ContainerRunResult>;
  /** Starts a container that waits for one job line on stdin (a warm render container). */
  startStandby(spec: ContainerSpec, options: StandbyOptions): Promise<StandbyContainer>;
  /** The render containers of a queue, running or not; with `scope` or `jobId`, only those. */
  list(filter: {
    queueName: string;
    scope?: string;
    jobId?: string;
  }): Promise<RenderContainerInfo[]>;
  /** The ids of one worker's warm containers, running or not. */
  listStandby(owner: { queueName: string; workerId: string }): Promise<string[]>;
  /** Removes a container with its volumes; one already gone is fine. */
  remove(id: string): Promise<void>;
  hasImage(name: string): Promise<boolean>;
  /** Pulls an image to the end; fails with image_missing naming the registry. */
  pullImage(name: string): Promise<void>;
  /** The failure to report when `error` means the engine cannot be reached; undefined otherwise. */
  unreachable(error: unknown): AppError | undefined;
}

/** How a job folder on the worker's side reaches its render container. */
export type JobFolderPlacement =
  { kind: 'mount'; daemonPath: string } | { kind: 'copy'; reason: string };

/** The job folder of a run: how it gets into the container, and the limits it must keep to. */
export interface JobFolderRun {
  /** The folder on the worker's side. */
  workerDir: string;
  placement: JobFolderPlacement;
  /** Where the container sees it. */
  target: string;
  /** Copy mode: who owns the files put in (the render user). */
  owner: { uid: number; gid: number };
  /** Copy mode: the folder below `target` taken back after the run. */
  outputDir: string;
  /** The run is stopped the moment the folder grows past these. */
  limits: FolderLimits;
}

export interface EngineRunOptions {
  /** Aborting it kills the container; the result says `cancelled`. */
  signal?: AbortSignal;
  /** Every chunk of output as it arrives, for live progress. */
  onOutput?: (stream: OutputStream, chunk: Buffer) => void;
  folder?: JobFolderRun;
}

export interface HelperRun {
  image: string;
  command: string[];
  user: string;
  capAdd?: string[];
  /** The same runtime as the renders (RENDER_RUNTIME); the engine's default when absent. */
  runtime?: string;
  mount: BindMount;
  /** What it is for, in its labels: a sharing probe, or handing files back to their owner. */
  kind: 'probe' | 'owner-fix';
  owner: ContainerOwner;
  /** More labels, e.g. the job a helper works for. */
  labels?: Record<string, string>;
  timeoutMs: number;
}

export interface StandbyOptions {
  /** The line it prints once its slow start-up is done. */
  readyLine: string;
  readyTimeoutMs: number;
  log: Logger;
}

/**
 * A render container started ahead of its job. It prints a ready line once its slow start-up is
 * done, then waits for exactly one line on stdin, runs that job and exits. It is never reused.
 */
export interface StandbyContainer {
  readonly id: string;
  /** Resolves once the ready line came; rejects when it exits, fails or is too slow first. */
  readonly ready: Promise<void>;
  /** Resolves when the container has exited or the engine connection to it broke. */
  readonly gone: Promise<void>;
  /** True while it runs and has not been given a job: checked with the engine. */
  isAlive(): Promise<boolean>;
  /**
   * Gives it its job line and follows it to the end exactly as a cold run is followed (wall-clock
   * limit from now, cancel, output, exit code, memory kill, folder limits); then removes it.
   * Once only.
   */
  run(
    input: string,
    options: EngineRunOptions & { timeoutMs: number; log: Logger },
  ): Promise<ContainerRunResult>;
  /** Removes it without a job. */
  remove(): Promise<void>;
}

/** The cause (AppError details.problem) of an engine that answers but lacks RENDER_RUNTIME. */
export const RUNTIME_MISSING = 'runtime-missing';
