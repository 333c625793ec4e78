import type { JobFolderRun } from '../render-engine/render-engine';
import { watchFolder } from './folder-limits';
import { walkFolderUsage } from './walk-folder';
import type { RunOptions } from '../render-engine/containers/render-container-runner';
import { containerFolderUsage } from './container-folder-usage';
import { jobCopyHooks } from './job-copy';

/** How often a running render's job folder is measured. */
export const FOLDER_CHECK_INTERVAL_MS = 500;

/**
 * What a run does with its job folder: copy it in and out when the daemon cannot mount it, and
 * stop the run when the folder grows past its limits. A mounted folder is walked on the worker's
 * side, where the render cannot interfere; a copied one (a volume only the daemon sees) is
 * measured with `du` inside the render container.
 */
export function jobFolderHooks(
  folder: JobFolderRun,
): Pick<RunOptions, 'guard' | 'beforeStart' | 'afterExit'> {
  const every = { intervalMs: FOLDER_CHECK_INTERVAL_MS };
  if (folder.placement.kind === 'mount') {
    return {
      guard: (_container, signal) =>
        watchFolder((within) => walkFolderUsage(folder.workerDir, within), folder.limits, {
          ...every,
          signal,
        }),
    };
  }
  return {
    ...jobCopyHooks({
      workerDir: folder.workerDir,
      target: folder.target,
      owner: folder.owner,
      outputDir: folder.outputDir,
      // What comes back is within what the folder could hold.
      limits: folder.limits,
    }),
    guard: (container, signal) =>
      watchFolder(() => containerFolderUsage(container, folder.target), folder.limits, {
        ...every,
        signal,
      }),
  };
}
