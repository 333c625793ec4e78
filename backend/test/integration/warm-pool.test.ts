import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import type { Readiness } from '../../src/api/readiness';
import { JOB_ID_LABEL, QUEUE_LABEL, WARM_LABEL } from '../../src/render-engine/container-labels';
import type { JobView } from '../../src/job/render-job';
import { WARM_READY_LINE } from '../../src/warm-pool/warm-bootstrap';
import { DockerSocketProxy, engineSocketPath } from './support/docker-socket-proxy';
import { containersOfJob, waitForRunningContainer } from './support/job-containers';
import { inspectMp4 } from './support/mp4-inspection';
import { startTestService, type TestService } from './support/test-service';
import { waitUntil } from './support/wait-until';
import { exitOf, spawnWorker } from './support/worker-child';

const docker = new Docker();

const QUICK_SCENE =
  'from manim import *\nclass Quick(Scene):\n    def construct(self):\n        self.play(Create(Circle()))\n';
const ENDLESS_SCENE =
  'from manim import *\nclass Endless(Scene):\n    def construct(self):\n        while True:\n            pass\n';
const PLAY_THEN_SPIN_SCENE =
  'from manim import *\nclass Spin(Scene):\n    def construct(self):\n        self.play(Create(Circle()))\n        while True:\n            pass\n';
const SYNTAX_ERROR_SCENE =
  'from manim import *\nclass Broken(Scene):\n    def construct(self)\n        pass\n';
const SCENE_ERROR_SCENE =
  'from manim import *\nclass Failing(Scene):\n    def construct(self):\n        self.play(Create(Circle()))\n        raise ValueError("no more circles")\n';

type PoolStatus = { size: number; ready: number } | undefined;

async function readiness(service: TestService): Promise<Readiness> {
  return (await (await fetch(`${service.url}/ready`)).json()) as Readiness;
}

/** The warm pool as the worker of this service reports it (through its status in Redis). */
async function poolOf(service: TestService): Promise<PoolStatus> {
  const workers = (await readiness(service)).checks.workers.workers;
  return workers[0]?.warmPool;
}

async function waitForFullPool(service: TestService, size: number): Promise<void> {
  await waitUntil(
    `the warm pool has ${size} ready`,
    () => poolOf(service),
    (pool) => pool?.size === size && pool.ready === size,
    { timeoutMs: 120_000 },
  );
}

/** The warm containers of a queue that the engine has, running or not. */
async function warmContainers(queueName: string): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({
    all: true,
    filters: { label: [`${WARM_LABEL}=true`, `${QUEUE_LABEL}=${queueName}`] },
  });
}

async function exists(containerId: string): Promise<boolean> {
  return docker
    .getContainer(containerId)
    .inspect()
    .then(
      () => true,
      () => false,
    );
}

/** Containers created with the job's label since `sinceSeconds`: a cold render leaves one. */
async function coldContainersCreatedFor(jobId: string, sinceSeconds: number): Promise<number> {
  const events = (await docker.getEvents({
    since: sinceSeconds,
    until: Math.ceil(Date.now() / 1000) + 1,
    filters: { type: ['container'], event: ['create'], label: [`${JOB_ID_LABEL}=${jobId}`] },
  })) as unknown as NodeJS.ReadableStream;
  let text = '';
  for await (const chunk of events) text += String(chunk);
  return text.split('\n').filter((line) => line.trim() !== '').length;
}

async function render(
  service: TestService,
  body: Record<string, unknown>,
): Promise<{ id: string; job: JobView }> {
  const submitted = await service.submit(body);
  expect(submitted.status).toBe(202);
  return { id: submitted.body.id, job: await service.waitForEnd(submitted.body.id) };
}

async function video(service: TestService, id: string): Promise<Buffer> {
  const response = await fetch(`${service.url}/api/animation/jobs/${id}/video`);
  expect(response.status).toBe(200);
  return Buffer.from(await response.arrayBuffer());
}

async function logLines(service: TestService, id: string): Promise<string[]> {
  const response = await fetch(`${service.url}/api/animation/jobs/${id}/logs`);
  return ((await response.json()) as { lines: string[] }).lines;
}

/** The one warm container of the queue, once the pool is full; its id. */
async function theWarmContainer(service: TestService): Promise<string> {
  await waitForFullPool(service, 1);
  const containers = await warmContainers(service.config.QUEUE_NAME);
  expect(containers).toHaveLength(1);
  return (containers[0] as Docker.ContainerInfo).Id;
}

