import type { Config } from '../config/config-schema';
import { containerFolderUsage } from '../docker/container-folder-usage';
import type { RunGuard } from '../docker/render-container-runner';
import { watchFolder, type FolderLimits } from '../folder-limits/folder-limits';
import { walkFolderUsage } from '../folder-limits/walk-folder';

/** How often a running render's job folder is measured. */
export const FOLDER_CHECK_INTERVAL_MS = 500;

export function jobFolderLimits(
  config: Pick<Config, 'JOB_FOLDER_MAX_MB' | 'JOB_FOLDER_MAX_FILES'>,
): FolderLimits {
  return {
    maxBytes: config.JOB_FOLDER_MAX_MB * 1024 * 1024,
    maxEntries: config.JOB_FOLDER_MAX_FILES,
  };
}

/**
 * Stops a render whose job folder grows past JOB_FOLDER_MAX_MB or JOB_FOLDER_MAX_FILES. A mounted
 * folder is walked on the worker's side, where the render cannot interfere; a copied one (a
 * volume only the daemon sees) is measured with `du` inside the render container.
 */
export function jobFolderGuard(
  config: Pick<Config, 'JOB_FOLDER_MAX_MB' | 'JOB_FOLDER_MAX_FILES'>,
  folder: { seenBy: 'worker'; path: string } | { seenBy: 'container'; path: string },
): RunGuard {
  const limits = jobFolderLimits(config);
  return (container, signal) =>
    watchFolder(
      folder.seenBy === 'worker'
        ? (within) => walkFolderUsage(folder.path, within)
        : () => containerFolderUsage(container, folder.path),
      limits,
      { intervalMs: FOLDER_CHECK_INTERVAL_MS, signal },
    );
}
