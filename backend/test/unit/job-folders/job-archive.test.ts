import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tar from 'tar-stream';
import { extractJobArchive, packJobFolder } from '../../../src/job-folders/job-archive';

const roomy = { maxBytes: 1024 * 1024, maxEntries: 100 };

/** An archive with exactly these entries, as an engine or a hostile render could produce. */
function archiveOf(entries: Array<{ header: tar.Headers; content?: string }>): tar.Pack {
  const pack = tar.pack();
  for (const entry of entries) pack.entry(entry.header, entry.content);
  pack.finalize();
  return pack;
}

async function listOf(stream: NodeJS.ReadableStream): Promise<tar.Headers[]> {
  const headers: tar.Headers[] = [];
  const extract = tar.extract();
  extract.on('entry', (header, body, next) => {
    headers.push(header);
    body.on('end', () => next()).resume();
  });
  await new Promise<void>((resolve, reject) => {
    extract.on('finish', resolve).on('error', reject);
    stream.pipe(extract);
  });
  return headers;
}

describe('job folders as tar streams', () => {
  let work: string;
  beforeEach(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'job-archive-'));
  });
  afterEach(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('packs the folder with its root, owned by the render user', async () => {
    const job = path.join(work, 'job');
    await mkdir(path.join(job, 'media'), { recursive: true });
    await mkdir(path.join(job, 'home'));
    await writeFile(path.join(job, 'scene.py'), 'print(1)\n');

    const headers = await listOf(await packJobFolder(job, { uid: 1000, gid: 1001 }));

    expect(headers.map((header) => [header.name, header.type])).toEqual([
      ['./', 'directory'],
      ['home/', 'directory'],
      ['media/', 'directory'],
      ['scene.py', 'file'],
    ]);
    expect(headers.every((header) => header.uid === 1000 && header.gid === 1001)).toBe(true);
  });

  it('unpacks regular files and folders below the destination', async () => {
    const archive = archiveOf([
      { header: { name: 'media/', type: 'directory' } },
      { header: { name: 'media/videos/scene/480p15/A.mp4', type: 'file' }, content: 'video' },
    ]);

    const outcome = await extractJobArchive(archive, work, roomy);

    expect(outcome).toEqual({ files: 1, bytes: 5, skipped: [] });
    expect(await readFile(path.join(work, 'media/videos/scene/480p15/A.mp4'), 'utf8')).toBe(
      'video',
    );
  });

  it('skips links and paths that would leave the destination', async () => {
    const archive = archiveOf([
      { header: { name: 'media/link', type: 'symlink', linkname: '/etc/passwd' } },
      { header: { name: 'media/hard', type: 'link', linkname: '../../etc/shadow' } },
      { header: { name: '../escape.txt', type: 'file' }, content: 'out' },
      { header: { name: 'media/ok.txt', type: 'file' }, content: 'in' },
    ]);

    const outcome = await extractJobArchive(archive, path.join(work, 'dest'), roomy);

    expect(outcome.skipped).toEqual(['media/link', 'media/hard', '../escape.txt']);
    expect(await readdir(work)).toEqual(['dest']);
    expect(await readdir(path.join(work, 'dest/media'))).toEqual(['ok.txt']);
  });

  it('fails with output_too_large past the byte or entry limit', async () => {
    const big = archiveOf([{ header: { name: 'a.bin', type: 'file' }, content: 'x'.repeat(2048) }]);
    await expect(
      extractJobArchive(big, work, { maxBytes: 1024, maxEntries: 100 }),
    ).rejects.toMatchObject({ code: 'output_too_large' });

    const many = archiveOf(
      Array.from({ length: 5 }, (_, index) => ({
        header: { name: `f${index}.txt`, type: 'file' as const },
        content: '.',
      })),
    );
    await expect(
      extractJobArchive(many, work, { maxBytes: 1024, maxEntries: 3 }),
    ).rejects.toMatchObject({
      code: 'output_too_large',
      message: expect.stringMatching(/more than 3 files/),
    });
  });
});
