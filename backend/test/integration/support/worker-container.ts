import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { followImageStream } from '../../../src/docker/image-streams';

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
  // The render image was built on one of these: the official base where a registry answered,
  // the local one where none did.
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

export interface WorkerContainer {
  id: string;
  /** Resolves when the container stops, with its exit code. */
  exited: Promise<number>;
  /** Everything the worker wrote so far (JSON log lines). */
  logs(): Promise<string>;
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
}): Promise<WorkerContainer> {
  const container = await docker.createContainer({
    Image: options.image,
    Labels: { [TEST_WORKER_LABEL]: options.runId },
    Env: Object.entries({ LOG_LEVEL: 'info', ...options.env }).map(
      ([name, value]) => `${name}=${value}`,
    ),
    Tty: true,
    HostConfig: {
      NetworkMode: 'host',
      Mounts: [
        { Type: 'bind', Source: '/var/run/docker.sock', Target: '/var/run/docker.sock' },
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
  const logs = async () =>
    ((await container.logs({ stdout: true, stderr: true, follow: false })) as Buffer).toString();
  return {
    id: container.id,
    exited,
    logs,
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
