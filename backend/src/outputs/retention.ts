import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * Removes the per-job folders below `root` (`<root>/<job id>/`) last changed before
 * `now - maxAgeMs`. Returns the names removed. A folder that vanishes meanwhile is skipped.
 */
export async function removeExpiredJobFolders(
  root: string,
  maxAgeMs: number,
  now: number = Date.now(),
): Promise<string[]> {
  const entries = await readdir(root, { withFileTypes: true }).catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      throw error;
    },
  );
  const removed: string[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const folder = path.join(root, entry.name);
    const changed = await stat(folder).then(
      (stats) => stats.mtimeMs,
      () => undefined,
    );
    if (changed === undefined || now - changed <= maxAgeMs) continue;
    await rm(folder, { recursive: true, force: true });
    removed.push(entry.name);
  }
  return removed;
}
