import type Docker from 'dockerode';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { containersOfJob, waitForRunningContainer } from './support/job-containers';
import { inspectMp4 } from './support/mp4-inspection';
import { startTestService, type TestService } from './support/test-service';
import {
  buildWorkerImage,
  createTestVolume,
  mountsOf,
  removeTestWorkerLeftovers,
  startWorkerContainer,
  workerContainerEnv,
  type WorkerContainer,
} from './support/worker-container';

const WORKER_MAIN = path.resolve(__dirname, '../../../dist/backend/src/processes/worker-main.js');

/** Sleeps first, so that the render container can be inspected while it runs. */
const SCENE = `from manim import *\nimport time\nclass Dood(Scene):\n    def construct(self):\n        time.sleep(2)\n        self.play(Create(Circle()))\n`;

/**
 * The worker in a container next to the render containers it starts (Docker-out-of-Docker): it
 * talks to the host's daemon through the mounted socket, so the job folder it mounts into a
 * render container must be named by its host path, not by the path the worker sees.
 */
describe('a worker running in a container with the host Docker socket', () => {
  const runId = randomUUID().slice(0, 8);
  let image: string;
  let root: string;
  const services: TestService[] = [];

  beforeAll(async () => {
    if (!existsSync(WORKER_MAIN)) {
      throw new Error(`${WORKER_MAIN} is missing: run \`npm run build\` first`);
    }
    image = await buildWorkerImage();
    root = await mkdtemp(path.join(tmpdir(), 'manim-dood-test-'));
  });
  afterAll(async () => {
    await removeTestWorkerLeftovers(runId);
    for (const service of services) await service.close();
    if (root !== undefined) await rm(root, { recursive: true, force: true });
  });

  /** Submits the scene, then waits for the job to end or the worker container to exit. */
  async function renderThrough(
    service: TestService,
    worker: WorkerContainer,
  ): Promise<{ id: string; renderMounts: Awaited<ReturnType<typeof mountsOf>> }> {
    const submitted = await service.submit({ code: SCENE, quality: 'low' });
    expect(submitted.status).toBe(202);
    const id = submitted.body.id;
    const workerExit = worker.failOnExit();
    const renderMounts = await mountsOf(await waitForRunningContainer(id, undefined, workerExit));
    const job = await Promise.race([service.waitForEnd(id), workerExit]);
    if (job.status !== 'completed') {
      throw new Error(`job ${job.status}: ${JSON.stringify(job.error)}\n${await worker.logs()}`);
    }
    expect(await containersOfJob(id)).toEqual([]);
    return { id, renderMounts };
  }

  async function expectVideo(service: TestService, id: string, onHost: string): Promise<void> {
    const response = await fetch(`${service.url}/api/animation/jobs/${id}/video`);
    expect(response.status).toBe(200);
    const video = Buffer.from(await response.arrayBuffer());
    expect(inspectMp4(video).videoTracks).toHaveLength(1);
    expect(await readFile(onHost)).toEqual(video);
  }

  async function pathModeOf(worker: WorkerContainer): Promise<Record<string, unknown>> {
    const [line] = await worker.logLines('worker paths for the Docker daemon');
    if (line === undefined) throw new Error(`no path mode logged:\n${await worker.logs()}`);
    return line;
  }

  it('gives a render container the host path behind a bind-mounted job folder', async () => {
    const hostTemp = path.join(root, 'host-temp');
    const hostOutputs = path.join(root, 'host-outputs');
    await mkdir(hostTemp);
    await mkdir(hostOutputs);
    // The API on the host serves the files the containerised worker wrote into its /app/outputs.
    const service = await startTestService({ worker: false, env: { OUTPUTS_DIR: hostOutputs } });
    services.push(service);
    const worker = await startWorkerContainer({
      image,
      runId,
      mounts: [
        { Type: 'bind', Source: hostTemp, Target: '/app/temp' },
        { Type: 'bind', Source: hostOutputs, Target: '/app/outputs' },
      ],
      env: workerContainerEnv(service.config),
    });

    const { id, renderMounts } = await renderThrough(service, worker);

    expect(renderMounts).toEqual([
      expect.objectContaining({
        Type: 'bind',
        Source: path.join(hostTemp, id),
        Destination: '/job',
      }),
    ]);
    await expectVideo(service, id, path.join(hostOutputs, id, 'Dood.mp4'));
    expect(await pathModeOf(worker)).toMatchObject({
      mode: 'container',
      mounts: expect.stringContaining(`/app/temp (bind from ${hostTemp}, rw)`),
    });
    expect(existsSync(path.join(hostTemp, id))).toBe(false);
  });

  /**
   * A service whose videos land in a host folder, and a worker container with only that folder
   * bound (at /app/outputs), plus `extraMounts`; its job folders are wherever `env` puts them.
   */
  async function workerWithOutputsOnly(
    name: string,
    extraMounts: Docker.MountConfig,
    env: Record<string, string>,
  ): Promise<{ service: TestService; worker: WorkerContainer; hostOutputs: string }> {
    const hostOutputs = path.join(root, name);
    await mkdir(hostOutputs);
    const service = await startTestService({ worker: false, env: { OUTPUTS_DIR: hostOutputs } });
    services.push(service);
    const worker = await startWorkerContainer({
      image,
      runId,
      mounts: [{ Type: 'bind', Source: hostOutputs, Target: '/app/outputs' }, ...extraMounts],
      env: { ...workerContainerEnv(service.config), ...env },
    });
    return { service, worker, hostOutputs };
  }

  it('copies the job files through the Docker API when no mount covers the job folders', async () => {
    // In the container's own file system: the daemon has no path for it.
    const { service, worker, hostOutputs } = await workerWithOutputsOnly('copied-outputs', [], {
      TEMP_DIR: '/tmp/jobs',
    });

    const { id, renderMounts } = await renderThrough(service, worker);

    // A fresh volume of the render container's own, nothing of the host's.
    expect(renderMounts).toEqual([
      expect.objectContaining({ Type: 'volume', Destination: '/job' }),
    ]);
    await expectVideo(service, id, path.join(hostOutputs, id, 'Dood.mp4'));
    const [copying] = await worker.logLines('job files are copied through the Docker API');
    expect(copying).toMatchObject({ jobId: id, reason: expect.stringContaining('/tmp/jobs') });
  });

  it('copies the job files when the job folders are on a tmpfs of the worker container', async () => {
    const { service, worker, hostOutputs } = await workerWithOutputsOnly(
      'tmpfs-outputs',
      [{ Type: 'tmpfs', Source: '', Target: '/app/temp' }],
      {},
    );

    const { id, renderMounts } = await renderThrough(service, worker);

    expect(renderMounts).toEqual([
      expect.objectContaining({ Type: 'volume', Destination: '/job' }),
    ]);
    await expectVideo(service, id, path.join(hostOutputs, id, 'Dood.mp4'));
  });

  it('fails the job with worker_path_not_shared when no mount covers the job folders and copying is off', async () => {
    const { service, worker, hostOutputs } = await workerWithOutputsOnly('unshared-outputs', [], {
      TEMP_DIR: '/tmp/jobs',
      JOB_FILE_TRANSFER: 'mount',
    });

    const submitted = await service.submit({ code: SCENE, quality: 'low' });
    const job = await Promise.race([service.waitForEnd(submitted.body.id), worker.failOnExit()]);

    expect(job.status).toBe('failed');
    expect(job.error).toMatchObject({
      code: 'worker_path_not_shared',
      message: expect.stringContaining(`/tmp/jobs/${submitted.body.id}`),
      hint: expect.stringContaining('HOST_PATH_MAP'),
    });
    expect(job.error?.message).toContain(`/app/outputs (bind from ${hostOutputs}, rw)`);
    expect(await containersOfJob(submitted.body.id)).toEqual([]);
    const [startupError] = await worker.logLines(
      'job folders cannot be shared with render containers; jobs will fail until fixed',
    );
    expect(startupError).toMatchObject({ tempDir: '/tmp/jobs', code: 'worker_path_not_shared' });
  });

  it('binds the folder inside a named volume through the volume Mountpoint', async () => {
    const volume = await createTestVolume(runId);
    const service = await startTestService({
      worker: false,
      env: { OUTPUTS_DIR: path.join(volume.mountpoint, 'outputs') },
    });
    services.push(service);
    const worker = await startWorkerContainer({
      image,
      runId,
      mounts: [{ Type: 'volume', Source: volume.name, Target: '/app' }],
      env: workerContainerEnv(service.config),
    });

    const { id, renderMounts } = await renderThrough(service, worker);

    expect(renderMounts).toEqual([
      expect.objectContaining({
        Type: 'bind',
        Source: path.join(volume.mountpoint, 'temp', id),
        Destination: '/job',
      }),
    ]);
    await expectVideo(service, id, path.join(volume.mountpoint, 'outputs', id, 'Dood.mp4'));
    expect(await pathModeOf(worker)).toMatchObject({
      mode: 'container',
      mounts: expect.stringContaining(`/app (volume ${volume.name}, rw)`),
    });
  });
});
