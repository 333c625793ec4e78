import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config/config-schema';
import type { Logger } from '../logging/logger';
import type { OutputStore } from './output-store';

/** A job folder in TEMP_DIR outlives its job only when a worker died; this is long past any render. */
const STALE_JOB_FOLDER_MS = 24 * 3600_000;

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

/** Outputs older than the retention (JOB_RETENTION_HOURS), and job folders of workers that died. */
export async function removeExpiredFiles(
  outputs: Pick<OutputStore, 'removeOlderThan'>,
  config: Pick<Config, 'TEMP_DIR' | 'JOB_RETENTION_HOURS'>,
  logger: Logger,
): Promise<void> {
  const expired = await outputs.removeOlderThan(config.JOB_RETENTION_HOURS * 3600_000);
  const folders = await removeExpiredJobFolders(config.TEMP_DIR, STALE_JOB_FOLDER_MS);
  if (expired.length + folders.length > 0) {
    logger.info('removed expired files', { outputs: expired.length, jobFolders: folders.length });
  }
}
