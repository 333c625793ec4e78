import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import { loadConfig } from '../../src/config/load-config';
import {
  OutputStoreUnavailableError,
  type Delivery,
  type OutputStore,
} from '../../src/outputs/output-store';
import { s3OutputStore } from '../../src/outputs/s3-output-store';
import { startS3Server, type S3Server } from './support/seaweedfs';

let root: string;
let server: S3Server;
let store: OutputStore;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 's3-output-store-'));
  server = await startS3Server(path.join(root, 'seaweedfs'));
  store = s3OutputStore(loadConfig({ ...server.env, S3_PREFIX: 'renders/' }));
});

afterAll(async () => {
  await server.stop();
  await rm(root, { recursive: true, force: true });
});

async function fileWith(content: Buffer): Promise<string> {
  const file = path.join(root, `${Math.random().toString(36).slice(2)}.mp4`);
  await writeFile(file, content);
  return file;
}

const VIDEO = { fileName: 'Intro.mp4', contentType: 'video/mp4' };
const INLINE = { contentDisposition: 'inline; filename="Intro.mp4"' };

async function streamed(delivery: Delivery): Promise<{ status: number; bytes: Buffer }> {
  if (delivery.kind !== 'stream') throw new Error(`expected a stream, got ${delivery.kind}`);
  return {
    status: delivery.status,
    bytes: delivery.body ? await buffer(delivery.body) : Buffer.alloc(0),
  };
}

