import { mkdir, statfs } from 'node:fs/promises';

/** Free bytes, for an unprivileged user, on the file system that holds `dir`. */
export async function freeDiskBytes(dir: string): Promise<number> {
  await mkdir(dir, { recursive: true });
  const stats = await statfs(dir);
  return stats.bavail * stats.bsize;
}
