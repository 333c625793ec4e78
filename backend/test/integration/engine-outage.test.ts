import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readiness } from '../../src/api/readiness';
import { DockerSocketProxy, engineSocketPath } from './support/docker-socket-proxy';
import { testEnvironment } from './support/test-environment';
import { startTestService, type TestService } from './support/test-service';
import { waitUntil } from './support/wait-until';
import { exitOf, spawnWorker } from './support/worker-child';

const SCENE =
  'from manim import *\nclass Quick(Scene):\n    def construct(self):\n        self.play(Create(Circle()))\n';

// The tests run in order and share one worker process: it starts before its engine answers.
describe('a worker whose Docker Engine goes away and comes back', () => {
  let service: TestService;
  let proxy: DockerSocketProxy;
  let dir: string;
  let worker: ChildProcess | undefined;

  const ready = async (): Promise<{ status: number; body: Readiness }> => {
    const response = await fetch(`${service.url}/ready`);
    return { status: response.status, body: (await response.json()) as Readiness };
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'manim-engine-outage-'));
    proxy = new DockerSocketProxy(path.join(dir, 'docker.sock'), await engineSocketPath());
    // API only: the worker runs as its own process, with DOCKER_HOST pointing at the proxy.
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

  it('announces a worker whose engine does not answer at start, with the reason', async () => {
    expect((await ready()).body.checks.workers).toMatchObject({ ok: false, count: 0 });
    worker = spawnWorker(service.config, { DOCKER_HOST: proxy.dockerHost });
    const waiting = await waitUntil(
      'the worker announces itself',
      ready,
      ({ body }) => body.checks.workers.count === 1,
    );
    expect(waiting.status).toBe(503);
    expect(waiting.body.checks.workers.workers).toEqual([
      expect.objectContaining({
        pid: worker.pid,
        engine: expect.objectContaining({ ok: false }),
        paused: true,
      }),
    ]);
    await waitUntil('readiness names the engine problem', ready, ({ body }) =>
      body.problems.some((problem) => problem.includes(proxy.path)),
    );
  });

  it('keeps jobs queued and readiness says why while the engine is away, then renders them', async () => {
    await proxy.start();
    const up = await waitUntil('the API is ready', ready, ({ status }) => status === 200);
    expect(up.body.status).toBe('ready');
    expect(up.body.checks.workers.workers).toEqual([
      expect.objectContaining({
        pid: worker?.pid,
        engine: expect.objectContaining({ ok: true }),
        images: testEnvironment().images.map((image) => ({ ...image, present: true })),
        paused: false,
      }),
    ]);

    await proxy.stop();
    const down = await waitUntil('the API is not ready', ready, ({ status }) => status === 503);
    expect(down.body.status).toBe('not_ready');
    expect(down.body.checks.redis.ok).toBe(true);
    expect(down.body.checks.workers.workers).toEqual([
      expect.objectContaining({ engine: expect.objectContaining({ ok: false }), paused: true }),
    ]);
    expect(down.body.problems).toEqual([
      expect.stringMatching(
        new RegExp(
          `^no worker reports a reachable Docker Engine: worker .*${proxy.path}.*\\(fix: `,
        ),
      ),
    ]);

    const submitted = await service.submit({ code: SCENE, quality: 'low' });
    expect(submitted.status).toBe(202);
    const submittedAt = new Date().toISOString();
    // The worker has asked the engine since the job arrived, found it still away, and left the
    // job in the queue.
    await waitUntil(
      'the worker has checked the engine since the job was submitted',
      ready,
      ({ body }) =>
        body.checks.workers.workers.some(
          (status) => !status.engine.ok && (status.engine.checkedAt ?? '') > submittedAt,
        ),
    );
    expect(await service.getJob(submitted.body.id)).toMatchObject({ status: 'queued' });

    await proxy.start();
    await waitUntil('the API is ready again', ready, ({ status }) => status === 200);
    const job = await service.waitForEnd(submitted.body.id);
    expect(job).toMatchObject({ status: 'completed' });
  });
});
