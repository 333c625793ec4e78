import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import type { Config } from '../../../src/config/config-schema';
import { followImageStream } from '../../../src/render-engine/docker-client/image-streams';

const docker = new Docker();

/** Every container and volume a test starts for a containerised worker carries this label. */
export const TEST_WORKER_LABEL = 'org.manim-render.test-worker';
const WORKER_IMAGE = 'manim-render-test-worker:local';
const BASE_IMAGE_REPOSITORY = 'manim-render-base';
const OFFICIAL_BASE_IMAGE = 'debian:bookworm-slim';
const REPO_ROOT = path.resolve(__dirname, '../../../..');
const APP_DIR = '/srv/app';
const WORKER_MAIN = 'dist/backend/src/processes/worker-main.js';

/**
 * The worker image for Docker-out-of-Docker tests: the Debian base the render image was built on
 * with nothing added; the host's Node binary and the compiled project are mounted read-only when
 * the container runs, so the image never goes stale.
 */
export async function buildWorkerImage(): Promise<string> {
  const base = await debianBaseImage();
  const context = await mkdtemp(path.join(tmpdir(), 'manim-test-worker-image-'));
  try {
    await writeFile(
      path.join(context, 'Dockerfile'),
      [
        `FROM ${base}`,
        `WORKDIR ${APP_DIR}`,
        `CMD ["/usr/local/bin/node", "${WORKER_MAIN}"]`,
        '',
      ].join('\n'),
    );
    const stream = await docker.buildImage(
      { context, src: ['Dockerfile'] },
      { t: WORKER_IMAGE, labels: { [TEST_WORKER_LABEL]: 'image' }, rm: true, forcerm: true },
    );
    await followImageStream(docker, stream, { stallTimeoutMs: 60_000 });
  } finally {
    await rm(context, { recursive: true, force: true });
  }
  return WORKER_IMAGE;
}

/**
 * The Debian bookworm image the render image was built on: the official one where a registry
 * answered, the local stand-in (scripts/build-local-base-image.sh, carrying the machine's apt
 * settings) where none did.
 */
export async function debianBaseImage(): Promise<string> {
  const bases = await docker.listImages({
    filters: { reference: [OFFICIAL_BASE_IMAGE, BASE_IMAGE_REPOSITORY] },
  });
  const tags = bases.flatMap((image) => image.RepoTags ?? []);
  const base = tags.find((tag) => tag === OFFICIAL_BASE_IMAGE) ?? tags[0];
  if (base === undefined) {
    throw new Error(
      `Neither ${OFFICIAL_BASE_IMAGE} nor a ${BASE_IMAGE_REPOSITORY} image is present: run \`npm run setup\`.`,
    );
  }
  return base;
}

export interface WorkerContainer {
  id: string;
  /** Resolves when the container stops, with its exit code. */
  exited: Promise<number>;
  /**
   * Rejects when the container stops, with its exit code and logs; race it against what a test
   * waits for, so that a worker that dies fails the test at once and says why.
   */
  failOnExit(): Promise<never>;
  /** Everything the worker wrote so far (JSON log lines). */
  logs(): Promise<string>;
  /** What the worker wrote to stderr alone (only with `tty: false`). */
  stderr(): Promise<string>;
  /** Whether the container still runs. */
  running(): Promise<boolean>;
  /** The worker's parsed log lines with this message. */
  logLines(message: string): Promise<Array<Record<string, unknown>>>;
  remove(): Promise<void>;
}

/**
 * Runs the real worker (dist/) in a container with the host's Docker socket, on the host network
 * (the test Redis listens on 127.0.0.1), with the given extra mounts and environment.
 */
