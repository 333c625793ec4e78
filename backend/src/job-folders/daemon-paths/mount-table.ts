import { posix } from 'node:path';

/** One entry of a container inspect's `Mounts[]`, typed as loosely as the API allows. */
export interface InspectMount {
  Type?: string;
  Name?: string;
  Source?: string;
  Destination?: string;
  Driver?: string;
  RW?: boolean;
}

/** A mount of the worker container that a render container can be given too. */
export interface MountEntry {
  type: 'bind' | 'volume';
  /** Volume name (64 hex for an anonymous volume); undefined for a bind. */
  name: string | undefined;
  /** Path on the daemon's side: the bind's host path, or the volume's Mountpoint (may be ''). */
  source: string;
  /** Where the worker sees it, normalised, without a trailing slash. */
  destination: string;
  readWrite: boolean;
  /** Volume driver; undefined for a bind. */
  driver: string | undefined;
}

/** A mount whose content exists only inside the worker (or must never be passed on). */
export interface NonShareableMount {
  destination: string;
  /** `tmpfs`, `npipe`, `image`, `cluster`, `socket`, or the mount type when it had no source. */
  kind: string;
}

export interface MountTable {
  /** Deepest destination first, so the first mount covering a path is the longest prefix. */
  mounts: MountEntry[];
  /** Deepest destination first. */
  nonShareable: NonShareableMount[];
}

const NEVER_SHARED_TYPES = new Set(['tmpfs', 'npipe', 'image', 'cluster']);
const SOCKET_FILE = /\.sock(?:\.raw)?$/;

/**
 * Normalises an inspect's `Mounts[]` (plus `HostConfig.Tmpfs`, whose mounts `docker run --tmpfs`
 * does not list in `Mounts[]`) into the table that translate-path.ts searches.
 *
 * Kept: binds with a source, and volumes with a name or a source (a named volume can be mounted
 * by name even when the daemon shows no Mountpoint). Remembered as non-shareable: tmpfs, npipe,
 * image and cluster mounts, entries with no source, and socket files (`*.sock`, e.g. the Docker
 * socket), which are never handed to a render container.
 */
export function buildMountTable(
  mounts: readonly InspectMount[] | null | undefined,
  tmpfs?: Readonly<Record<string, string>> | null,
): MountTable {
  const shareable: MountEntry[] = [];
  const nonShareable: NonShareableMount[] = [];
  for (const mount of mounts ?? []) {
    const rawDestination = mount.Destination ?? '';
    if (!rawDestination.startsWith('/')) continue;
    const destination = normaliseContainerPath(rawDestination);
    const type = mount.Type ?? '';
    const source = mount.Source ?? '';
    const name = mount.Name === undefined || mount.Name === '' ? undefined : mount.Name;
    if (NEVER_SHARED_TYPES.has(type)) {
      nonShareable.push({ destination, kind: type });
    } else if (SOCKET_FILE.test(destination) || SOCKET_FILE.test(source)) {
      nonShareable.push({ destination, kind: 'socket' });
    } else if (type === 'bind' && source !== '') {
      shareable.push({
        type,
        name: undefined,
        source,
        destination,
        readWrite: mount.RW !== false,
        driver: undefined,
      });
    } else if (type === 'volume' && (name !== undefined || source !== '')) {
      shareable.push({
        type,
        name,
        source,
        destination,
        readWrite: mount.RW !== false,
        driver: mount.Driver === undefined || mount.Driver === '' ? undefined : mount.Driver,
      });
    } else {
      nonShareable.push({ destination, kind: type === '' ? 'unknown' : type });
    }
  }
  for (const rawDestination of Object.keys(tmpfs ?? {})) {
    if (!rawDestination.startsWith('/')) continue;
    const destination = normaliseContainerPath(rawDestination);
    if (!nonShareable.some((entry) => entry.destination === destination)) {
      nonShareable.push({ destination, kind: 'tmpfs' });
    }
  }
  return {
    mounts: shareable.sort((a, b) => compareDeepestFirst(a.destination, b.destination)),
    nonShareable: nonShareable.sort((a, b) => compareDeepestFirst(a.destination, b.destination)),
  };
}

/**
 * Normalises an absolute POSIX path: resolves `.` and `..`, collapses repeated slashes, drops a
 * trailing slash (except for `/`). Does not touch symlinks: callers pass a realpath.
 */
export function normaliseContainerPath(path: string): string {
  const normalised = posix.normalize(path);
  return normalised.length > 1 && normalised.endsWith('/') ? normalised.slice(0, -1) : normalised;
}

/** Number of components: `/` is 0, `/app` is 1, `/app/out` is 2. */
export function pathDepth(path: string): number {
  return path === '/' ? 0 : path.split('/').length - 1;
}

/**
 * True when `path` is `dir` or lies below it on a component boundary (`/app/out2` is not under
 * `/app/out`). Both must be normalised.
 */
export function isSameOrUnder(path: string, dir: string): boolean {
  return dir === '/' || path === dir || path.startsWith(`${dir}/`);
}

/** Short human description of the table, for error messages. */
export function describeMountTable(table: MountTable): string {
  const parts = table.mounts.map((mount) =>
    mount.type === 'bind'
      ? `${mount.destination} (bind from ${mount.source}, ${mount.readWrite ? 'rw' : 'ro'})`
      : `${mount.destination} (volume ${mount.name ?? mount.source}, ${mount.readWrite ? 'rw' : 'ro'})`,
  );
  for (const entry of table.nonShareable) parts.push(`${entry.destination} (${entry.kind})`);
  return parts.length === 0 ? 'none' : parts.join(', ');
}

function compareDeepestFirst(a: string, b: string): number {
  return pathDepth(b) - pathDepth(a) || (a < b ? -1 : a > b ? 1 : 0);
}
