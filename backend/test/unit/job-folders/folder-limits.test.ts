import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { breachOf, watchFolder } from '../../../src/job-folders/folder-limits';
import { walkFolderUsage } from '../../../src/job-folders/walk-folder';

const limits = { maxBytes: 1000, maxEntries: 10 };

describe('the limits of a job folder', () => {
  it('are breached by too many entries or too many bytes, naming the setting', () => {
    expect(breachOf({ bytes: 1000, entries: 10 }, limits)).toBeUndefined();
    expect(breachOf({ bytes: 0, entries: 11 }, limits)).toMatchObject({
      code: 'job_folder_too_many_files',
      details: { entries: 11, limit: 10, setting: 'JOB_FOLDER_MAX_FILES' },
    });
    expect(breachOf({ bytes: 1001, entries: 1 }, limits)).toMatchObject({
      code: 'job_folder_too_large',
      details: { bytes: 1001, limitBytes: 1000, setting: 'JOB_FOLDER_MAX_MB' },
    });
  });

  it('are watched until a measurement is over them, skipping measurements that fail', async () => {
    const readings = [
      Promise.resolve({ bytes: 10, entries: 1 }),
      Promise.reject(new Error('container busy')),
      Promise.resolve(undefined),
      Promise.resolve({ bytes: 10, entries: 50 }),
    ];
    readings[1]?.catch(() => undefined);
    let calls = 0;
    const breach = await watchFolder(
      () => readings[calls++] ?? Promise.resolve(undefined),
      limits,
      { intervalMs: 1, signal: new AbortController().signal },
    );
    expect(calls).toBe(4);
    expect(breach?.code).toBe('job_folder_too_many_files');
  });

  it('stop being watched when the run ends', async () => {
    const ended = new AbortController();
    const watching = watchFolder(async () => ({ bytes: 0, entries: 0 }), limits, {
      intervalMs: 5,
      signal: ended.signal,
    });
    ended.abort();
    await expect(watching).resolves.toBeUndefined();
  });
});

describe('walking a job folder', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'manim-walk-'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('counts every file and folder and the bytes of the files', async () => {
    await mkdir(path.join(root, 'media/videos'), { recursive: true });
    await writeFile(path.join(root, 'scene.py'), 'x'.repeat(100));
    await writeFile(path.join(root, 'media/videos/a.mp4'), 'x'.repeat(300));

    expect(await walkFolderUsage(root, limits)).toEqual({ bytes: 400, entries: 4 });
  });

  it('stops as soon as a limit is passed', async () => {
    for (let index = 0; index < 100; index++) await writeFile(path.join(root, `f${index}`), '');

    expect(await walkFolderUsage(root, limits)).toEqual({ bytes: 0, entries: 11 });
  });
});
