import { posix } from 'node:path';

/** One `HOST_PATH_MAP` entry: a directory as the worker sees it and as the daemon sees it. */
export interface HostPathMapEntry {
  container: string;
  host: string;
}

export type HostPathMapParseResult =
  { ok: true; entries: HostPathMapEntry[] } | { ok: false; problems: string[] };

/**
 * Parses `HOST_PATH_MAP`: `<worker dir>=<host dir>` entries separated by `;`, e.g.
 * `/app/outputs=/srv/manim/outputs;/app/temp=/srv/manim/temp`. Whitespace around entries and
 * empty entries are ignored; the worker side must be an absolute POSIX path (normalised), the host
 * side an absolute POSIX or Windows path (kept as written, minus a trailing separator). Returns
 * every problem at once rather than throwing, so it fits a zod transform.
 */
export function parseHostPathMap(text: string): HostPathMapParseResult {
  const entries: HostPathMapEntry[] = [];
  const problems: string[] = [];
  const parts = text.split(';');
  parts.forEach((part, index) => {
    const entry = part.trim();
    if (entry === '') return;
    const where = `entry ${index + 1} "${entry}"`;
    const equals = entry.indexOf('=');
    if (equals === -1) {
      problems.push(`${where}: missing "=" (expected <worker dir>=<host dir>)`);
      return;
    }
    const container = entry.slice(0, equals).trim();
    const host = entry.slice(equals + 1).trim();
    if (!container.startsWith('/')) {
      problems.push(`${where}: the worker dir "${container}" must be an absolute path`);
      return;
    }
    if (!/^(?:\/|[A-Za-z]:[\\/]|\\\\)/.test(host)) {
      problems.push(`${where}: the host dir "${host}" must be an absolute path`);
      return;
    }
    const normalised = normaliseWorkerPath(container);
    if (entries.some((existing) => existing.container === normalised)) {
      problems.push(`${where}: ${normalised} is mapped more than once`);
      return;
    }
    entries.push({ container: normalised, host: trimHostSeparator(host) });
  });
  return problems.length === 0 ? { ok: true, entries } : { ok: false, problems };
}

/** `/app/out/` and `/app//out` are `/app/out`; `/` stays. */
function normaliseWorkerPath(path: string): string {
  const normalised = posix.normalize(path);
  return normalised.length > 1 && normalised.endsWith('/') ? normalised.slice(0, -1) : normalised;
}

function trimHostSeparator(host: string): string {
  if (host === '/' || /^[A-Za-z]:[\\/]$/.test(host)) return host;
  return host.replace(/[\\/]+$/, '');
}
