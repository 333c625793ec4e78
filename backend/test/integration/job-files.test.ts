import { redisKeyspace } from '../../src/config/redis-settings';
import { Redis } from 'ioredis';
import { createLogger } from '../../src/logging/logger';
import { startWorkerProcess, type WorkerProcess } from '../../src/processes/worker-process';
import { gzipSync } from 'node:zlib';
import { buildTarGz, gzippedZeros, TAR_END, tarFile, tarHeader } from '../support/archives';
import { testEnvironment } from './support/test-environment';
import { startTestService, type TestService } from './support/test-service';
import { twoColourPng } from './support/media-files';
import { waitUntil } from './support/wait-until';

const SCENE = [
  'from manim import *',
  '',
  '',
  'class Logo(Scene):',
  '    def construct(self):',
  '        self.add(ImageMobject("images/logo.png"))',
  '',
].join('\n');
const logo = twoColourPng(8, 8, [0, 255, 0], [255, 255, 255]);

describe('files sent with a scene', () => {
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(testEnvironment().redisUrl);
  });
  afterAll(() => redis.disconnect());

  describe('while no worker runs', () => {
    let service: TestService;
    beforeAll(async () => {
      service = await startTestService({ worker: false });
    });
    afterAll(() => service?.close());

    const filesKey = (id: string) => `${redisKeyspace(service.config).root}:job-files:${id}`;

    it('wait in Redis with the queued job, which lists them', async () => {
      const submitted = await service.submitForm({ code: SCENE, format: 'png' }, [
        { field: 'assets', name: 'images/logo.png', content: logo },
      ]);

      expect(submitted.status).toBe(202);
      const job = await service.getJob(submitted.body.id);
      expect(job.assets).toEqual([{ path: 'images/logo.png', sizeBytes: logo.length }]);
      expect(await redis.hgetBuffer(filesKey(job.id), 'images/logo.png')).toEqual(logo);
      expect(await redis.ttl(filesKey(job.id))).toBeGreaterThan(3600);
    });

    it('make a request identical only when their paths and contents are', async () => {
      const send = (content: Buffer, name = 'images/logo.png') =>
        service.submitForm({ code: SCENE, format: 'png', quality: 'low' }, [
          { field: 'assets', name, content },
        ]);
      const first = await send(logo);
      expect((await send(logo)).body).toMatchObject({ id: first.body.id, reused: true });
      expect((await send(Buffer.concat([logo, Buffer.from([0])]))).body.id).not.toBe(first.body.id);
      expect((await send(logo, 'logo.png')).body.id).not.toBe(first.body.id);
    });

    it('are removed with a queued job that is cancelled', async () => {
      const { body } = await service.submitForm({ code: SCENE, quality: 'high' }, [
        { field: 'assets', name: 'images/logo.png', content: logo },
      ]);
      const cancelled = await fetch(`${service.url}${body.links.self}`, { method: 'DELETE' });
      expect(cancelled.status).toBe(200);
      expect(await redis.exists(filesKey(body.id))).toBe(0);
    });

    it('refuse an unsafe project entry with a 422 that names it', async () => {
      const project = await buildTarGz([
        { name: 'scene.py', content: SCENE },
        { name: 'images/logo.png', type: 'symlink', linkname: '/etc/shadow' },
      ]);
      const { status, body } = await service.submitForm({}, [
        { field: 'project', name: 'project.tar.gz', content: project },
      ]);
      expect(status).toBe(422);
      expect(body.error?.message).toContain('project entry "images/logo.png" is a symbolic link');
    });

    it('refuse archive bombs with a 413 naming the limit, while the API keeps answering', async () => {
      const GiB = 1024 ** 3;
      const sendProject = (content: Buffer) =>
        service.submitForm({}, [{ field: 'project', name: 'project.tar.gz', content }]);
      // 20 MB that inflate to 20 GiB: clutter that declares them, or zeros after the archive's end.
      const clutterBomb = Buffer.concat([
        gzipSync(Buffer.concat([tarFile('scene.py', SCENE), tarHeader('__MACOSX/._x', 20 * GiB)])),
        gzippedZeros(20 * GiB),
      ]);
      const paddedProject = Buffer.concat([
        gzipSync(
          Buffer.concat([tarFile('scene.py', SCENE), tarFile('images/logo.png', logo), TAR_END]),
        ),
        gzippedZeros(20 * GiB),
      ]);

      const bombs = Array.from({ length: 6 }, () => sendProject(clutterBomb));
      const health = await fetch(`${service.url}/health`);
      const answers = await Promise.all(bombs);

      expect(health.status).toBe(200);
      for (const { status, body } of answers) {
        expect(status).toBe(413);
        expect(body.error?.message).toContain('"project.tar.gz" inflates to more than');
        expect(body.error?.message).toContain('MAX_ASSETS_TOTAL_MB');
      }
      const padded = await sendProject(paddedProject);
      expect(padded.status).toBe(202);
      expect((await service.getJob(padded.body.id)).assets).toEqual([
        { path: 'images/logo.png', sizeBytes: logo.length },
      ]);
    });

    it('refuse a file over the size limit with a 413 that names it', async () => {
      const limit = service.config.MAX_ASSET_FILE_MB * 1024 * 1024;
      const { status, body } = await service.submitForm({ code: SCENE }, [
        { field: 'assets', name: 'huge.bin', content: Buffer.alloc(limit + 1) },
      ]);
      expect(status).toBe(413);
      expect(body.error?.message).toContain('"huge.bin"');
    });

    it('answer an unknown Manim version with the versions served', async () => {
      const { status, body } = await service.submit({ code: SCENE, manimVersion: '0.17.3' });
      expect(status).toBe(400);
      expect(body.error?.message).toContain(
        `manimVersion must be one of the Manim versions this server renders with: ${service.config.MANIM_VERSIONS.join(', ')}`,
      );
    });

    it('are described in /api/limits with the versions served', async () => {
      const limits = (await (await fetch(`${service.url}/api/limits`)).json()) as {
        manimVersions: string[];
        defaults: { manimVersion: string };
        assets: Record<string, unknown>;
      };
      expect(limits.manimVersions).toEqual(service.config.MANIM_VERSIONS);
      expect(limits.defaults.manimVersion).toBe(service.config.MANIM_VERSIONS[0]);
      expect(limits.assets).toMatchObject({
        maxFiles: service.config.MAX_ASSET_FILES,
        archiveFormats: ['zip', 'tar.gz'],
      });
    });
  });

  describe('with a worker', () => {
    let service: TestService;
    beforeAll(async () => {
      service = await startTestService();
    });
    afterAll(() => service?.close());

    it('reach the render and are removed once the job has ended', async () => {
      const { body } = await service.submitForm({ code: SCENE, format: 'png', quality: 'low' }, [
        { field: 'assets', name: 'images/logo.png', content: logo },
      ]);
      const job = await service.waitForEnd(body.id);

      expect(job.status).toBe('completed');
      expect(job.result?.contentType).toBe('image/png');
      // The end is announced right after the state is stored; the removal follows it.
      const key = `${redisKeyspace(service.config).root}:job-files:${body.id}`;
      await waitUntil(
        'the files are removed',
        () => redis.exists(key),
        (count) => count === 0,
      );
    });
  });

  it('fail their job with a reason when they are gone before it renders', async () => {
    const service = await startTestService({ worker: false });
    let worker: WorkerProcess | undefined;
    try {
      const { body } = await service.submitForm({ code: SCENE, format: 'png', quality: 'low' }, [
        { field: 'assets', name: 'images/logo.png', content: logo },
      ]);
      await redis.del(`${redisKeyspace(service.config).root}:job-files:${body.id}`);
      worker = await startWorkerProcess(
        service.config,
        createLogger({ level: 'error', service: 'test', silent: true }),
      );

      const job = await service.waitForEnd(body.id);
      expect(job.status).toBe('failed');
      expect(job.error).toMatchObject({
        code: 'job_files_missing',
        message: expect.stringContaining('images/logo.png') as string,
      });
    } finally {
      await worker?.close();
      await service.close();
    }
  });
});
