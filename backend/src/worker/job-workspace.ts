import { chown, chmod, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface FileOwner {
  uid: number;
  gid: number;
}

/** A job's private folder while it renders: inputs written in, outputs listed, then removed. */
export interface JobWorkspace {
  /** Absolute path of the folder on the worker's side. */
  readonly dir: string;
  /** Every regular file below `relativeDir`, as paths relative to it with "/" separators. */
  listFiles(relativeDir: string): Promise<string[]>;
  pathOf(relativePath: string): string;
  remove(): Promise<void>;
}

/**
 * Creates `<tempDir>/<jobId>/` with the given files and empty folders. When the render runs as
 * another user than the worker, the folder is handed to that user (as root) or opened to it.
 */
export async function createJobWorkspace(options: {
  tempDir: string;
  jobId: string;
  files: Record<string, string>;
  dirs: string[];
  renderUser: FileOwner;
}): Promise<JobWorkspace> {
  const dir = path.resolve(options.tempDir, options.jobId);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const created = [dir];
  for (const sub of options.dirs) {
    const subDir = path.join(dir, sub);
    await mkdir(subDir, { recursive: true });
    created.push(subDir);
  }
  for (const [name, content] of Object.entries(options.files)) {
    const file = path.join(dir, name);
    await writeFile(file, content, { mode: 0o644 });
    created.push(file);
  }
  await handOver(created, options.renderUser);
  return {
    dir,
    listFiles: (relativeDir) => listFilesBelow(path.join(dir, relativeDir)),
    pathOf: (relativePath) => path.join(dir, relativePath),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

async function handOver(paths: string[], renderUser: FileOwner): Promise<void> {
  const workerUid = process.getuid?.() ?? 0;
  if (renderUser.uid === workerUid) return;
  if (workerUid === 0) {
    for (const entry of paths) await chown(entry, renderUser.uid, renderUser.gid);
    return;
  }
  // A non-root worker cannot give files away; it opens its folders to the render user instead.
  for (const entry of paths) await chmod(entry, 0o777);
}

async function listFilesBelow(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      throw error;
    },
  );
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) =>
      path.relative(root, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'),
    )
    .sort();
}
