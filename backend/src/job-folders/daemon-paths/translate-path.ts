import type { HostPathMapEntry } from '../../config/host-path-map';
import { AppError } from '../../errors/app-error';
import {
  describeMountTable,
  isSameOrUnder,
  normaliseContainerPath,
  pathDepth,
  type MountEntry,
  type MountTable,
} from './mount-table';

/** What a render container gets so that it sees the worker's path at the same path. */
export interface TranslatedMount {
  type: 'bind' | 'volume';
  /** Bind: path on the daemon's side. Volume: the volume's name. */
  source: string;
  target: string;
  readOnly: boolean;
  /** Volume only, API >= 1.45: the directory inside the volume (`VolumeOptions.Subpath`). */
  subpath?: string;
}

export type TranslationFailureCode =
  | 'RELATIVE_PATH'
  | 'NOT_ON_DISK'
  | 'DOCKER_SOCKET'
  | 'NO_MOUNT_COVERS'
  | 'READ_ONLY_MOUNT'
  | 'VOLUME_SUBPATH_UNSUPPORTED';

export interface TranslationFailure {
  ok: false;
  code: TranslationFailureCode;
  message: string;
  hint: string;
}

export interface TranslationSuccess {
  ok: true;
  mount: TranslatedMount;
  /** Mounts of the worker below the path, translated the same way, to be added after `mount`. */
  nested: TranslatedMount[];
  /** Destinations below the path whose content the render container will not see (tmpfs…). */
  hiddenBelow: string[];
  /** How it was found: the worker mount's destination, or the HOST_PATH_MAP entry. */
  via: string;
}

export type TranslationResult = TranslationSuccess | TranslationFailure;

export interface TranslateOptions {
  /** The engine's API version, e.g. `1.41` (from /version). */
  apiVersion: string;
  hostPathMap?: readonly HostPathMapEntry[];
  /** The render writes there: a read-only mount is an error, otherwise the mount is read-only. */
  needsWrite: boolean;
}

/** `VolumeOptions.Subpath` exists from this API version on (Docker Engine 26). */
export const VOLUME_SUBPATH_MIN_API = '1.45';

/**
 * Finds how a render container can see `workerPath` at the same path (mirror mode: the target is
 * `workerPath` itself, so commands and Manim's output paths need no rewriting).
 *
 * `workerPath` must be the **realpath** of an existing directory: this function does not touch
 * the filesystem, so it cannot resolve symlinks (a symlinked path would match the wrong mount, and
 * a volume sub-path with a symlink component is refused by the daemon). The caller resolves it.
 *
 * Rules:
 * - The deepest worker mount whose destination is the path or a parent on a component boundary
 *   wins (`/app/out2` is not under `/app/out`); a `/` bind covers everything.
 * - A `HOST_PATH_MAP` entry is used only when it is strictly deeper than that mount (or no mount
 *   covers the path): a deeper real mount always wins.
 * - A tmpfs (or other non-shareable) mount deeper than the match means the files are not on disk;
 *   the Docker socket is never passed on.
 * - A named or anonymous volume at the path itself is mounted by name. Below its root:
 *   API >= 1.45 mounts it by name with a sub-path; older engines get a bind of the volume's
 *   Mountpoint plus the sub-path, which works for the `local` driver (the only one whose data is a
 *   host directory). Mounting the whole volume instead is refused on purpose: it would show a
 *   render (untrusted scene code) every other job's files.
 */
