import { AppError } from '../../src/errors/app-error';
import type { RenderContainerInfo } from '../../src/render-engine/container-labels';
import {
  JOB_ID_LABEL,
  QUEUE_LABEL,
  SCOPE_LABEL,
  WORKER_LABEL,
} from '../../src/render-engine/container-labels';
import type { ContainerRunResult, ContainerRunSpec } from '../../src/render-engine/container-spec';
import type {
  EngineRunOptions,
  HelperRun,
  RenderEngine,
  StandbyContainer,
} from '../../src/render-engine/render-engine';
import { cleanExit } from './render-jobs';

/** One run the fake engine was asked for, and the id it gave the container. */
export interface FakeRun {
  containerId: string;
  spec: ContainerRunSpec;
  options: EngineRunOptions;
}

/** What a run does: write files into the job folder, say how it ended. */
export type FakeRunScript = (
  run: FakeRun,
) => Partial<ContainerRunResult> | Promise<Partial<ContainerRunResult>>;

/** Thrown by a script to stand for an engine that cannot be reached. */
export class FakeEngineDown extends Error {}

/**
 * An in-memory render engine: containers are records with labels, a run is the next script in
 * line (or a clean exit), images are a set of names. It keeps what it was asked to do.
 */
export class FakeRenderEngine implements RenderEngine {
  readonly runs: FakeRun[] = [];
  readonly helpers: HelperRun[] = [];
  readonly removed: string[] = [];
  readonly images = new Set<string>();
  private readonly containers = new Map<string, Record<string, string>>();
  private readonly scripts: FakeRunScript[] = [];
  private nextId = 1;

  /** The scripts of the next runs, in order. */
  willRun(...scripts: FakeRunScript[]): this {
    this.scripts.push(...scripts);
    return this;
  }

  /** A container left by someone, e.g. an earlier attempt of a job on a worker that died. */
  addContainer(labels: Record<string, string>): string {
    const id = this.newId();
    this.containers.set(id, labels);
    return id;
  }

  async run(spec: ContainerRunSpec, _log: unknown, options: EngineRunOptions = {}) {
    const containerId = this.newId();
    this.containers.set(containerId, spec.labels);
    const run = { containerId, spec, options };
    this.runs.push(run);
    try {
      const script = this.scripts.shift() ?? (() => ({}));
      const outcome = await script(run);
      return {
        ...cleanExit(containerId),
        cancelled: options.signal?.aborted === true,
        ...outcome,
      };
    } finally {
      this.containers.delete(containerId);
    }
  }

  async runHelper(helper: HelperRun): Promise<ContainerRunResult> {
    this.helpers.push(helper);
    return cleanExit(this.newId());
  }

  startStandby(): Promise<StandbyContainer> {
    return Promise.reject(new Error('the fake engine starts no standby containers'));
  }

  async list(filter: {
    queueName: string;
    scope?: string;
    jobId?: string;
  }): Promise<RenderContainerInfo[]> {
    return [...this.containers.entries()]
      .filter(
        ([, labels]) =>
          labels[QUEUE_LABEL] === filter.queueName &&
          (filter.scope === undefined || labels[SCOPE_LABEL] === filter.scope) &&
          (filter.jobId === undefined || labels[JOB_ID_LABEL] === filter.jobId),
      )
      .map(([id, labels]) => ({ id, jobId: labels[JOB_ID_LABEL], workerId: labels[WORKER_LABEL] }));
  }

  async listStandby(): Promise<string[]> {
    return [];
  }

  async remove(id: string): Promise<void> {
    this.removed.push(id);
    this.containers.delete(id);
  }

  async hasImage(name: string): Promise<boolean> {
    return this.images.has(name);
  }

  async pullImage(name: string): Promise<void> {
    this.images.add(name);
  }

  unreachable(error: unknown): AppError | undefined {
    if (!(error instanceof FakeEngineDown)) return undefined;
    return new AppError('docker_unavailable', `The fake engine is down: ${error.message}`);
  }

  private newId(): string {
    return `fake${String(this.nextId++).padStart(8, '0')}`;
  }
}
