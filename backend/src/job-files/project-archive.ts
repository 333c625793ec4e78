import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import yauzl from 'yauzl';
import { AppError } from '../errors/app-error';
import { RequestFiles } from './request-files';
import type { JobFile, JobFileLimits } from './job-files';

/**
 * Unpacks a project sent as one archive (.zip, or .tar.gz / .tgz) into its files, in memory and
 * within the request's limits. Folders are implied by the paths; symbolic and hard links, device
 * files and other special entries are refused, naming the entry, as is anything that would unpack
 * beyond the limits (an archive bomb stops at the entry that crosses them, before it is inflated).
 */
export async function unpackProjectArchive(
  fileName: string,
  archive: Buffer,
  limits: JobFileLimits,
): Promise<JobFile[]> {
  const files = new RequestFiles('project', limits, { unpacked: true });
  if (archive.length > limits.maxTotalBytes) {
    throw files.tooLarge(
      `The project archive ${JSON.stringify(fileName)} is ${archive.length} bytes, over the limit of ${limits.maxTotalBytes} bytes for a request's files`,
    );
  }
  if (isZip(archive)) await readZip(archive, files);
  else if (isGzip(archive)) await readTarGz(archive, files);
  else {
    throw files.problem(
      `must be a .zip or .tar.gz archive of the project folder, but ${JSON.stringify(fileName)} is neither`,
    );
  }
  return files.list();
}

function isZip(buffer: Buffer): boolean {
  return buffer.length >= 4 && buffer.readUInt32LE(0) === 0x04034b50;
}

function isGzip(buffer: Buffer): boolean {
  return buffer.length >= 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
}

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;

async function readZip(archive: Buffer, files: RequestFiles): Promise<void> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.fromBufferPromise(archive, {
      lazyEntries: true,
      validateEntrySizes: true,
      // The names are checked here, so that a refusal names the entry and says why.
      decodeStrings: false,
    });
  } catch (error) {
    throw files.problem(`is not a readable zip archive: ${(error as Error).message}`);
  }
  try {
    for (;;) {
      const entry = await nextZipEntry(zip, files);
      if (entry === undefined) break;
      // Zip tools write UTF-8 names nowadays; the old default (CP437) agrees with it on ASCII.
      const name = entry.fileNameRaw.toString('utf8');
      const mode = (entry.externalFileAttributes >>> 16) & S_IFMT;
      if (name.endsWith('/') || mode === S_IFDIR) continue;
      if (mode === S_IFLNK) throw files.entryProblem(name, 'is a symbolic link');
      if (mode !== 0 && mode !== S_IFREG) throw files.entryProblem(name, 'is a special file');
      if (entry.isEncrypted()) throw files.entryProblem(name, 'is encrypted');
      if (!entry.canDecodeFileData()) {
        throw files.entryProblem(
          name,
          `uses compression method ${entry.compressionMethod}; only stored and deflated entries are read`,
        );
      }
      const path = files.admit(name, entry.uncompressedSize);
      if (path === undefined) continue;
      let stream: Readable;
      try {
        stream = await zip.openReadStreamPromise(entry);
      } catch (error) {
        throw files.entryProblem(name, `cannot be read: ${(error as Error).message}`);
      }
      files.add(path, await readBounded(stream, entry.uncompressedSize, name, files));
    }
  } finally {
    zip.close();
  }
}

function nextZipEntry(zip: yauzl.ZipFile, files: RequestFiles): Promise<yauzl.Entry | undefined> {
  return new Promise((resolve, reject) => {
    const cleanUp = () => {
      zip.off('entry', onEntry);
      zip.off('end', onEnd);
      zip.off('error', onError);
    };
    const onEntry = (entry: yauzl.Entry) => {
      cleanUp();
      resolve(entry);
    };
    const onEnd = () => {
      cleanUp();
      resolve(undefined);
    };
    const onError = (error: Error) => {
      cleanUp();
      reject(files.problem(`is not a readable zip archive: ${error.message}`));
    };
    zip.on('entry', onEntry);
    zip.on('end', onEnd);
    zip.on('error', onError);
    zip.readEntry();
  });
}

async function readTarGz(archive: Buffer, files: RequestFiles): Promise<void> {
  const extract = tar.extract();
  const gunzip = createGunzip();
  const source = Readable.from([archive]);
  const done = new Promise<void>((resolve, reject) => {
    const fail = (error: unknown) => {
      source.destroy();
      gunzip.destroy();
      extract.destroy();
      reject(
        error instanceof AppError
          ? error
          : files.problem(`is not a readable .tar.gz archive: ${(error as Error).message}`),
      );
    };
    extract.on('entry', (header, stream, next) => {
      void (async () => {
        const name = header.name;
        switch (header.type) {
          case 'directory':
            stream.resume();
            return next();
          case 'file':
          case 'contiguous-file':
            break;
          case 'symlink':
            throw files.entryProblem(name, 'is a symbolic link');
          case 'link':
            throw files.entryProblem(name, 'is a hard link');
          case 'character-device':
          case 'block-device':
            throw files.entryProblem(name, 'is a device file');
          default:
            throw files.entryProblem(name, `is a special file (${header.type ?? 'unknown type'})`);
        }
        const size = header.size ?? 0;
        const path = files.admit(name, size);
        if (path === undefined) {
          stream.resume();
          return next();
        }
        files.add(path, await readBounded(stream, size, name, files));
        next();
      })().catch(fail);
    });
    extract.on('finish', () => resolve());
    extract.on('error', fail);
    gunzip.on('error', fail);
    source.on('error', fail);
  });
  source.pipe(gunzip).pipe(extract);
  await done;
}

/** Reads an entry's bytes, never more than it declared (which the limits were checked against). */
async function readBounded(
  stream: Readable,
  declared: number,
  name: string,
  files: RequestFiles,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  const lies = () => files.entryProblem(name, 'holds more bytes than its header declares');
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      length += chunk.length;
      if (length > declared) {
        stream.destroy();
        throw lies();
      }
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    // yauzl checks the sizes itself and says "too many bytes in the stream".
    if (/too many bytes|too few bytes/.test((error as Error).message)) throw lies();
    throw files.entryProblem(name, `cannot be read: ${(error as Error).message}`);
  }
  return Buffer.concat(chunks, length);
}
