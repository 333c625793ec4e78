import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import type { JobView } from '../../src/job/render-job';
import { startDockerInDocker, type DockerInDocker } from './support/docker-in-docker';
import { containersOfJob, waitForRunningContainer } from './support/job-containers';
import { inspectMp4 } from './support/mp4-inspection';
import { startTestService, type TestService } from './support/test-service';
import { testEnvironment } from './support/test-environment';
import { exitOf, spawnWorker, workerLogs, type WorkerLogs } from './support/worker-child';
import {
  buildWorkerImage,
  removeTestWorkerLeftovers,
  startWorkerContainer,
  type WorkerContainer,
  workerContainerEnv,
} from './support/worker-container';

const WORKER_MAIN = path.resolve(__dirname, '../../../dist/backend/src/processes/worker-main.js');
/** Where the engine container sees the host folder that HOST_PATH_MAP points at. */
const DAEMON_SIDE_FOLDERS = '/srv/job-folders';
const PATH_MODE = 'worker paths for the Docker daemon';
const COPYING = 'job files are copied through the Docker API';

/** Sleeps first, so that the render container can be inspected while it runs. */
const SCENE = `from manim import *\nimport time\nclass Remote(Scene):\n    def construct(self):\n        time.sleep(2)\n        self.play(Create(Circle()))\n`;

/**
 * A Docker daemon that is not the one the worker runs on: a Docker Engine in a container of the
 * machine's engine (Docker-in-Docker), reached over TCP as a remote DOCKER_HOST or through its
 * socket as a sidecar. It has neither the worker's container nor the worker's folders, so the
 * job files travel through the Docker API, or HOST_PATH_MAP names where that daemon has them.
 */
