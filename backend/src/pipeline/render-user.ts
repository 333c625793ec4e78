import type { FileOwner } from '../job-folders/job-workspace';

/** The non-root identity a render container runs as. */
export const DEFAULT_RENDER_USER: FileOwner = { uid: 1000, gid: 1000 };

/**
 * `auto` renders as the worker's own uid:gid so that the worker owns every file the render
 * writes; a root worker renders as the image's unprivileged user instead and hands the job
 * folder to it.
 */
export function resolveRenderUser(setting: string, worker: FileOwner): FileOwner {
  const explicit = /^(\d+):(\d+)$/.exec(setting);
  if (explicit) return { uid: Number(explicit[1]), gid: Number(explicit[2]) };
  return worker.uid === 0 ? DEFAULT_RENDER_USER : worker;
}

/**
 * Who a job's render runs as: RENDER_USER when it names someone, otherwise the owner of the job
 * folder the worker just prepared (`intended`, unless the file system would not hand it over), and
 * never root by default.
 */
export function renderUserFor(
  setting: string,
  folderOwner: FileOwner,
  intended: FileOwner,
): FileOwner {
  if (setting !== 'auto') return intended;
  return folderOwner.uid === 0 ? intended : folderOwner;
}
