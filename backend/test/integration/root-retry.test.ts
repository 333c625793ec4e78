import type { ChildProcess } from 'node:child_process';
import { chown, mkdir, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { DockerSocketProxy } from './support/docker-socket-proxy';
import { containerExists, containersOfJob, nextHelperCreated } from './support/job-containers';
import { FOUR_STEP_SCENE } from './support/scenes';
import { startTestService, type TestService } from './support/test-service';
import { waitUntil } from './support/wait-until';
import { exitOf, spawnWorker } from './support/worker-child';

/** The worker runs as this user; the render is told to run as another one that may not write. */
const WORKER_USER = { uid: 1500, gid: 1500 };
const STRANGER = '4321:4321';

/** Writes a folder of its own into the job folder, then outlives its time limit. */
const sceneOutlivingItsLimit = [
  'import os, time',
  'from manim import *',
  '',
  'class Stubborn(Scene):',
  '    def construct(self):',
  "        os.makedirs('/job/media/left-behind/deeper', exist_ok=True)",
  "        with open('/job/media/left-behind/deeper/file.txt', 'w') as handle:",
  "            handle.write('written as root')",
  '        time.sleep(60)',
  '',
].join('\n');

describe('a render that may not write its job folder', () => {
  let service: TestService;
  let proxy: DockerSocketProxy;
  let worker: ChildProcess;

  beforeAll(async () => {
    service = await startTestService({ worker: false });
    const root = path.dirname(service.config.OUTPUTS_DIR);
    for (const dir of [root, service.config.OUTPUTS_DIR, service.config.TEMP_DIR]) {
      await mkdir(dir, { recursive: true });
      await chown(dir, WORKER_USER.uid, WORKER_USER.gid);
    }
    // The worker is not root and has no groups: it reaches the engine through a socket it owns.
    proxy = new DockerSocketProxy(path.join(root, 'docker.sock'), '/var/run/docker.sock');
    await proxy.start();
    await chown(proxy.path, WORKER_USER.uid, WORKER_USER.gid);
    worker = spawnWorker(
      service.config,
      { DOCKER_HOST: proxy.dockerHost, RENDER_USER: STRANGER },
      WORKER_USER,
    );
  });
  afterAll(async () => {
    worker?.kill('SIGTERM');
    if (worker) await exitOf(worker);
    await proxy?.stop();
    await service?.close();
  });

  it('is retried once as root, completes, and leaves only files the worker owns', async () => {
    const submitted = await service.submit({ code: FOUR_STEP_SCENE, quality: 'low' });
    expect(submitted.status).toBe(202);

    const job = await service.waitForEnd(submitted.body.id);

    expect(job.status).toBe('completed');
    expect(job.result?.ranAsRoot).toEqual({
      reason: 'uid 4321 could not write the job folder',
      firstFailure: {
        code: 'permission_denied',
        message: expect.stringContaining("[Errno 13] Permission denied: '/job/media"),
      },
    });
    const video = await fetch(`${service.url}${submitted.body.links.video}`);
    expect(video.status).toBe(200);
    expect((await video.arrayBuffer()).byteLength).toBeGreaterThan(1000);
    const outputDir = path.join(service.config.OUTPUTS_DIR, submitted.body.id);
    for (const name of await readdir(outputDir)) {
      expect(await stat(path.join(outputDir, name))).toMatchObject(WORKER_USER);
    }
    // The worker removed the whole job folder, which it could not have done around root's files.
    expect(await readdir(service.config.TEMP_DIR)).not.toContain(submitted.body.id);
    expect(await containersOfJob(submitted.body.id)).toEqual([]);

    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    expect(metrics).toContain('manim_render_root_retries_total{outcome="completed"} 1');
  });

  it('hands back what root wrote even when the retry is killed', async () => {
    const submitted = await service.submit({
      code: sceneOutlivingItsLimit,
      quality: 'low',
      timeout: 8,
    });

    const job = await service.waitForEnd(submitted.body.id);

    expect(job.status).toBe('failed');
    expect(job.error?.code).toBe('timeout');
    expect(job.error?.message).toMatch(/\(after a retry as root\)$/);
    expect(job.error?.details?.ranAsRoot).toMatchObject({
      firstFailure: { code: 'permission_denied' },
    });
    expect(await readdir(service.config.TEMP_DIR)).not.toContain(submitted.body.id);
    expect(await containersOfJob(submitted.body.id)).toEqual([]);
  });

  it('leaves no ownership fixer behind when the worker is killed while it runs', async () => {
    const fixer = await nextHelperCreated(service.config.QUEUE_NAME, 'owner-fix');
    await service.submit({
      code: sceneOutlivingItsLimit,
      quality: 'low',
      timeout: 8,
      cache: false,
    });
    const left = await fixer.created.finally(() => fixer.stop());
    worker.kill('SIGKILL');
    await exitOf(worker);
    expect(await containerExists(left.id)).toBe(true);

    worker = spawnWorker(
      service.config,
      { DOCKER_HOST: proxy.dockerHost, RENDER_USER: STRANGER },
      WORKER_USER,
    );

    // A dead worker's presence lasts 15 s, and workers sweep every 30 s.
    await waitUntil(
      `the fixer ${left.id.slice(0, 12)} of ${left.workerId} is removed`,
      () => containerExists(left.id),
      (exists) => !exists,
      { timeoutMs: 90_000, everyMs: 1000 },
    );
  });
});