describe('a warm pool of one container', () => {
  let warm: TestService;
  let cold: TestService;

  beforeAll(async () => {
    warm = await startTestService({ env: { WARM_POOL_SIZE: '1', RENDER_TIMEOUT_SECONDS: '120' } });
    cold = await startTestService({ env: { WARM_POOL_SIZE: '0', RENDER_TIMEOUT_SECONDS: '120' } });
  });
  afterAll(async () => {
    await warm?.close();
    await cold?.close();
  });

  it('fills up with a container created exactly like a cold render container', async () => {
    const warmId = await theWarmContainer(warm);
    const warmInfo = await docker.getContainer(warmId).inspect();
    expect(warmInfo.State.Running).toBe(true);
    expect(warmInfo.Config.OpenStdin).toBe(true);
    expect(warmInfo.Config.StdinOnce).toBe(true);
    expect(warmInfo.Config.Labels).toMatchObject({
      'org.manim-render.managed': 'true',
      [WARM_LABEL]: 'true',
      [QUEUE_LABEL]: warm.config.QUEUE_NAME,
      'org.manim-render.worker': expect.any(String),
    });

    // A cold render container of the other service, caught while it runs, for comparison.
    const submitted = await cold.submit({ code: ENDLESS_SCENE, quality: 'low' });
    const coldInfo = await docker
      .getContainer(await waitForRunningContainer(submitted.body.id))
      .inspect();
    await fetch(`${cold.url}/api/animation/jobs/${submitted.body.id}`, { method: 'DELETE' });

    const profile = (info: Docker.ContainerInspectInfo) => ({
      image: info.Config.Image,
      user: info.Config.User,
      env: info.Config.Env,
      workingDir: info.Config.WorkingDir,
      networkDisabled: (info.Config as { NetworkDisabled?: boolean }).NetworkDisabled,
      hostConfig: { ...info.HostConfig, Mounts: undefined },
      mounts: info.Mounts.map((mount) => ({
        destination: mount.Destination,
        rw: mount.RW,
        type: mount.Type,
      })),
    });
    expect(profile(warmInfo)).toEqual(profile(coldInfo));
    expect(profile(warmInfo).hostConfig).toMatchObject({
      NetworkMode: 'none',
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      ReadonlyRootfs: true,
      LogConfig: { Type: 'none' },
    });
  });

  it('renders a job in the warm container, gives the same file as a cold render, and starts a new one', async () => {
    const warmId = await theWarmContainer(warm);
    const since = Math.floor(Date.now() / 1000) - 1;
    const viaWarm = await render(warm, { code: QUICK_SCENE, quality: 'low' });
    const viaCold = await render(cold, { code: QUICK_SCENE, quality: 'low' });

    for (const { job } of [viaWarm, viaCold]) {
      expect(job).toMatchObject({
        status: 'completed',
        result: { fileName: 'Quick.mp4', contentType: 'video/mp4' },
      });
      // The warm container makes the poster after Manim, as a cold container's command does.
      expect(job.result?.posterUrl).toBe(`/api/animation/jobs/${job.id}/poster`);
    }
    expect(await coldContainersCreatedFor(viaWarm.id, since)).toBe(0);
    expect(await coldContainersCreatedFor(viaCold.id, since)).toBe(1);

    const warmVideo = inspectMp4(await video(warm, viaWarm.id));
    const coldVideo = inspectMp4(await video(cold, viaCold.id));
    expect(warmVideo).toEqual(coldVideo);
    expect(warmVideo.videoTracks).toEqual([{ width: 854, height: 480 }]);

    // The log is Manim's own, as in a cold render, without the warm container's ready line.
    const warmLog = await logLines(warm, viaWarm.id);
    expect(warmLog.join('\n')).not.toContain(WARM_READY_LINE);
    expect(warmLog.some((line) => line.startsWith('Manim Community v'))).toBe(true);
    expect(warmLog.some((line) => line.includes('/job/media/videos/scene/480p15/Quick.mp4'))).toBe(
      true,
    );

    expect(await exists(warmId)).toBe(false);
    const replacement = await theWarmContainer(warm);
    expect(replacement).not.toBe(warmId);
  });

  it('fails a broken scene with the same error as a cold render, and removes the container', async () => {
    for (const code of [SYNTAX_ERROR_SCENE, SCENE_ERROR_SCENE]) {
      const warmId = await theWarmContainer(warm);
      const viaWarm = await render(warm, { code, quality: 'low' });
      const viaCold = await render(cold, { code, quality: 'low' });
      expect(viaWarm.job.status).toBe('failed');
      expect(viaWarm.job.error).toEqual(viaCold.job.error);
      expect(await exists(warmId)).toBe(false);
    }
  });

  it('stops a render at its timeout, counted from the job, and removes the container', async () => {
    const warmId = await theWarmContainer(warm);
    const { id, job } = await render(warm, { code: ENDLESS_SCENE, quality: 'low', timeout: 3 });
    expect(job).toMatchObject({
      status: 'failed',
      error: { code: 'timeout', details: { limitSeconds: 3 } },
    });
    expect(await exists(warmId)).toBe(false);
    expect(await containersOfJob(id)).toEqual([]);
  });

  it('cancels a running render in the warm container and removes it', async () => {
    const warmId = await theWarmContainer(warm);
    const submitted = await warm.submit({ code: PLAY_THEN_SPIN_SCENE, quality: 'low' });
    await waitUntil(
      'the render has played its first animation',
      () => warm.getJob(submitted.body.id),
      (job) => job.progress.stage === 'rendering',
    );
    const response = await fetch(`${warm.url}/api/animation/jobs/${submitted.body.id}`, {
      method: 'DELETE',
    });
    expect([200, 202]).toContain(response.status);
    expect(await warm.waitForEnd(submitted.body.id)).toMatchObject({
      status: 'cancelled',
      error: { code: 'cancelled' },
    });
    await waitUntil(
      'the cancelled warm container is removed',
      () => exists(warmId),
      (left) => !left,
    );
  });
});