export async function startWorkerContainer(options: {
  image: string;
  runId: string;
  mounts: Docker.MountConfig;
  env: Record<string, string>;
  /** `uid:gid` to run as (default: the image's root). */
  user?: string;
  /** Supplementary groups (Compose `group_add`). */
  groupAdd?: string[];
  /** The socket bound at /var/run/docker.sock (default: the host's). */
  dockerSocket?: string;
  /** With a TTY (the default) stdout and stderr arrive as one stream. */
  tty?: boolean;
}): Promise<WorkerContainer> {
  const tty = options.tty ?? true;
  const container = await docker.createContainer({
    Image: options.image,
    Labels: { [TEST_WORKER_LABEL]: options.runId },
    Env: Object.entries({ LOG_LEVEL: 'info', ...options.env }).map(
      ([name, value]) => `${name}=${value}`,
    ),
    Tty: tty,
    ...(options.user === undefined ? {} : { User: options.user }),
    HostConfig: {
      NetworkMode: 'host',
      ...(options.groupAdd === undefined ? {} : { GroupAdd: options.groupAdd }),
      Mounts: [
        {
          Type: 'bind',
          Source: options.dockerSocket ?? '/var/run/docker.sock',
          Target: '/var/run/docker.sock',
        },
        { Type: 'bind', Source: process.execPath, Target: '/usr/local/bin/node', ReadOnly: true },
        { Type: 'bind', Source: REPO_ROOT, Target: APP_DIR, ReadOnly: true },
        ...options.mounts,
      ],
    },
  });
  const exited = (
    container.wait({ condition: 'next-exit' }) as Promise<{ StatusCode: number }>
  ).then((result) => result.StatusCode);
  exited.catch(() => undefined);
  await container.start();
  const output = async (streams: { stdout: boolean; stderr: boolean }) => {
    const raw = (await container.logs({ ...streams, follow: false })) as Buffer;
    return tty ? raw.toString() : demultiplex(raw);
  };
  const logs = () => output({ stdout: true, stderr: true });
  return {
    id: container.id,
    exited,
    failOnExit() {
      const failed = exited.then(async (code): Promise<never> => {
        throw new Error(`the worker container exited (${code}):\n${await logs()}`);
      });
      failed.catch(() => undefined);
      return failed;
    },
    logs,
    stderr: () => output({ stdout: false, stderr: true }),
    async running() {
      return (await container.inspect()).State.Running;
    },
    async logLines(message) {
      return (await logs())
        .split(/\r?\n/)
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((line) => line.message === message);
    },
    async remove() {
      await container.remove({ force: true, v: true }).catch((error: unknown) => {
        if ((error as { statusCode?: number }).statusCode !== 404) throw error;
      });
    },
  };
}

/** The payloads of the engine's multiplexed log frames (8-byte header: stream, size), in order. */
function demultiplex(raw: Buffer): string {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= raw.length) {
    const size = raw.readUInt32BE(offset + 4);
    parts.push(raw.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return Buffer.concat(parts).toString();
}

/** Removes whatever containers and volumes a run left, even after a failed test. */
export async function removeTestWorkerLeftovers(runId: string): Promise<void> {
  const label = `${TEST_WORKER_LABEL}=${runId}`;
  for (const container of await docker.listContainers({ all: true, filters: { label: [label] } })) {
    await docker.getContainer(container.Id).remove({ force: true, v: true });
  }
  const { Volumes } = await docker.listVolumes({ filters: { label: [label] } });
  for (const volume of Volumes ?? []) await docker.getVolume(volume.Name).remove();
}

/** A named volume labelled for `removeTestWorkerLeftovers`, and where the daemon keeps its data. */
export async function createTestVolume(
  runId: string,
): Promise<{ name: string; mountpoint: string }> {
  const name = `manim-test-worker-${runId}`;
  await docker.createVolume({ Name: name, Labels: { [TEST_WORKER_LABEL]: runId } });
  const inspected = (await docker.getVolume(name).inspect()) as { Mountpoint: string };
  return { name, mountpoint: inspected.Mountpoint };
}

/** The mounts of a container as the daemon lists them. */
export async function mountsOf(
  containerId: string,
): Promise<Array<{ Type?: string; Source?: string; Destination?: string }>> {
  const inspected = await docker.getContainer(containerId).inspect();
  return inspected.Mounts as Array<{ Type?: string; Source?: string; Destination?: string }>;
}

/**
 * The environment of a containerised worker for a test service: its Redis, queue and render
 * image, with job folders at /app/temp and videos at /app/outputs inside the container.
 */
export function workerContainerEnv(
  config: Pick<Config, 'REDIS_URL' | 'QUEUE_NAME' | 'RENDER_IMAGE' | 'MANIM_VERSIONS'>,
): Record<string, string> {
  return {
    REDIS_URL: config.REDIS_URL,
    QUEUE_NAME: config.QUEUE_NAME,
    RENDER_IMAGE: config.RENDER_IMAGE,
    MANIM_VERSIONS: config.MANIM_VERSIONS.join(','),
    TEMP_DIR: '/app/temp',
    OUTPUTS_DIR: '/app/outputs',
  };
}
