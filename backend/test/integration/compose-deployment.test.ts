import { randomUUID } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { JobView } from '../../src/job/render-job';
import { readEventStream } from '../support/event-stream-client';
import {
  removeCheckout,
  runCommand,
  startComposeDeployment,
  type ComposeProject,
} from './support/compose-deployment';
import { containersOfJob } from './support/job-containers';
import { inspectMp4 } from './support/mp4-inspection';
import { FOUR_STEP_SCENE } from './support/scenes';

const APP_IMAGE = 'manim-render-app:local';
/** The first run builds images (the app image: a few minutes); later runs reuse them. */
const SETUP_TIMEOUT_MS = 30 * 60_000;

interface ContainerInspect {
  Mounts: Array<{ Type: string; Source: string; Destination: string }>;
  HostConfig: { GroupAdd: string[] | null };
}

/**
 * The deployment in docker-compose.yml, as a user runs it: a copy of this checkout at a path of
 * its own (so the host's paths differ from the containers'), scripts/setup-docker-in-docker.sh,
 * `compose up -d`, then a render through the published port, and `compose down`.
 */
describe('deploying with docker-compose.yml', () => {
  const name = `manim-compose-test-${randomUUID().slice(0, 8)}`;
  let root: string;
  let checkout: string;
  let project: ComposeProject | undefined;
  let url: string;

  beforeAll(async () => {
    ({ root, checkout, project, url } = await startComposeDeployment({
      name,
      setupTimeoutMs: SETUP_TIMEOUT_MS,
    }));
  }, SETUP_TIMEOUT_MS + 180_000);

  afterAll(async () => {
    await project?.down();
    if (root !== undefined) await removeCheckout(root, APP_IMAGE);
  }, 180_000);

  async function workerLogs(): Promise<string> {
    if (project === undefined) return '';
    return project.run(['logs', '--no-color', 'worker']).catch((error: Error) => error.message);
  }

  it('renders a scene sent to the published port into ./outputs of the checkout, as a non-root user', async () => {
    const submitted = await fetch(`${url}/api/animation/render`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: FOUR_STEP_SCENE, quality: 'low' }),
    });
    expect(submitted.status).toBe(202);
    const { id } = (await submitted.json()) as { id: string };

    // The stream ends by itself after the job's final event.
    const stream = await readEventStream(`${url}/api/animation/jobs/${id}/events`);
    const final = stream.events[stream.events.length - 1];
    const job = final?.data as JobView | undefined;
    if (final?.event !== 'completed' || job?.result === undefined) {
      throw new Error(`the job did not complete: ${JSON.stringify(final)}\n${await workerLogs()}`);
    }

    const response = await fetch(`${url}/api/animation/jobs/${id}/video`);
    expect(response.status).toBe(200);
    const video = Buffer.from(await response.arrayBuffer());
    expect(inspectMp4(video).videoTracks).toHaveLength(1);

    const onHost = path.join(checkout, 'outputs', id, job.result.fileName);
    expect(await readFile(onHost)).toEqual(video);
    const owner = (await stat(onHost)).uid;
    expect(owner).not.toBe(0);
    const workerId = await project!.containerId('worker');
    const workerUid = (await runCommand('docker', ['exec', workerId, 'id', '-u'])).trim();
    expect(String(owner)).toBe(workerUid);
    expect(await containersOfJob(id)).toEqual([]);
  });

  it('gives the socket to the worker only, and the worker names job folders by their host path', async () => {
    const inspect = async (service: string) => {
      const id = await project!.containerId(service);
      const [info] = JSON.parse(await runCommand('docker', ['inspect', id])) as ContainerInspect[];
      return info!;
    };
    const api = await inspect('api');
    const worker = await inspect('worker');
    const socketMount = (info: ContainerInspect) =>
      info.Mounts.find((mount) => mount.Destination === '/var/run/docker.sock');
    expect(socketMount(api)).toBeUndefined();
    expect(socketMount(worker)).toBeDefined();

    const dotEnv = await readFile(path.join(checkout, '.env'), 'utf8');
    expect(dotEnv).toContain(`QUEUE_NAME=${name}\n`);
    const gid = /^DOCKER_GID=(\d+)$/m.exec(dotEnv)?.[1];
    expect(gid).toBeDefined();
    expect(worker.HostConfig.GroupAdd).toEqual([gid]);

    const shared = (await workerLogs())
      .split('\n')
      .map((line) => line.slice(line.indexOf('{')))
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((line) => line.message === 'job folders are shared with the Docker daemon');
    expect(shared).toMatchObject({ tempDir: '/app/temp', daemonPath: path.join(checkout, 'temp') });
  });
});