describe('the S3 output store against a real S3 server', () => {
  it('keeps a file under the prefix, removes the local copy and streams it back', async () => {
    const content = randomBytes(5000);
    const source = await fileWith(content);

    expect(await store.save({ jobId: 'job-a', ...VIDEO, sourcePath: source })).toEqual({
      sizeBytes: 5000,
    });

    await expect(readFile(source)).rejects.toThrow(/ENOENT/);
    const listed = await fetch(`${server.endpoint}/${server.bucket}?list-type=2&prefix=renders/`);
    expect(await listed.text()).toContain('<Key>renders/job-a/Intro.mp4</Key>');
    expect(await store.exists({ jobId: 'job-a', fileName: 'Intro.mp4' })).toBe(true);
    expect(await store.exists({ jobId: 'job-b', fileName: 'Intro.mp4' })).toBe(false);
    const whole = await streamed(await store.deliver({ jobId: 'job-a', ...VIDEO }, INLINE));
    expect(whole.status).toBe(200);
    expect(whole.bytes.equals(content)).toBe(true);
  });

  it('answers a byte range, an unsatisfiable range, and a current ETag as S3 does', async () => {
    const content = randomBytes(1000);
    await store.save({ jobId: 'job-r', ...VIDEO, sourcePath: await fileWith(content) });
    const file = { jobId: 'job-r', ...VIDEO };

    const part = await store.deliver(file, { ...INLINE, range: 'bytes=100-199' });
    expect(part).toMatchObject({
      kind: 'stream',
      status: 206,
      headers: { contentLength: 100, contentRange: 'bytes 100-199/1000' },
    });
    expect((await streamed(part)).bytes.equals(content.subarray(100, 200))).toBe(true);

    const beyond = await store.deliver(file, { ...INLINE, range: 'bytes=5000-' });
    expect(beyond).toMatchObject({
      kind: 'stream',
      status: 416,
      headers: { contentRange: 'bytes */1000' },
    });

    const whole = await store.deliver(file, INLINE);
    if (whole.kind !== 'stream') throw new Error('expected a stream');
    whole.body?.destroy();
    const etag = whole.headers.etag;
    expect(etag).toBeDefined();
    const cached = await store.deliver(file, { ...INLINE, ifNoneMatch: etag ?? '' });
    expect(cached).toMatchObject({ kind: 'stream', status: 304 });
  });

  it('uploads a file larger than one part in several parts', async () => {
    const content = randomBytes(20 * 1024 * 1024);
    await store.save({ jobId: 'job-big', ...VIDEO, sourcePath: await fileWith(content) });

    const back = await streamed(await store.deliver({ jobId: 'job-big', ...VIDEO }, INLINE));
    expect(back.bytes.length).toBe(content.length);
    expect(back.bytes.equals(content)).toBe(true);
  });

  it('copies a kept file to this host, and removes every file of a job at once', async () => {
    const first = randomBytes(3000);
    const second = randomBytes(4000);
    await store.save({
      jobId: 'job-r',
      fileName: 'uncached_00000.mp4',
      contentType: 'video/mp4',
      sourcePath: await fileWith(first),
    });
    await store.save({
      jobId: 'job-r',
      fileName: 'uncached_00001.mp4',
      contentType: 'video/mp4',
      sourcePath: await fileWith(second),
    });
    await store.save({ jobId: 'job-s', ...VIDEO, sourcePath: await fileWith(first) });

    const target = path.join(root, 'fetched.mp4');
    await store.fetch({ jobId: 'job-r', fileName: 'uncached_00001.mp4' }, target);
    expect(await readFile(target)).toEqual(second);

    await store.removeJob('job-r');
    expect(await store.exists({ jobId: 'job-r', fileName: 'uncached_00000.mp4' })).toBe(false);
    expect(await store.exists({ jobId: 'job-r', fileName: 'uncached_00001.mp4' })).toBe(false);
    expect(await store.exists({ jobId: 'job-s', fileName: 'Intro.mp4' })).toBe(true);
  });

  it('copies a file to another job, which keeps it after the first job is gone', async () => {
    const content = randomBytes(6000);
    await store.save({ jobId: 'job-of-a', ...VIDEO, sourcePath: await fileWith(content) });

    await store.copy({ jobId: 'job-of-a', fileName: 'Intro.mp4' }, 'job-of-b');
    await store.removeJob('job-of-a');

    const target = path.join(root, 'copied.mp4');
    await store.fetch({ jobId: 'job-of-b', fileName: 'Intro.mp4' }, target);
    expect(await readFile(target)).toEqual(content);
    const delivered = await store.deliver(
      { jobId: 'job-of-b', ...VIDEO },
      { ...INLINE, range: 'bytes=0-9' },
    );
    expect((await streamed(delivered)).bytes).toEqual(content.subarray(0, 10));
    await expect(store.copy({ jobId: 'job-of-a', fileName: 'Intro.mp4' }, 'job-c')).rejects.toThrow(
      OutputStoreUnavailableError,
    );
  });

  it('says a file is missing when the bucket has none', async () => {
    expect(await store.deliver({ jobId: 'job-none', ...VIDEO }, INLINE)).toEqual({
      kind: 'missing',
    });
  });

  it('redirects to a presigned URL that serves the file with its type, disposition and ranges', async () => {
    const content = randomBytes(3000);
    await store.save({ jobId: 'job-p', ...VIDEO, sourcePath: await fileWith(content) });
    const redirecting = s3OutputStore(
      loadConfig({ ...server.env, S3_PREFIX: 'renders/', S3_DOWNLOAD: 'redirect' }),
    );
    const disposition = 'attachment; filename="Intro.mp4"';

    const delivery = await redirecting.deliver(
      { jobId: 'job-p', ...VIDEO },
      { contentDisposition: disposition },
    );
    if (delivery.kind !== 'redirect') throw new Error(`expected a redirect, got ${delivery.kind}`);

    const response = await fetch(delivery.url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('video/mp4');
    expect(response.headers.get('content-disposition')).toBe(disposition);
    expect(Buffer.from(await response.arrayBuffer()).equals(content)).toBe(true);
    const ranged = await fetch(delivery.url, { headers: { Range: 'bytes=0-9' } });
    expect(ranged.status).toBe(206);
    expect(Buffer.from(await ranged.arrayBuffer()).equals(content.subarray(0, 10))).toBe(true);
    expect(
      await redirecting.deliver(
        { jobId: 'job-none', ...VIDEO },
        { contentDisposition: disposition },
      ),
    ).toEqual({ kind: 'missing' });
  });

  it('removes the files older than the retention and keeps the rest and what is not its own', async () => {
    await store.save({ jobId: 'job-old', ...VIDEO, sourcePath: await fileWith(randomBytes(10)) });
    const others = ['renders/notes.txt', 'renders/a/b/c.txt'];
    for (const key of others) {
      const put = await fetch(`${server.endpoint}/${server.bucket}/${key}`, {
        method: 'PUT',
        body: 'not a video',
      });
      expect(put.status).toBe(200);
    }
    const later = Date.now() + 3600_000;

    const removed = await store.removeOlderThan(30 * 60_000, later);

    expect(removed).toContain('job-old');
    expect(removed).not.toContain('a');
    const listed = await fetch(`${server.endpoint}/${server.bucket}?list-type=2&prefix=renders/`);
    const keys = await listed.text();
    for (const key of others) expect(keys).toContain(`<Key>${key}</Key>`);
    expect(await store.exists({ jobId: 'job-old', fileName: 'Intro.mp4' })).toBe(false);
    await store.save({ jobId: 'job-new', ...VIDEO, sourcePath: await fileWith(randomBytes(10)) });
    expect(await store.removeOlderThan(3600_000)).not.toContain('job-new');
    expect(await store.exists({ jobId: 'job-new', fileName: 'Intro.mp4' })).toBe(true);
  });

  it('checks that the bucket can be written, and names a bucket that does not exist', async () => {
    await expect(store.check()).resolves.toBeUndefined();
    expect(await store.freeBytes()).toBeUndefined();
    const elsewhere = s3OutputStore(loadConfig({ ...server.env, S3_BUCKET: 'no-such-bucket' }));
    await expect(elsewhere.check()).rejects.toThrow(
      /bucket no-such-bucket\).*(NoSuchBucket|AccessDenied)/,
    );
  });

  it('reports a server that does not answer as unavailable, naming it', async () => {
    await server.stop();
    try {
      const source = await fileWith(randomBytes(10));
      const saving = store.save({ jobId: 'job-down', ...VIDEO, sourcePath: source });
      await expect(saving).rejects.toBeInstanceOf(OutputStoreUnavailableError);
      await expect(saving).rejects.toThrow(server.endpoint);
      expect((await readFile(source)).length).toBe(10);
      await expect(store.check()).rejects.toThrow(/ECONNREFUSED/);
      await expect(store.deliver({ jobId: 'job-new', ...VIDEO }, INLINE)).rejects.toBeInstanceOf(
        OutputStoreUnavailableError,
      );
    } finally {
      await server.start();
    }
    expect(await store.exists({ jobId: 'job-new', fileName: 'Intro.mp4' })).toBe(true);
  });
});
