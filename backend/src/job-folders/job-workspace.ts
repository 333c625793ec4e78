import { chown, lstat, mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
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
  /** Who owns the folder itself: the user a render runs as by default. */
  owner(): Promise<FileOwner>;
  /** Entries below the folder (relative paths) that `owner` does not own, at most `limit`. */
  entriesNotOwnedBy(owner: FileOwner, limit: number): Promise<string[]>;
  remove(): Promise<void>;
}

/**
 * Creates `<tempDir>/<jobId>/` with the given files and empty folders. A root worker hands it to
 * the render user; a file system that refuses (NFS with root squash, say) leaves it as it is, and
 * the render runs as whoever owns it. A worker that is not root keeps it: the render runs as the
 * worker, or, when RENDER_USER names someone else, fails to write and is retried as root.
 */
/** Files to write into a job folder: relative path (folders with "/") to content. */
export type WorkspaceFiles = Record<string, string | Buffer>;

export async function createJobWorkspace(options: {
  tempDir: string;
  jobId: string;
  files: WorkspaceFiles;
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
  created.push(...(await writeFiles(dir, options.files)));
  await handOver(created, options.renderUser);
  return workspaceAt(dir);
}

/**
 * Makes a folder prepared earlier by createJobWorkspace (a warm render container's, already
 * mounted) a job's workspace: writes the job's files into it, handed over the same way.
 */
export async function adoptJobWorkspace(options: {
  dir: string;
  files: WorkspaceFiles;
  renderUser: FileOwner;
}): Promise<JobWorkspace> {
  await handOver(await writeFiles(options.dir, options.files), options.renderUser);
  return workspaceAt(options.dir);
}

/**
 * Writes the files with the folders their paths need; returns every file and folder it made.
 * A path that would leave the job folder is a bug upstream (requests are checked), never written.
 */
async function writeFiles(dir: string, files: WorkspaceFiles): Promise<string[]> {
  const created: string[] = [];
  for (const [name, content] of Object.entries(files)) {
    const file = path.resolve(dir, name);
    if (!file.startsWith(`${dir}${path.sep}`)) throw new Error(`${name} is outside the job folder`);
    const madeFolder = await mkdir(path.dirname(file), { recursive: true });
    if (madeFolder !== undefined) {
      // mkdir names the first folder it made; the ones below it are new too.
      for (let folder = path.dirname(file); folder.startsWith(madeFolder);) {
        created.push(folder);
        folder = path.dirname(folder);
      }
    }
    await writeFile(file, content, { mode: 0o644 });
    created.push(file);
  }
  return created;
}

function workspaceAt(dir: string): JobWorkspace {
  return {
    dir,
    listFiles: (relativeDir) => listFilesBelow(path.join(dir, relativeDir)),
    pathOf: (relativePath) => path.join(dir, relativePath),
    owner: async () => {
      const info = await stat(dir);
      return { uid: info.uid, gid: info.gid };
    },
    entriesNotOwnedBy: (owner, limit) => entriesNotOwnedBy(dir, owner, limit),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

async function handOver(paths: string[], renderUser: FileOwner): Promise<void> {
  const workerUid = process.getuid?.() ?? 0;
  if (renderUser.uid === workerUid || workerUid !== 0) return;
  try {
    for (const entry of paths) await chown(entry, renderUser.uid, renderUser.gid);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'EINVAL') throw error;
  }
}

async function entriesNotOwnedBy(root: string, owner: FileOwner, limit: number): Promise<string[]> {
  // A folder the worker cannot even list was written by someone else.
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => null);
  if (entries === null) return ['.'];
  const foreign: string[] = [];
  for (const entry of entries) {
    const full = path.join(entry.parentPath, entry.name);
    const info = await lstat(full).catch(() => undefined);
    if (info && (info.uid !== owner.uid || info.gid !== owner.gid)) {
      foreign.push(path.relative(root, full));
      if (foreign.length >= limit) break;
    }
  }
  return foreign;
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
