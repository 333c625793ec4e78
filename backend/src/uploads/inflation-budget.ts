import type { JobFileLimits } from './job-files';

/**
 * Room a project archive gets for each file it may hold, beside the file's own bytes: its entry,
 * the folder entries and the macOS clutter (`__MACOSX/`, `._*`) that archivers add.
 */
export const ARCHIVE_ROOM_PER_FILE_BYTES = 32 * 1024;

/** What reading one entry's header costs, whatever the entry holds. */
export const ARCHIVE_ENTRY_BYTES = 4 * 1024;

/** The most a project archive may cost to unpack: the files' limit plus room for each file. */
export function archiveInflationBudget(limits: JobFileLimits): number {
  return limits.maxTotalBytes + (limits.maxFiles + 1) * ARCHIVE_ROOM_PER_FILE_BYTES;
}

/**
 * What one archive has cost to unpack so far: every byte it inflates to (files, headers, folders,
 * skipped clutter, padding) and a fixed cost per entry, so that a flood of empty entries counts
 * too. It refuses, before the work is done, whatever would take it past its limit.
 */
export class InflationBudget {
  private spent = 0;

  constructor(
    readonly bytes: number,
    private readonly refuse: () => Error,
  ) {}

  spend(bytes: number): void {
    if (this.spent + bytes > this.bytes) throw this.refuse();
    this.spent += bytes;
  }

  /** Refuses now what would take the budget past its limit later. */
  foresee(bytes: number): void {
    if (this.spent + bytes > this.bytes) throw this.refuse();
  }

  /** One more entry, whose header took `headerBytes` (when more than the fixed cost). */
  entry(headerBytes = 0): void {
    this.spend(Math.max(ARCHIVE_ENTRY_BYTES, headerBytes));
  }
}