describe('the size of the warm pool', () => {
  it('starts no container at size 0', async () => {
    const service = await startTestService({ env: { WARM_POOL_SIZE: '0' } });
    try {
      expect(await poolOf(service)).toEqual({ size: 0, ready: 0 });
      const { job } = await render(service, { code: QUICK_SCENE, quality: 'low' });
      expect(job.status).toBe('completed');
      expect(await warmContainers(service.config.QUEUE_NAME)).toEqual([]);
    } finally {
      await service.close();
    }
  });

  it('keeps as many as configured, and closing the worker removes them with their folders', async () => {
    const service = await startTestService({ env: { WARM_POOL_SIZE: '2' } });
    const queueName = service.config.QUEUE_NAME;
    const tempDir = service.config.TEMP_DIR;
    try {
      await waitForFullPool(service, 2);
      expect(await warmContainers(queueName)).toHaveLength(2);
      expect((await readdir(tempDir)).filter((name) => name.startsWith('warm-'))).toHaveLength(2);
    } finally {
      await service.close();
    }
    expect(await warmContainers(queueName)).toEqual([]);
    const left = await readdir(tempDir).catch(() => []);
    expect(left.filter((name) => name.startsWith('warm-'))).toEqual([]);
  });
});

describe('a warm pool whose Docker Engine goes away and comes back', () => {
  let service: TestService;
  let proxy: DockerSocketProxy;
  let dir: string;
  let worker: ChildProcess | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'manim-warm-outage-'));
    proxy = new DockerSocketProxy(path.join(dir, 'docker.sock'), await engineSocketPath());
    await proxy.start();
    service = await startTestService({ worker: false });
  });
  afterAll(async () => {
    if (worker) {
      worker.kill('SIGTERM');
      await exitOf(worker);
    }
    await proxy?.stop();
    await service?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('forgets its containers, removes what is left when the engine is back, and fills again', async () => {
    worker = spawnWorker(service.config, {
      DOCKER_HOST: proxy.dockerHost,
      WARM_POOL_SIZE: '1',
    });
    const before = await theWarmContainer(service);

    await proxy.stop();
    await waitUntil(
      'the worker reports the engine away and no warm container ready',
      () => readiness(service),
      (ready) =>
        ready.checks.workers.workers.some(
          (status) => !status.engine.ok && status.warmPool?.ready === 0,
        ),
    );
    // The outage was only the worker's connection: the container still runs on the engine.
    expect(await exists(before)).toBe(true);

    await proxy.start();
    await waitUntil(
      'the container from before the outage is removed',
      () => exists(before),
      (left) => !left,
    );
    const after = await theWarmContainer(service);
    expect(after).not.toBe(before);

    const { job } = await render(service, { code: QUICK_SCENE, quality: 'low' });
    expect(job.status).toBe('completed');
  });
});
