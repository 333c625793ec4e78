import { lstat, opendir } from 'node:fs/promises';
import path from 'node:path';
import type { FolderLimits, FolderUsage } from './folder-limits';

/**
 * The usage of a folder the worker can see (the job folder when it is mounted), walked entry by
 * entry. The walk stops as soon as either limit is passed: a folder flooded with files costs no
 * more than the limit to measure.
 */
export async function walkFolderUsage(root: string, limits: FolderLimits): Promise<FolderUsage> {
  const usage: FolderUsage = { bytes: 0, entries: 0 };
  const folders = [root];
  for (let folder = folders.pop(); folder !== undefined; folder = folders.pop()) {
    const entries = await opendir(folder).catch(() => undefined);
    if (!entries) continue;
    for await (const entry of entries) {
      usage.entries += 1;
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) folders.push(full);
      else if (entry.isFile()) usage.bytes += (await lstat(full).catch(() => undefined))?.size ?? 0;
      if (usage.entries > limits.maxEntries || usage.bytes > limits.maxBytes) return usage;
    }
  }
  return usage;
}