export function translateWorkerPath(
  workerPath: string,
  table: MountTable,
  options: TranslateOptions,
): TranslationResult {
  if (!workerPath.startsWith('/')) {
    return failure(
      'RELATIVE_PATH',
      `Worker path "${workerPath}" is not absolute; a render container mount needs the absolute real path of the job folder.`,
      'Resolve the path with fs.realpath before translating it (a bug in the caller).',
    );
  }
  const path = normaliseContainerPath(workerPath);
  const mount = table.mounts.find((entry) => isSameOrUnder(path, entry.destination));
  const mapped = deepestMapEntry(path, options.hostPathMap ?? []);
  const useMap =
    mapped !== undefined &&
    (mount === undefined || pathDepth(mapped.container) > pathDepth(mount.destination));
  const matchedDepth = useMap
    ? pathDepth(mapped.container)
    : mount === undefined
      ? -1
      : pathDepth(mount.destination);

  const hidden = table.nonShareable.find((entry) => isSameOrUnder(path, entry.destination));
  if (hidden !== undefined && pathDepth(hidden.destination) > matchedDepth) {
    if (hidden.kind === 'socket') {
      return failure(
        'DOCKER_SOCKET',
        `Worker path ${path} is the socket mount ${hidden.destination}; sockets are never passed to a render container.`,
        'Keep job folders out of the Docker socket path (check TEMP_DIR and OUTPUTS_DIR).',
      );
    }
    return failure(
      'NOT_ON_DISK',
      `Worker path ${path} is on the ${hidden.kind} mount ${hidden.destination}, which exists only inside the worker container; a render container cannot see it (worker mounts: ${describeMountTable(table)}).`,
      `Put ${hidden.destination} on a bind mount or volume (add -v <host dir>:${hidden.destination} to the worker container) instead of ${hidden.kind}, or move the job folders elsewhere.`,
    );
  }

  if (useMap) {
    return {
      ok: true,
      mount: {
        type: 'bind',
        source: joinHostPath(mapped.host, relativeTo(path, mapped.container)),
        target: path,
        readOnly: !options.needsWrite,
      },
      ...below(path, table, options),
      via: `HOST_PATH_MAP ${mapped.container}=${mapped.host}`,
    };
  }
  if (mount === undefined) {
    return failure(
      'NO_MOUNT_COVERS',
      `Worker path ${path} is not on any bind mount or volume of the worker container, so a render container cannot see it (worker mounts: ${describeMountTable(table)}).`,
      `Add -v <host dir>:<dir> to the worker container, where <dir> is ${path} or a parent of it (same path inside and out is simplest), or set HOST_PATH_MAP=<dir>=<host dir>.`,
    );
  }
  if (options.needsWrite && !mount.readWrite) {
    return failure(
      'READ_ONLY_MOUNT',
      `Worker path ${path} is on the read-only ${mount.type} ${mount.destination} (${describeSource(mount)}), but the render writes there.`,
      `Mount ${mount.destination} read-write in the worker container (drop ":ro" from its -v or volumes entry).`,
    );
  }
  const translated = translateEntry(mount, relativeTo(path, mount.destination), path, options);
  if (!translated.ok) return translated;
  return {
    ok: true,
    mount: translated.mount,
    ...below(path, table, options),
    via: `${mount.type} ${mount.destination}`,
  };
}

/**
 * Joins a daemon-side directory and a relative part (`''` or `/a/b`). A Windows source (`C:\data`,
 * `\\server\share`) is joined with backslashes; anything else, including Docker Desktop's
 * `/run/desktop/mnt/host/...`, is kept as given and joined with `/`.
 */
export function joinHostPath(source: string, rel: string): string {
  if (rel === '') return source;
  if (/^(?:[A-Za-z]:\\|\\\\)/.test(source)) {
    return `${source.replace(/\\+$/, '')}\\${rel.slice(1).split('/').join('\\')}`;
  }
  return `${source.replace(/\/+$/, '')}${rel}`;
}

/** True when `version` (`major.minor`) is at least `minimum`; an unparsable version is not. */
export function apiVersionAtLeast(version: string, minimum: string): boolean {
  const have = parseApiVersion(version);
  const need = parseApiVersion(minimum);
  if (have === undefined || need === undefined) return false;
  return have[0] > need[0] || (have[0] === need[0] && have[1] >= need[1]);
}

/** The AppError a failed translation becomes (the job fails; the deployment needs fixing). */
export function translationFailureToAppError(
  result: TranslationFailure,
  details: Record<string, unknown> = {},
): AppError {
  const code =
    result.code === 'RELATIVE_PATH'
      ? 'internal'
      : result.code === 'READ_ONLY_MOUNT'
        ? 'worker_mount_read_only'
        : 'worker_path_not_shared';
  return new AppError(code, result.message, {
    hint: result.hint,
    details: { ...details, translation: result.code },
  });
}

