import { AppError } from '../errors/app-error';
import { checkAssetPath, isArchiveClutter } from './asset-path';
import type { JobFile, JobFileLimits } from './job-files';

/**
 * Collects the files of one request (the `assets` uploads, or the entries of a `project`
 * archive) under their checked paths, within the limits, and words what it refuses: 422
 * invalid_files for a path, a duplicate, the count, or an archive entry that would unpack beyond
 * a limit (what a file holds or is named, which no schema of the request can say); 413 for an
 * uploaded file over a size limit.
 */
export class RequestFiles {
  private readonly files = new Map<string, Buffer>();
  private totalBytes = 0;

  constructor(
    private readonly field: 'assets' | 'project',
    private readonly limits: JobFileLimits,
    private readonly options: { unpacked: boolean } = { unpacked: false },
  ) {}

  /**
   * Checks a file before its bytes are read: its path, that it is new, and that it fits the
   * limits with `sizeBytes`. Returns its path, or undefined for archive clutter that is skipped.
   */
  admit(name: string, sizeBytes: number): string | undefined {
    const checked = checkAssetPath(name);
    if (!checked.ok) throw this.entryProblem(name, checked.message);
    if (this.options.unpacked && isArchiveClutter(checked.path)) return undefined;
    if (this.files.has(checked.path)) {
      throw this.entryProblem(name, `appears twice (as ${JSON.stringify(checked.path)})`);
    }
    const { maxFiles, maxFileBytes, maxTotalBytes } = this.limits;
    if (this.files.size + 1 > maxFiles) {
      throw this.countProblem(
        `holds more than ${maxFiles} files (MAX_ASSET_FILES); ${JSON.stringify(name)} is one too many`,
      );
    }
    const size = this.options.unpacked ? 'would unpack to' : 'is';
    if (sizeBytes > maxFileBytes) {
      throw this.sizeProblem(
        name,
        `${size} ${sizeBytes} bytes, over the limit of ${maxFileBytes} bytes for one file (MAX_ASSET_FILE_MB)`,
      );
    }
    if (this.totalBytes + sizeBytes > maxTotalBytes) {
      throw this.sizeProblem(
        name,
        `${size} ${sizeBytes} bytes, which brings the files to ${this.totalBytes + sizeBytes} bytes, over the limit of ${maxTotalBytes} bytes for a request (MAX_ASSETS_TOTAL_MB)`,
      );
    }
    this.totalBytes += sizeBytes;
    return checked.path;
  }

  add(path: string, content: Buffer): void {
    this.files.set(path, content);
  }

  list(): JobFile[] {
    return [...this.files].map(([path, content]) => ({ path, content }));
  }

  /** A 422 about the field as a whole. */
  problem(message: string): AppError {
    return this.fieldError('invalid_files', message);
  }

  /**
   * Too many files: a 400 for uploads, whose count the request's schema states (maxItems), a 422
   * for the entries of an archive.
   */
  private countProblem(message: string): AppError {
    return this.fieldError(this.options.unpacked ? 'invalid_files' : 'validation_failed', message);
  }

  private fieldError(code: 'invalid_files' | 'validation_failed', message: string): AppError {
    return new AppError(code, `Invalid render request: ${this.field} ${message}`, {
      details: { problems: [{ field: this.field, message }] },
    });
  }

  /** A 422 naming one file or archive entry. */
  entryProblem(name: string, message: string): AppError {
    const what = this.options.unpacked ? 'entry' : 'file';
    return this.problem(`${what} ${JSON.stringify(truncate(name))} ${message}`);
  }

  /** A 413 about the field as a whole (e.g. an archive larger than the limit). */
  tooLarge(message: string, details: Record<string, unknown> = {}): AppError {
    return new AppError('payload_too_large', message, {
      hint: 'Send fewer or smaller files, or ask the operator to raise MAX_ASSET_FILE_MB or MAX_ASSETS_TOTAL_MB.',
      details: { field: this.field, ...details },
    });
  }

  /** Over a size limit: a 413 for an uploaded file, a 422 for an archive entry (unpacking it). */
  private sizeProblem(name: string, message: string): AppError {
    if (this.options.unpacked) return this.entryProblem(name, message);
    return this.tooLarge(
      `Uploaded ${this.field} file ${JSON.stringify(truncate(name))} ${message}`,
    );
  }
}

function truncate(name: string): string {
  return name.length <= 120 ? name : `${name.slice(0, 120)}...`;
}
