import { createWriteStream } from 'node:fs';
import { lstat, mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { AppError } from '../errors/app-error';

/**
 * Job folders as tar streams, for render containers whose daemon cannot see the worker's files
 * (copy mode): the worker packs the folder into the container's /job and unpacks what the render
 * wrote back into its own folder.
 */

/**
 * A tar of every file and folder below `dir` (the root as `./`), owned by `owner` inside the
 * container so that the render user may write its folders.
 */
export async function packJobFolder(
  dir: string,
  owner: { uid: number; gid: number },
): Promise<Readable> {
  const pack = tar.pack();
  const ownership = { uid: owner.uid, gid: owner.gid };
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const relativePaths = entries
    .filter((entry) => entry.isFile() || entry.isDirectory())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort();
  const add = (header: tar.Headers, content?: Buffer) =>
    new Promise<void>((resolve, reject) => {
      pack.entry(header, content, (error) => (error ? reject(error) : resolve()));
    });
  void (async () => {
    await add({ name: './', type: 'directory', mode: 0o755, ...ownership });
    for (const relative of relativePaths) {
      const full = path.join(dir, relative);
      const info = await lstat(full);
      const name = relative.split(path.sep).join('/');
      if (info.isDirectory()) {
        await add({ name: `${name}/`, type: 'directory', mode: 0o755, ...ownership });
      } else {
        await add({ name, type: 'file', mode: 0o644, ...ownership }, await readFile(full));
      }
    }
    pack.finalize();
  })().catch((error: unknown) => pack.destroy(error as Error));
  return pack;
}

export interface ExtractLimits {
  /** Total bytes of regular files; more fails the extraction. */
  maxBytes: number;
  /** Number of entries; more fails the extraction. */
  maxEntries: number;
}

/**
 * Unpacks an archive from the engine (`GET /containers/{id}/archive`) into `destDir`, writing
 * only regular files and folders inside it: links, devices and paths that would leave `destDir`
 * are skipped, since the render container's files come from untrusted code. Fails with
 * output_too_large when the archive exceeds the limits.
 */
export async function extractJobArchive(
  archive: NodeJS.ReadableStream,
  destDir: string,
  limits: ExtractLimits,
): Promise<{ files: number; bytes: number; skipped: string[] }> {
  const root = path.resolve(destDir);
  const extract = tar.extract();
  let files = 0;
  let bytes = 0;
  let entries = 0;
  const skipped: string[] = [];
  extract.on('entry', (header, stream, next) => {
    entries += 1;
    const target = path.resolve(root, header.name);
    const inside = target === root || target.startsWith(root + path.sep);
    const done = (error?: unknown) => {
      if (error) next(error as Error);
      else next();
    };
    if (entries > limits.maxEntries) {
      stream.resume();
      done(tooLarge(`more than ${limits.maxEntries} files`, limits));
      return;
    }
    if (!inside || (header.type !== 'file' && header.type !== 'directory')) {
      skipped.push(header.name);
      stream.on('end', () => done()).resume();
      return;
    }
    if (header.type === 'directory') {
      mkdir(target, { recursive: true }).then(() => {
        stream.on('end', () => done()).resume();
      }, done);
      return;
    }
    bytes += header.size ?? 0;
    if (bytes > limits.maxBytes) {
      stream.resume();
      done(tooLarge(`more than ${Math.round(limits.maxBytes / 1024 / 1024)} MiB`, limits));
      return;
    }
    files += 1;
    mkdir(path.dirname(target), { recursive: true })
      .then(() => pipeline(stream, createWriteStream(target, { mode: 0o644 })))
      .then(() => done(), done);
  });
  await pipeline(archive, extract);
  return { files, bytes, skipped };
}

function tooLarge(what: string, limits: ExtractLimits): AppError {
  return new AppError('output_too_large', `The render wrote ${what} into its job folder`, {
    details: { maxBytes: limits.maxBytes, maxEntries: limits.maxEntries },
  });
}
