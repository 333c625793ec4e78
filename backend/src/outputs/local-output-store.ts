import { constants } from 'node:fs';
import { access, chmod, copyFile, link, mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { freeDiskBytes } from './disk-space';
import type { OutputStore } from './output-store';
import { removeExpiredJobFolders } from './retention';

/**
 * Finished videos in a folder, one folder per job: `<dir>/<jobId>/<fileName>`. The API serves
 * them from the same folder, so the API and every worker share its disk.
 */
export function localOutputStore(outputsDir: string): OutputStore {
  const root = path.resolve(outputsDir);
  const pathOf = (jobId: string, fileName: string) => path.join(root, jobId, fileName);

  return {
    backend: 'local',
    location: root,

    async save({ jobId, fileName, sourcePath }) {
      await mkdir(path.join(root, jobId), { recursive: true });
      const target = pathOf(jobId, fileName);
      try {
        await rename(sourcePath, target);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
        await copyFile(sourcePath, target);
        await rm(sourcePath, { force: true });
      }
      await chmod(target, 0o644);
      return { sizeBytes: (await stat(target)).size };
    },

    async exists({ jobId, fileName }) {
      try {
        await access(pathOf(jobId, fileName));
        return true;
      } catch {
        return false;
      }
    },

    // A hard link costs no space; the retention counts from the new job's folder.
    async copy({ jobId, fileName }, toJobId) {
      await mkdir(path.join(root, toJobId), { recursive: true });
      const target = pathOf(toJobId, fileName);
      await rm(target, { force: true });
      await link(pathOf(jobId, fileName), target).catch(() =>
        copyFile(pathOf(jobId, fileName), target),
      );
    },

    async fetch({ jobId, fileName }, targetPath) {
      await copyFile(pathOf(jobId, fileName), targetPath);
    },

    async remove({ jobId, fileName }) {
      await rm(pathOf(jobId, fileName), { force: true });
    },

    async removeJob(jobId) {
      await rm(path.join(root, jobId), { recursive: true, force: true });
    },

    // The route sends the file itself: `root` keeps it from leaving the folder.
    deliver: ({ jobId, fileName }) =>
      Promise.resolve({ kind: 'file', root, path: `${jobId}/${fileName}` }),

    removeOlderThan: (maxAgeMs, now) => removeExpiredJobFolders(root, maxAgeMs, now),

    freeBytes: () => freeDiskBytes(root),

    async check() {
      await mkdir(root, { recursive: true });
      await access(root, constants.R_OK | constants.X_OK);
    },
  };
}
