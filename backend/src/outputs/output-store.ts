import { access, chmod, copyFile, mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';

/** Finished videos, one folder per job: `<outputsDir>/<jobId>/<fileName>`. */
export async function storeOutput(options: {
  outputsDir: string;
  jobId: string;
  sourcePath: string;
  fileName: string;
}): Promise<{ path: string; sizeBytes: number }> {
  const jobDir = path.resolve(options.outputsDir, options.jobId);
  await mkdir(jobDir, { recursive: true });
  const target = path.join(jobDir, options.fileName);
  try {
    await rename(options.sourcePath, target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    await copyFile(options.sourcePath, target);
    await rm(options.sourcePath, { force: true });
  }
  await chmod(target, 0o644);
  return { path: target, sizeBytes: (await stat(target)).size };
}

/** Whether a completed job's file is still in the outputs folder (retention may remove it). */
export async function outputFileExists(
  outputsDir: string,
  job: { id: string; result?: { fileName: string } },
): Promise<boolean> {
  if (!job.result) return false;
  try {
    await access(path.resolve(outputsDir, job.id, job.result.fileName));
    return true;
  } catch {
    return false;
  }
}
