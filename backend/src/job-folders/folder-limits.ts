import { delay } from '../timing/timing';

/**
 * Limits on what a render may write into its job folder: its total size and its number of
 * entries (files, folders and links alike, since each costs an inode). One file's size is capped
 * by the container's file-size limit already; these stop many files, large or empty, from filling
 * the disk while the render runs.
 */
export interface FolderLimits {
  maxBytes: number;
  maxEntries: number;
}

export interface FolderUsage {
  bytes: number;
  entries: number;
}

/** Why a job folder is over its limits: the job's failure. */
export interface FolderBreach {
  code: 'job_folder_too_large' | 'job_folder_too_many_files';
  message: string;
  details: Record<string, unknown>;
}

export function breachOf(usage: FolderUsage, limits: FolderLimits): FolderBreach | undefined {
  if (usage.entries > limits.maxEntries) {
    return {
      code: 'job_folder_too_many_files',
      message: `The render created more than ${limits.maxEntries} files and folders in its job folder (JOB_FOLDER_MAX_FILES) and was stopped`,
      details: {
        entries: usage.entries,
        limit: limits.maxEntries,
        setting: 'JOB_FOLDER_MAX_FILES',
      },
    };
  }
  if (usage.bytes > limits.maxBytes) {
    return {
      code: 'job_folder_too_large',
      message: `The render wrote more than ${Math.round(limits.maxBytes / 1024 / 1024)} MiB into its job folder (JOB_FOLDER_MAX_MB) and was stopped`,
      details: { bytes: usage.bytes, limitBytes: limits.maxBytes, setting: 'JOB_FOLDER_MAX_MB' },
    };
  }
  return undefined;
}

/**
 * Measures a folder every `intervalMs` until it is over a limit (resolving with why) or `signal`
 * is aborted (resolving with undefined). A measurement that fails or has nothing to say
 * (undefined) is skipped; the next one tries again.
 */
export async function watchFolder(
  measure: (limits: FolderLimits) => Promise<FolderUsage | undefined>,
  limits: FolderLimits,
  options: { intervalMs: number; signal: AbortSignal },
): Promise<FolderBreach | undefined> {
  const { signal } = options;
  while (!signal.aborted) {
    await delay(options.intervalMs, { signal });
    if (signal.aborted) break;
    const usage = await measure(limits).catch(() => undefined);
    const breach = usage && breachOf(usage, limits);
    if (breach) return breach;
  }
  return undefined;
}
