import type Docker from 'dockerode';
import { AppError } from '../../errors/app-error';
import type { StandbyContainer, StandbyOptions } from '../render-engine';
import { jobFolderHooks } from '../../job-folders/job-folder-hooks';
import type { DockerClient } from '../docker-client/docker-client';
import {
  attachOutput,
  createRenderContainer,
  removeRenderContainer,
  superviseRun,
  watchExit,
  type AttachedOutput,
} from './render-container-runner';
import { MANAGED_LABEL, QUEUE_LABEL, WARM_LABEL, WORKER_LABEL } from '../container-labels';
import type { ContainerSpec, OutputStream } from '../container-spec';

/** The ids of one worker's warm containers on a queue, running or not. */
export async function listStandbyContainers(
  docker: DockerClient,
  owner: { queueName: string; workerId: string },
): Promise<string[]> {
  const containers = await docker.listContainers({
    all: true,
    filters: {
      label: [
        `${MANAGED_LABEL}=true`,
        `${WARM_LABEL}=true`,
        `${QUEUE_LABEL}=${owner.queueName}`,
        `${WORKER_LABEL}=${owner.workerId}`,
      ],
    },
  });
  return containers.map((container) => container.Id);
}

/** Output before the ready line is kept for the job's log; more than this means something is wrong. */
const EARLY_OUTPUT_LIMIT_BYTES = 256 * 1024;

/**
 * Creates a container from `spec` with stdin open for one line, starts it, and watches its output
 * for `readyLine`. Output before the ready line (warnings while Python starts, say) is handed to
 * the job later, as a cold run would have shown it; the ready line itself never is.
 */
export async function startStandbyContainer(
  docker: DockerClient,
  spec: ContainerSpec,
  options: StandbyOptions,
): Promise<StandbyContainer> {
  const container = await createRenderContainer(docker, spec, { stdin: 'one-line' });
  const log = options.log.child({ containerId: container.id.slice(0, 12) });
  let output: AttachedOutput;
  try {
    output = await attachOutput(docker, container, { stdin: true });
  } catch (error) {
    await removeRenderContainer(container, log);
    throw error;
  }
  output.keep = false;
  const exited = watchExit(container);
  let hasExited = false;
  const gone = Promise.race([
    exited.then(
      () => undefined,
      () => undefined,
    ),
    output.drained,
  ]).then(() => {
    hasExited = true;
  });
  const early = new EarlyOutput(`${options.readyLine}\n`);
  const ready = waitUntilReady(container, output, early, exited, options.readyTimeoutMs);
  try {
    await container.start();
  } catch (error) {
    output.close();
    await removeRenderContainer(container, log);
    throw error;
  }

  let used = false;
  return {
    id: container.id,
    ready,
    gone,
    async isAlive() {
      if (used || hasExited) return false;
      return container.inspect().then(
        (info) => info.State.Running === true,
        () => false,
      );
    },
    async run(input, run) {
      if (used) throw new Error('a warm render container runs one job only');
      used = true;
      const jobLog = run.log.child({ containerId: container.id.slice(0, 12) });
      try {
        for (const [stream, chunk] of early.withoutReadyLine()) {
          output[stream].append(chunk);
          run.onOutput?.(stream, chunk);
        }
        output.keep = true;
        output.listener = run.onOutput;
        return await superviseRun({
          container,
          exited,
          output,
          timeoutMs: run.timeoutMs,
          log: jobLog,
          signal: run.signal,
          // A warm container's folder is always mounted: nothing to copy in or out.
          ...(run.folder ? { guard: jobFolderHooks(run.folder).guard } : {}),
          begin: async () => {
            await sendLine(output, input).catch((error: unknown) => {
              throw new AppError(
                'render_failed',
                `The warm render container ${container.id.slice(0, 12)} stopped before it took the job: ${(error as Error).message}`,
                {
                  hint: 'Render again; a new container will be used. If it keeps happening, set WARM_POOL_SIZE=0 and report it.',
                  cause: error,
                },
              );
            });
            jobLog.info('render handed to a warm container', {
              image: spec.image,
              user: spec.user,
            });
          },
        });
      } finally {
        output.close();
        await removeRenderContainer(container, jobLog);
      }
    },
    async remove() {
      used = true;
      output.close();
      await removeRenderContainer(container, log);
    },
  };
}

function waitUntilReady(
  container: Docker.Container,
  output: AttachedOutput,
  early: EarlyOutput,
  exited: Promise<{ StatusCode: number }>,
  timeoutMs: number,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const ready = new Promise<void>((resolve, reject) => {
    const fail = (why: string) => reject(new Error(`${why}${early.describe()}`));
    output.listener = (stream, chunk) => {
      if (early.push(stream, chunk)) resolve();
      else if (early.bytes > EARLY_OUTPUT_LIMIT_BYTES) {
        fail(`printed ${early.bytes} bytes without its ready line`);
        container.kill().catch(() => undefined);
      }
    };
    exited.then(
      (status) => fail(`exited with code ${status.StatusCode} before it was ready`),
      (error: unknown) => fail(`lost contact with the engine: ${(error as Error).message}`),
    );
    void output.drained.then(() => fail('its output ended before it was ready'));
    timer = setTimeout(() => fail(`was not ready within ${timeoutMs / 1000} s`), timeoutMs);
  });
  ready.then(
    () => clearTimeout(timer),
    () => clearTimeout(timer),
  );
  return ready;
}

/** Writes the job line and closes stdin (the container's stdin then reads end of file). */
function sendLine(output: AttachedOutput, line: string): Promise<void> {
  const stdin = output.stdin;
  if (!stdin) return Promise.reject(new Error('stdin is not attached'));
  return new Promise<void>((resolve, reject) => {
    stdin.write(line, (error) => {
      if (error) reject(error);
      else {
        stdin.end();
        resolve();
      }
    });
  });
}

/** What a standby container printed before its job, and whether the ready line is among it. */
class EarlyOutput {
  private readonly chunks: Array<[OutputStream, Buffer]> = [];
  private stdoutText = '';
  private seen = false;
  bytes = 0;

  constructor(private readonly readyLine: string) {}

  /** Keeps the chunk; true when it completes the ready line. */
  push(stream: OutputStream, chunk: Buffer): boolean {
    this.chunks.push([stream, chunk]);
    this.bytes += chunk.length;
    if (this.seen || stream !== 'stdout') return false;
    this.stdoutText += chunk.toString('latin1');
    this.seen = this.stdoutText.includes(this.readyLine);
    return this.seen;
  }

  /** Everything kept, with the ready line cut out of stdout. */
  withoutReadyLine(): Array<[OutputStream, Buffer]> {
    const stdout = Buffer.concat(
      this.chunks.filter(([stream]) => stream === 'stdout').map(([, chunk]) => chunk),
    );
    const at = stdout.indexOf(this.readyLine, 0, 'latin1');
    const rest =
      at < 0
        ? stdout
        : Buffer.concat([stdout.subarray(0, at), stdout.subarray(at + this.readyLine.length)]);
    const result: Array<[OutputStream, Buffer]> = rest.length > 0 ? [['stdout', rest]] : [];
    for (const entry of this.chunks) if (entry[0] === 'stderr') result.push(entry);
    this.chunks.length = 0;
    return result;
  }

  /** The end of what it printed, for an error message. */
  describe(): string {
    const text = Buffer.concat(this.chunks.map(([, chunk]) => chunk))
      .toString('utf8')
      .trim();
    return text === '' ? '' : `; its output ended with: ${text.slice(-500)}`;
  }
}
