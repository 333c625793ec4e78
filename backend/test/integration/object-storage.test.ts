import type { ChildProcess } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/load-config';
import { createLogger } from '../../src/logging/logger';
import { s3OutputStore } from '../../src/outputs/s3-output-store';
import { startApiProcess, type ApiProcess } from '../../src/processes/api-process';
import { startS3Server, type S3Server } from './support/seaweedfs';
import { startTestService, type TestService } from './support/test-service';
import { exitOf, spawnWorker, workerLogs, type WorkerLogs } from './support/worker-child';

const SCENE =
  'from manim import *\nclass Dot1(Scene):\n    def construct(self):\n        self.play(Create(Dot()), run_time=0.5)\n';
const ENDLESS_SCENE =
  'from manim import *\nclass Endless(Scene):\n    def construct(self):\n        while True:\n            pass\n';

/**
 * The API and a worker that share nothing but Redis and an S3 bucket (SeaweedFS): the API's
 * OUTPUTS_DIR and TEMP_DIR are never created, the worker has folders of its own.
 */
describe('videos in an object store, with the API and the worker on separate disks', () => {
  let root: string;
  let apiRoot: string;
  let workerRoot: string;
  let s3: S3Server;
  let service: TestService;
  let worker: ChildProcess;
  let logs: WorkerLogs;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'object-storage-'));
    apiRoot = path.join(root, 'api');
    workerRoot = path.join(root, 'worker');
    s3 = await startS3Server(path.join(root, 'seaweedfs'));
    await mkdir(apiRoot);
    await chmod(apiRoot, 0o555);
    service = await startTestService({
      worker: false,
      env: {
        ...s3.env,
        OUTPUTS_DIR: path.join(apiRoot, 'outputs'),
        TEMP_DIR: path.join(apiRoot, 'temp'),
      },
    });
    worker = spawnWorker(
      service.config,
      {
        ...s3.env,
        OUTPUTS_DIR: path.join(workerRoot, 'outputs'),
        TEMP_DIR: path.join(workerRoot, 'temp'),
        S3_UPLOAD_ATTEMPTS: '4',
        LOG_LEVEL: 'warn',
      },
      undefined,
      { captureLogs: true },
    );
    logs = workerLogs(worker);
  });

  afterAll(async () => {
    if (worker !== undefined && worker.exitCode === null) {
      const exited = exitOf(worker);
      worker.kill('SIGTERM');
      await exited;
    }
    await service?.close();
    await s3?.stop();
    await chmod(apiRoot, 0o755).catch(() => undefined);
    await rm(root, { recursive: true, force: true });
  });

  async function renderToEnd(code: string) {
    const submitted = await service.submit({ code, quality: 'low' });
    expect(submitted.status).toBe(202);
    return { submitted: submitted.body, job: await service.waitForEnd(submitted.body.id) };
  }

  let first: { id: string; bytes: Buffer; etag: string };

  it('renders into the bucket and serves the video from it, whole and in ranges', async () => {
    const { job } = await renderToEnd(SCENE);
    expect(job).toMatchObject({ status: 'completed', result: { fileName: 'Dot1.mp4' } });

    const listed = await fetch(`${s3.endpoint}/${s3.bucket}?list-type=2&prefix=${job.id}/`);
    expect(await listed.text()).toContain(`<Key>${job.id}/Dot1.mp4</Key>`);
    const video = await fetch(`${service.url}/api/animation/jobs/${job.id}/video`);
    expect(video.status).toBe(200);
    expect(video.headers.get('content-type')).toBe('video/mp4');
    expect(video.headers.get('accept-ranges')).toBe('bytes');
    const bytes = Buffer.from(await video.arrayBuffer());
    expect(bytes.subarray(4, 8).toString()).toBe('ftyp');
    expect(Number(video.headers.get('content-length'))).toBe(bytes.length);
    first = { id: job.id, bytes, etag: video.headers.get('etag') ?? '' };

    const part = await fetch(`${service.url}/api/animation/jobs/${job.id}/video`, {
      headers: { Range: 'bytes=0-99' },
    });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 0-99/${bytes.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(0, 100))).toBe(true);
    const cached = await fetch(`${service.url}/api/animation/jobs/${job.id}/video`, {
      headers: { 'If-None-Match': first.etag },
    });
    expect(cached.status).toBe(304);
    const beyond = await fetch(`${service.url}/api/animation/jobs/${job.id}/video`, {
      headers: { Range: `bytes=${bytes.length + 10}-` },
    });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe(`bytes */${bytes.length}`);

    expect(await readdir(apiRoot)).toEqual([]);
    expect(await readdir(path.join(workerRoot, 'outputs')).catch(() => [])).toEqual([]);
    expect(await readdir(path.join(workerRoot, 'temp')).catch(() => [])).toEqual([]);
  });

  it('redirects to a presigned URL of the bucket when S3_DOWNLOAD is redirect', async () => {
    const logger = createLogger({ level: 'error', service: 'test', silent: true });
    const redirecting: ApiProcess = await startApiProcess(
      { ...service.config, S3_DOWNLOAD: 'redirect' },
      logger,
    );
    try {
      const answer = await fetch(`${redirecting.url}/api/animation/jobs/${first.id}/video`, {
        redirect: 'manual',
      });
      expect(answer.status).toBe(302);
      const location = answer.headers.get('location') ?? '';
      expect(location.startsWith(`${s3.endpoint}/${s3.bucket}/${first.id}/Dot1.mp4?`)).toBe(true);
      const followed = await fetch(location, { headers: { Range: 'bytes=0-99' } });
      expect(followed.status).toBe(206);
      expect(Buffer.from(await followed.arrayBuffer()).equals(first.bytes.subarray(0, 100))).toBe(
        true,
      );
    } finally {
      await redirecting.close();
    }
  });

  it('reuses a finished video while the bucket keeps it, and renders again once retention removed it', async () => {
    const again = await service.submit({ code: SCENE, quality: 'low' });
    expect(again.body).toMatchObject({ id: first.id, reused: true, status: 'completed' });

    const store = s3OutputStore(loadConfig(s3.env));
    expect(await store.removeOlderThan(0, Date.now() + 1000)).toContain(first.id);
    const gone = await fetch(`${service.url}/api/animation/jobs/${first.id}/video`);
    expect(gone.status).toBe(404);
    expect(((await gone.json()) as { error: { code: string } }).error.code).toBe('job_not_found');

    const { submitted, job } = await renderToEnd(SCENE);
    expect(submitted.id).not.toBe(first.id);
    expect(submitted.reused).toBeUndefined();
    expect(job.status).toBe('completed');
  });

  it('cancels a running job and keeps nothing of it', async () => {
    const submitted = await service.submit({ code: ENDLESS_SCENE, quality: 'low' });
    await service.waitForActive(submitted.body.id);

    const cancelled = await fetch(`${service.url}/api/animation/jobs/${submitted.body.id}`, {
      method: 'DELETE',
    });
    expect(cancelled.status).toBe(200);
    expect((await service.getJob(submitted.body.id)).status).toBe('cancelled');
    const listed = await fetch(
      `${s3.endpoint}/${s3.bucket}?list-type=2&prefix=${submitted.body.id}/`,
    );
    expect(await listed.text()).not.toContain('<Key>');
  });

  it('keeps a video that finished while the store was down once the store is back', async () => {
    const submitted = await service.submit({ code: SCENE.replace('0.5', '0.6'), quality: 'low' });
    await service.waitForActive(submitted.body.id);
    await s3.stop();
    await logs.next('could not keep the video; trying again');
    await s3.start();

    const job = await service.waitForEnd(submitted.body.id);

    expect(job.status).toBe('completed');
    const video = await fetch(`${service.url}/api/animation/jobs/${job.id}/video`);
    expect(video.status).toBe(200);
  });

  it('answers 503 with Retry-After while the store is down, and /ready names it', async () => {
    await s3.stop();
    try {
      const video = await fetch(`${service.url}/api/animation/jobs/${first.id}/video`);
      expect(video.status).toBe(503);
      expect(video.headers.get('retry-after')).toMatch(/^\d+$/);
      const body = (await video.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('output_store_unavailable');
      expect(body.error.message).toContain(s3.endpoint);

      const ready = await fetch(`${service.url}/ready`);
      const verdict = (await ready.json()) as {
        checks: Record<string, unknown>;
        problems: string[];
      };
      expect(ready.status).toBe(503);
      expect(verdict.checks).not.toHaveProperty('disk');
      expect(verdict.checks.storage).toMatchObject({ ok: false, backend: 's3' });
      expect(verdict.problems.join('\n')).toContain('the object store cannot be used');
    } finally {
      await s3.start();
    }
    const ready = await fetch(`${service.url}/ready`);
    expect(((await ready.json()) as { checks: { storage: unknown } }).checks.storage).toMatchObject(
      { ok: true, backend: 's3', location: `${s3.endpoint} (bucket ${s3.bucket})` },
    );
  });

  it('fails a job with output_store_unavailable, naming the store, when it stays down', async () => {
    await s3.stop();
    try {
      const { job } = await renderToEnd(SCENE.replace('0.5', '0.7'));
      expect(job).toMatchObject({
        status: 'failed',
        error: { code: 'output_store_unavailable' },
      });
      expect(job.error?.message).toContain('after 4 attempts');
      expect(job.error?.message).toContain(s3.endpoint);
    } finally {
      await s3.start();
    }
  });
});
