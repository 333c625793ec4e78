import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import { AppError } from '../errors/app-error';
import { ConcurrencyGate } from './concurrency-gate';
import { InflatedBytes } from './inflated-bytes';
import {
  ARCHIVE_ENTRY_BYTES,
  ARCHIVE_ROOM_PER_FILE_BYTES,
  archiveInflationBudget,
  InflationBudget,
} from './inflation-budget';
import { RequestFiles } from './request-files';
import { tarEntries } from './tar-entries';
import type { JobFile, JobFileLimits } from './job-files';

/** The fixed part of a zip central directory record, before its name, extra field and comment. */
const ZIP_CENTRAL_RECORD_BYTES = 46;

/**
 * Unpacking is short and bounded, but it takes a share of the process's CPU and zlib threads; a
 * burst of uploads waits for its turn rather than crowding out every other request.
 */
const unpacking = new ConcurrencyGate(2);

/**
 * Unpacks a project sent as one archive (.zip, or .tar.gz / .tgz) into its files, in memory and
 * within the request's limits. Folders are implied by the paths; symbolic and hard links, device
 * files and other special entries are refused, naming the entry.
 *
 * Every byte the archive inflates to counts against one budget: the files, and also their headers,
 * folder entries, skipped clutter and padding. A .tar.gz is read up to its end-of-archive marker and
 * no further. So an archive bomb, however it hides its size, is refused after at most the budget's
 * worth of inflating.
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
  const budgetBytes = archiveInflationBudget(limits);
  const budget = new InflationBudget(budgetBytes, () =>
    files.tooLarge(
      `The project archive ${JSON.stringify(fileName)} inflates to more than ${budgetBytes} bytes, the most a project may unpack to with its headers, folders and clutter (MAX_ASSETS_TOTAL_MB, plus ${ARCHIVE_ROOM_PER_FILE_BYTES / 1024} KiB for each file MAX_ASSET_FILES allows); it was read no further`,
      { inflationBudgetBytes: budgetBytes },
    ),
  );
  await unpacking.run(async () => {
    if (isZip(archive)) await readZip(archive, files, budget);
    else if (isGzip(archive)) await readTarGz(archive, files, budget);
    else {
      throw files.problem(
        `must be a .zip or .tar.gz archive of the project folder, but ${JSON.stringify(fileName)} is neither`,
      );
    }
  });
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

async function readZip(
  archive: Buffer,
  files: RequestFiles,
  budget: InflationBudget,
): Promise<void> {
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
    // The central directory says up front how many entries follow.
    budget.foresee(zip.entryCount * ARCHIVE_ENTRY_BYTES);
    for (;;) {
      const entry = await nextZipEntry(zip, files);
      if (entry === undefined) break;
      budget.entry(
        ZIP_CENTRAL_RECORD_BYTES +
          entry.fileNameLength +
          entry.extraFieldLength +
          entry.fileCommentLength,
      );
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
      budget.spend(entry.uncompressedSize);
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

async function readTarGz(
  archive: Buffer,
  files: RequestFiles,
  budget: InflationBudget,
): Promise<void> {
  const bytes = new InflatedBytes(archive, (length) => budget.spend(length));
  try {
    for await (const entry of tarEntries(bytes)) {
      budget.entry();
      const name = entry.name;
      switch (entry.type) {
        case 'directory':
          continue;
        case 'file':
          break;
        case 'symlink':
          throw files.entryProblem(name, 'is a symbolic link');
        case 'hard-link':
          throw files.entryProblem(name, 'is a hard link');
        case 'character-device':
        case 'block-device':
          throw files.entryProblem(name, 'is a device file');
        case 'fifo':
          throw files.entryProblem(name, 'is a special file (fifo)');
        default:
          throw files.entryProblem(
            name,
            `is a special file (type ${JSON.stringify(entry.typeFlag)})`,
          );
      }
      const path = files.admit(name, entry.size);
      if (path !== undefined) files.add(path, await entry.content());
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw files.problem(`is not a readable .tar.gz archive: ${(error as Error).message}`);
  } finally {
    bytes.close();
  }
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
