import type { Config } from '../config/config-schema';
import type { FolderLimits } from './folder-limits';

/** What a render may write into its job folder: JOB_FOLDER_MAX_MB and JOB_FOLDER_MAX_FILES. */
export function jobFolderLimits(
  config: Pick<Config, 'JOB_FOLDER_MAX_MB' | 'JOB_FOLDER_MAX_FILES'>,
): FolderLimits {
  return {
    maxBytes: config.JOB_FOLDER_MAX_MB * 1024 * 1024,
    maxEntries: config.JOB_FOLDER_MAX_FILES,
  };
}