describe('a worker whose Docker daemon cannot see its files (Docker-in-Docker)', () => {
  const runId = randomUUID().slice(0, 8);
  let dind: DockerInDocker | undefined;
  let root: string;
  const services: TestService[] = [];
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    if (!existsSync(WORKER_MAIN)) {
      throw new Error(`${WORKER_MAIN} is missing: run \`npm run build\` first`);
    }
    root = await realpath(await mkdtemp(path.join(tmpdir(), 'manim-foreign-daemon-test-')));
    await mkdir(path.join(root, 'shared'));
    dind = await startDockerInDocker({
      images: [testEnvironment().image],
      binds: [{ source: path.join(root, 'shared'), target: DAEMON_SIDE_FOLDERS }],
    });
  });
  afterAll(async () => {
    for (const child of children) {
      child.kill('SIGTERM');
      await exitOf(child);
    }
    await removeTestWorkerLeftovers(runId);
    for (const service of services) await service.close();
    await dind?.stop();
    if (root !== undefined) await rm(root, { recursive: true, force: true });
  });

  function engine(): DockerInDocker {
    if (dind === undefined) throw new Error('the Docker-in-Docker engine did not start');
    return dind;
  }

  async function service(env: Record<string, string> = {}): Promise<TestService> {
    const started = await startTestService({ worker: false, env });
    services.push(started);
    return started;
  }

  /** The real worker on this machine, with DOCKER_HOST naming the inner engine. */
  function workerOnHost(
    of: TestService,
    env: Record<string, string> = {},
  ): WorkerLogs & {
    exited: Promise<never>;
  } {
    const child = spawnWorker(
      of.config,
      { DOCKER_HOST: engine().dockerHost, LOG_LEVEL: 'info', ...env },
      undefined,
      { captureLogs: true },
    );
    children.push(child);
    const logs = workerLogs(child);
    const exited = exitOf(child).then((code) => {
      throw new Error(`the worker exited (${code}):\n${logs.text()}`);
    });
    exited.catch(() => undefined);
    return { ...logs, exited };
  }

  /** Waits for the job to end, failing at once with the worker's log when the worker dies. */
  async function endOf(of: TestService, id: string, exited: Promise<never>): Promise<JobView> {
    return Promise.race([of.waitForEnd(id), exited]);
  }

  /** The mounts of the job's render container on the inner engine, inspected while it runs. */
  async function renderMounts(
    id: string,
    exited: Promise<never>,
  ): Promise<Docker.ContainerInspectInfo['Mounts']> {
    const containerId = await waitForRunningContainer(id, engine().docker, exited);
    return (await engine().docker.getContainer(containerId).inspect()).Mounts;
  }

  async function expectVideoAndNothingLeft(of: TestService, id: string): Promise<Buffer> {
    const response = await fetch(`${of.url}/api/animation/jobs/${id}/video`);
    expect(response.status).toBe(200);
    const video = Buffer.from(await response.arrayBuffer());
    expect(inspectMp4(video).videoTracks).toHaveLength(1);
    expect(await containersOfJob(id, engine().docker)).toEqual([]);
    expect(await containersOfJob(id)).toEqual([]);
    return video;
  }

  it('copies the job files through the Docker API for a worker on another machine (DOCKER_HOST over TCP)', async () => {
    const api = await service();
    const worker = workerOnHost(api);
    const pathMode = await Promise.race([worker.next(PATH_MODE), worker.exited]);

    const submitted = await api.submit({ code: SCENE, quality: 'low' });
    const id = submitted.body.id;
    const mounts = await renderMounts(id, worker.exited);
    const job = await endOf(api, id, worker.exited);

    // This machine is not a container the inner engine knows, nor can it show it TEMP_DIR.
    expect(['foreign-daemon', 'unknown']).toContain(pathMode.mode);
    const [notShared] = worker.lines(
      'job folders are not shared with the Docker daemon; job files are copied through the Docker API',
    );
    expect(notShared).toMatchObject({
      tempDir: api.config.TEMP_DIR,
      code: 'worker_container_unknown',
    });
    expect(mounts).toEqual([expect.objectContaining({ Type: 'volume', Destination: '/job' })]);
    expect(job).toMatchObject({ status: 'completed', result: { fileName: 'Remote.mp4' } });
    await expectVideoAndNothingLeft(api, id);
    const volume = mounts[0]?.Name;
    if (volume === undefined) throw new Error('the render container had no named volume');
    await expect(engine().docker.getVolume(volume).inspect()).rejects.toMatchObject({
      statusCode: 404,
    });
    expect(worker.lines(COPYING)).toEqual([
      expect.objectContaining({ jobId: id, reason: expect.stringContaining(api.config.TEMP_DIR) }),
    ]);
  });

  it('fails the job naming the folder and the fix when copying is off (JOB_FILE_TRANSFER=mount)', async () => {
    const api = await service();
    const worker = workerOnHost(api, { JOB_FILE_TRANSFER: 'mount' });

    const submitted = await api.submit({ code: SCENE, quality: 'low' });
    const id = submitted.body.id;
    const job = await endOf(api, id, worker.exited);

    expect(job.status).toBe('failed');
    expect(job.error).toMatchObject({
      code: 'worker_container_unknown',
      message: expect.stringContaining(
        `The Docker daemon cannot be shown the job folder ${path.join(api.config.TEMP_DIR, id)}`,
      ),
      hint: expect.stringContaining('HOST_PATH_MAP'),
    });
    expect(await containersOfJob(id, engine().docker)).toEqual([]);
    const [startupError] = worker.lines(
      'job folders cannot be shared with render containers; jobs will fail until fixed',
    );
    expect(startupError).toMatchObject({
      tempDir: api.config.TEMP_DIR,
      code: 'worker_container_unknown',
    });
  });

  it('binds the daemon-side folder that HOST_PATH_MAP names', async () => {
    const shared = path.join(root, 'shared');
    const api = await service({ TEMP_DIR: path.join(shared, 'temp') });
    const worker = workerOnHost(api, {
      TEMP_DIR: path.join(shared, 'temp'),
      HOST_PATH_MAP: `${shared}=${DAEMON_SIDE_FOLDERS}`,
      JOB_FILE_TRANSFER: 'mount',
    });

    const submitted = await api.submit({ code: SCENE, quality: 'low' });
    const id = submitted.body.id;
    const mounts = await renderMounts(id, worker.exited);
    const job = await endOf(api, id, worker.exited);

    expect(mounts).toEqual([
      expect.objectContaining({
        Type: 'bind',
        Source: `${DAEMON_SIDE_FOLDERS}/temp/${id}`,
        Destination: '/job',
      }),
    ]);
    expect(job.status).toBe('completed');
    await expectVideoAndNothingLeft(api, id);
    expect(worker.lines(COPYING)).toEqual([]);
  });

  describe('with the worker in a container next to the engine (a sidecar with its socket)', () => {
    let worker: WorkerContainer;
    let api: TestService;
    let hostOutputs: string;

    beforeAll(async () => {
      const image = await buildWorkerImage();
      hostOutputs = path.join(root, 'sidecar-outputs');
      const hostTemp = path.join(root, 'sidecar-temp');
      await mkdir(hostOutputs);
      await mkdir(hostTemp);
      api = await service({ OUTPUTS_DIR: hostOutputs });
      worker = await startWorkerContainer({
        image,
        runId,
        mounts: [
          { Type: 'bind', Source: hostTemp, Target: '/app/temp' },
          { Type: 'bind', Source: hostOutputs, Target: '/app/outputs' },
        ],
        env: workerContainerEnv(api.config),
        // The inner engine's socket, where a worker looks by default: the machine's engine is
        // out of the worker's reach.
        dockerSocket: engine().socketPath,
      });
    });

    it('finds its own container missing on that engine and copies the job files', async () => {
      const exited = worker.failOnExit();

      const submitted = await api.submit({ code: SCENE, quality: 'low' });
      const id = submitted.body.id;
      const mounts = await renderMounts(id, exited);
      const job = await endOf(api, id, exited);

      const [pathMode] = await worker.logLines(PATH_MODE);
      expect(pathMode).toMatchObject({
        mode: 'foreign-daemon',
        how: expect.stringContaining('not found on this Docker daemon (404)'),
      });
      expect(pathMode?.how).toContain(worker.id);
      expect(mounts).toEqual([expect.objectContaining({ Type: 'volume', Destination: '/job' })]);
      expect(job.status).toBe('completed');
      const video = await expectVideoAndNothingLeft(api, id);
      expect(await readFile(path.join(hostOutputs, id, 'Remote.mp4'))).toEqual(video);
      const [copying] = await worker.logLines(COPYING);
      expect(copying).toMatchObject({ jobId: id, reason: expect.stringContaining('/app/temp') });
    });
  });
});
