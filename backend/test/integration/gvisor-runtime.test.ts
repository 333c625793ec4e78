import type { ChildProcess } from 'node:child_process';
import Docker from 'dockerode';
import type { Readiness } from '../../src/api/readiness';
import { QUEUE_LABEL, WARM_LABEL } from '../../src/render-engine/container-labels';
import { waitForRunningContainer } from './support/job-containers';
import { requireRuntime } from './support/runtimes';
import { sceneSleeping } from './support/scenes';
import { startTestService, type TestService } from './support/test-service';
import { waitUntil } from './support/wait-until';
import { exitOf, spawnWorker, workerLogs } from './support/worker-child';
import { delay } from '../../src/timing/timing';

const docker = new Docker();

async function readiness(service: TestService): Promise<Readiness> {
  return (await (await fetch(`${service.url}/ready`)).json()) as Readiness;
}

async function runtimeOf(containerId: string): Promise<string> {
  return (await docker.getContainer(containerId).inspect()).HostConfig.Runtime ?? '';
}

describe('render containers under RENDER_RUNTIME=runsc', () => {
  let service: TestService;

  beforeAll(async () => {
    await requireRuntime('runsc');
    service = await startTestService({ env: { RENDER_RUNTIME: 'runsc', WARM_POOL_SIZE: '1' } });
  });
  afterAll(async () => {
    await service?.close();
  });

  it('starts warm and cold containers under gVisor, and renders in them', async () => {
    const warm = await waitUntil(
      'a warm container is ready',
      async () =>
        docker.listContainers({
          filters: {
            label: [`${WARM_LABEL}=true`, `${QUEUE_LABEL}=${service.config.QUEUE_NAME}`],
          },
        }),
      (containers) => containers.length === 1,
      { timeoutMs: 120_000 },
    );
    expect(await runtimeOf(warm[0]?.Id ?? '')).toBe('runsc');

    // Two at once: one takes the warm container, the other starts a cold one.
    const first = await service.submit({ code: sceneSleeping(3), quality: 'low' });
    const second = await service.submit({ code: sceneSleeping(3), quality: 'low' });
    for (const id of [first.body.id, second.body.id]) {
      expect(await runtimeOf(await waitForRunningContainer(id))).toBe('runsc');
    }
    for (const id of [first.body.id, second.body.id]) {
      expect((await service.waitForEnd(id)).status).toBe('completed');
    }
  });
});

describe('a worker whose engine lacks RENDER_RUNTIME', () => {
  let service: TestService;
  let worker: ChildProcess | undefined;

  beforeAll(async () => {
    service = await startTestService({ worker: false });
  });
  afterAll(async () => {
    if (worker) {
      worker.kill('SIGTERM');
      await exitOf(worker);
    }
    await service?.close();
  });

  it('takes no jobs, and the worker and readiness name the runtime and the fix', async () => {
    worker = spawnWorker(
      service.config,
      { RENDER_RUNTIME: 'kata-absent', LOG_LEVEL: 'info' },
      undefined,
      {
        captureLogs: true,
      },
    );
    const logs = workerLogs(worker);

    const problem = await logs.next(
      'Docker Engine lacks the render runtime; not taking new jobs until it has it',
    );
    expect(problem).toMatchObject({
      error: expect.stringContaining('no container runtime "kata-absent" (RENDER_RUNTIME)'),
      hint: expect.stringContaining('/etc/docker/daemon.json'),
    });
    const ready = await waitUntil(
      'readiness names the missing runtime',
      () => readiness(service),
      (body) => body.problems.some((line) => line.includes('kata-absent')),
    );
    expect(ready.status).toBe('not_ready');
    expect(ready.checks.workers.workers).toEqual([
      expect.objectContaining({ engine: expect.objectContaining({ ok: false }), paused: true }),
    ]);

    const submitted = await service.submit({ code: sceneSleeping(1), quality: 'low' });
    await delay(2000);
    expect((await service.getJob(submitted.body.id)).status).toBe('queued');
    await fetch(`${service.url}/api/animation/jobs/${submitted.body.id}`, { method: 'DELETE' });
  });
});
