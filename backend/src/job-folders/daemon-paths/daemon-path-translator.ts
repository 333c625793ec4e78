import type { HostPathMapEntry } from '../../config/host-path-map';
import { AppError } from '../../errors/app-error';
import type { OwnContainer } from './own-container/find-own-container';
import { ownContainerError } from './own-container/find-own-container';
import type { DockerEndpoint } from '../../render-engine/docker-client/socket-diagnosis';
import {
  buildMountTable,
  describeMountTable,
  isSameOrUnder,
  normaliseContainerPath,
  type MountTable,
} from './mount-table';
import {
  translateWorkerPath,
  translationFailureToAppError,
  type TranslationResult,
} from './translate-path';

/**
 * Pure: turns what self-detection found into the function that maps a worker path (a realpath)
 * to the path the Docker daemon must bind into a render container. No I/O here; daemon-paths.ts
 * gathers the inputs (inspect, /version, realpath, the sharing probe).
 */
export interface DaemonPathTranslatorInput {
  own: OwnContainer;
  /** The engine's API version, e.g. `1.41`. */
  apiVersion: string;
  hostPathMap: readonly HostPathMapEntry[];
  /**
   * Worker directories a probe container has shown the daemon sees at the same path. Used when
   * the worker's container is `unknown` or on a `foreign-daemon` (a machine that only looks like
   * a container, a shared file system): paths below them are passed through unchanged.
   */
  sharedDirs?: readonly string[];
}

export interface DaemonPathTranslator {
  mode: OwnContainer['mode'];
  /** One line for the start-up log: how paths are translated. */
  summary: string;
  /** The worker's mounts as the daemon listed them (container mode), for the start-up log. */
  mounts: string | undefined;
  /** The daemon-side path of `workerPath` (absolute, realpath); throws the AppError otherwise. */
  translate(workerPath: string): string;
}

/** Never used as an engine API version: makes translate-path prefer a bind over a volume. */
const BIND_ONLY_API = '0.0';

/**
 * A worker outside any container whose daemon is reached over TCP or SSH: that daemon may run on
 * another machine, so the worker's paths are not taken for its own; as for a daemon that does not
 * know the worker's container, HOST_PATH_MAP or the sharing probe decides, else copy mode.
 */
export function withDaemonEndpoint(own: OwnContainer, endpoint: DockerEndpoint): OwnContainer {
  if (own.mode !== 'host') return own;
  const where =
    endpoint.kind === 'tcp'
      ? `${endpoint.tls ? 'https' : 'tcp'}://${endpoint.host}:${endpoint.port}`
      : endpoint.kind === 'other' && endpoint.description.startsWith('ssh://')
        ? endpoint.description
        : undefined;
  if (where === undefined) return own;
  return {
    mode: 'foreign-daemon',
    reason: `the Docker daemon at ${where} may run on another machine (this process: ${own.reason})`,
  };
}

export function createDaemonPathTranslator(input: DaemonPathTranslatorInput): DaemonPathTranslator {
  const { own, hostPathMap } = input;
  if (own.mode === 'host') {
    return {
      mode: 'host',
      summary: `not in a container: worker paths are daemon paths (${own.reason})`,
      mounts: undefined,
      translate: (workerPath) => workerPath,
    };
  }
  if (own.mode === 'container') {
    const table = buildMountTable(own.container.Mounts, own.container.HostConfig?.Tmpfs);
    const details = { mode: own.mode, container: own.container.Id.slice(0, 12) };
    return {
      mode: own.mode,
      summary: `${own.reason}: job folders are translated through its mounts`,
      mounts: describeMountTable(table),
      translate: (workerPath) => {
        const result = translateAsBind(workerPath, table, input);
        if (!result.ok) throw translationFailureToAppError(result, { ...details, workerPath });
        return result.mount.source;
      },
    };
  }
  const sharedDirs = (input.sharedDirs ?? []).map(normaliseContainerPath);
  const empty = buildMountTable([]);
  return {
    mode: own.mode,
    summary:
      sharedDirs.length > 0
        ? `${own.reason}; a probe container saw ${sharedDirs.join(', ')} at the same path, so those paths are passed unchanged`
        : hostPathMap.length > 0
          ? `${own.reason}; job folders are translated with HOST_PATH_MAP only`
          : own.reason,
    mounts: undefined,
    translate: (workerPath) => {
      if (workerPath.startsWith('/') && hostPathMap.length > 0) {
        const mapped = translateWorkerPath(workerPath, empty, {
          apiVersion: input.apiVersion,
          hostPathMap,
          needsWrite: true,
        });
        if (mapped.ok) return mapped.mount.source;
      }
      const path = normaliseContainerPath(workerPath);
      if (sharedDirs.some((dir) => isSameOrUnder(path, dir))) return workerPath;
      const error = ownContainerError({ mode: own.mode, reason: own.reason });
      throw new AppError(
        error.code,
        `The Docker daemon cannot be shown the job folder ${workerPath}: HOST_PATH_MAP does not cover it. ${error.message}`,
        { hint: error.hint, details: { ...error.details, workerPath } },
      );
    },
  };
}

/**
 * The render container runner mounts by daemon path only, so a volume is bound through its
 * Mountpoint (local driver) rather than by name with a sub-path.
 */
function translateAsBind(
  workerPath: string,
  table: MountTable,
  input: DaemonPathTranslatorInput,
): TranslationResult {
  const options = { hostPathMap: input.hostPathMap, needsWrite: true };
  const result = translateWorkerPath(workerPath, table, {
    ...options,
    apiVersion: input.apiVersion,
  });
  if (!result.ok || result.mount.type === 'bind') return result;
  const asBind = translateWorkerPath(workerPath, table, { ...options, apiVersion: BIND_ONLY_API });
  if (!asBind.ok || asBind.mount.type === 'bind') return asBind;
  return {
    ok: false,
    code: 'VOLUME_SUBPATH_UNSUPPORTED',
    message: `Worker path ${workerPath} is the volume ${asBind.mount.source} itself, which has no host directory to bind (worker mounts: ${describeMountTable(table)}).`,
    hint: 'Mount a parent directory of the job folders as the volume (e.g. -v manim-data:/app), or use a bind mount, or set HOST_PATH_MAP.',
  };
}
