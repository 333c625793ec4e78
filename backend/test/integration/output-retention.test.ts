import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { removeExpiredJobFolders } from '../../src/outputs/retention';

describe('removing expired job folders', () => {
  let root: string;

  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'manim-retention-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  async function jobFolder(name: string, ageHours: number): Promise<void> {
    const folder = path.join(root, name);
    await mkdir(folder);
    await writeFile(path.join(folder, 'Scene.mp4'), 'video');
    const changed = new Date(Date.now() - ageHours * 3600 * 1000);
    await utimes(folder, changed, changed);
  }

  it('removes the folders older than the retention and keeps the newer ones', async () => {
    await jobFolder('old-job', 200);
    await jobFolder('new-job', 1);
    await writeFile(path.join(root, '.gitkeep'), '');

    const removed = await removeExpiredJobFolders(root, 168 * 3600 * 1000);
    expect(removed).toEqual(['old-job']);
    expect((await readdir(root)).sort()).toEqual(['.gitkeep', 'new-job']);
  });

  it('treats a missing root as empty', async () => {
    expect(await removeExpiredJobFolders(path.join(root, 'missing'), 1000)).toEqual([]);
  });
});