function translateEntry(
  mount: MountEntry,
  rel: string,
  target: string,
  options: TranslateOptions,
): { ok: true; mount: TranslatedMount } | TranslationFailure {
  const readOnly = !options.needsWrite || !mount.readWrite;
  if (mount.type === 'bind') {
    return {
      ok: true,
      mount: { type: 'bind', source: joinHostPath(mount.source, rel), target, readOnly },
    };
  }
  const volume = mount.name ?? '';
  if (rel === '' && volume !== '') {
    return { ok: true, mount: { type: 'volume', source: volume, target, readOnly } };
  }
  if (volume !== '' && apiVersionAtLeast(options.apiVersion, VOLUME_SUBPATH_MIN_API)) {
    return {
      ok: true,
      mount: { type: 'volume', source: volume, target, readOnly, subpath: rel.slice(1) },
    };
  }
  const local = mount.driver === undefined || mount.driver === 'local';
  if (local && mount.source !== '') {
    return {
      ok: true,
      mount: { type: 'bind', source: joinHostPath(mount.source, rel), target, readOnly },
    };
  }
  return failure(
    'VOLUME_SUBPATH_UNSUPPORTED',
    `Worker path ${target} is inside the volume ${volume || '(unnamed)'} (driver ${mount.driver ?? 'local'}) at ${mount.destination}; the engine's API ${options.apiVersion} cannot mount a volume sub-path (needs ${VOLUME_SUBPATH_MIN_API}) and the volume has no host directory to bind instead.`,
    `Upgrade the Docker Engine to API ${VOLUME_SUBPATH_MIN_API} or newer (Docker 26+), put ${mount.destination} on a bind mount, or set HOST_PATH_MAP.`,
  );
}

function below(
  path: string,
  table: MountTable,
  options: TranslateOptions,
): { nested: TranslatedMount[]; hiddenBelow: string[] } {
  const nested: TranslatedMount[] = [];
  for (const entry of table.mounts) {
    if (entry.destination === path || !isSameOrUnder(entry.destination, path)) continue;
    const translated = translateEntry(entry, '', entry.destination, options);
    if (translated.ok) nested.push(translated.mount);
  }
  const hiddenBelow = table.nonShareable
    .filter((entry) => entry.destination !== path && isSameOrUnder(entry.destination, path))
    .map((entry) => entry.destination);
  // Shallowest first, so a deeper mount is applied over its parent; ties in name order.
  nested.sort(
    (a, b) =>
      pathDepth(a.target) - pathDepth(b.target) ||
      (a.target < b.target ? -1 : a.target > b.target ? 1 : 0),
  );
  return { nested, hiddenBelow };
}

function deepestMapEntry(
  path: string,
  map: readonly HostPathMapEntry[],
): HostPathMapEntry | undefined {
  let best: HostPathMapEntry | undefined;
  for (const entry of map) {
    const container = normaliseContainerPath(entry.container);
    if (!isSameOrUnder(path, container)) continue;
    if (best === undefined || pathDepth(container) > pathDepth(best.container)) {
      best = { container, host: entry.host };
    }
  }
  return best;
}

/** `''` for the directory itself, else `/a/b`; `path` must be the same as or under `dir`. */
function relativeTo(path: string, dir: string): string {
  if (path === dir) return '';
  return dir === '/' ? path : path.slice(dir.length);
}

function describeSource(mount: MountEntry): string {
  return mount.type === 'bind' ? `from ${mount.source}` : `volume ${mount.name ?? mount.source}`;
}

function parseApiVersion(version: string): [number, number] | undefined {
  const match = /^v?(\d+)\.(\d+)$/.exec(version.trim());
  if (match === null) return undefined;
  return [Number(match[1]), Number(match[2])];
}

function failure(code: TranslationFailureCode, message: string, hint: string): TranslationFailure {
  return { ok: false, code, message, hint };
}
