import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import type Docker from 'dockerode';
import { AppError } from '../../../errors/app-error';
import {
  idFromCpuset,
  idsFromCgroup,
  idsFromMountinfo,
  mountPointsFromMountinfo,
  orderCandidates,
  parseMountinfo,
  type ContainerIdCandidate,
} from './container-id-candidates';
import { verifyOwnContainer, type InspectLike } from './verify-own-container';

/** Everything self-detection touches outside itself, injected so tests can fake it. */
export interface OwnContainerDeps {
  /** The file's text, or undefined when it is missing or unreadable. */
  readFile(path: string): Promise<string | undefined>;
  /** The container, or undefined when the daemon answers 404; other failures throw. */
  inspect(idOrName: string): Promise<InspectLike | undefined>;
  /** `os.hostname()`. */
  hostname: string;
}

export type OwnContainer =
  /** Not in a container: worker paths are daemon paths. */
  | { mode: 'host'; reason: string }
  | {
      mode: 'container';
      container: InspectLike;
      candidate: ContainerIdCandidate;
      reason: string;
      warnings: string[];
    }
  /**
   * `foreign-daemon`: we are in a container the daemon does not know (DinD sidecar, remote
   * DOCKER_HOST, Kubernetes); `unknown`: in a container, but none could be confirmed as us.
   * Either way the caller needs HOST_PATH_MAP or copy mode.
   */
  | { mode: 'foreign-daemon' | 'unknown'; reason: string };

export const SELF_FILES = {
  mountinfo: '/proc/self/mountinfo',
  cgroup: '/proc/self/cgroup',
  cpuset: '/proc/1/cpuset',
  dockerenv: '/.dockerenv',
  containerenv: '/run/.containerenv',
} as const;

type Attempt =
  | { candidate: ContainerIdCandidate; outcome: 'not-found' }
  | { candidate: ContainerIdCandidate; outcome: 'rejected' | 'failed'; why: string };

/**
 * Finds the container this worker runs in, so that its mounts can be translated.
 *
 * - No `/.dockerenv`, no `/run/.containerenv`, no container id in `/proc` and no setting: `host`.
 * - Otherwise every candidate (see `orderCandidates`) is inspected and verified
 *   (`verifyOwnContainer`); the first that passes is us. A WORKER_CONTAINER that does not pass
 *   is reported in the warnings of whatever detection finds next.
 * - Nothing passes: `foreign-daemon` when every lookup was a 404 and at least one id came from
 *   `/proc`, `unknown` otherwise. The reason names the files read, what they held and what each
 *   lookup answered.
 */
export async function findOwnContainer(
  deps: OwnContainerDeps,
  options: { setting?: string | undefined } = {},
): Promise<OwnContainer> {
  const [mountinfo, cgroup, cpuset, dockerenv, containerenv] = await Promise.all([
    deps.readFile(SELF_FILES.mountinfo),
    deps.readFile(SELF_FILES.cgroup),
    deps.readFile(SELF_FILES.cpuset),
    deps.readFile(SELF_FILES.dockerenv),
    deps.readFile(SELF_FILES.containerenv),
  ]);
  const fromCpuset = cpuset === undefined ? undefined : idFromCpuset(cpuset);
  const detected = [
    ...(mountinfo === undefined ? [] : idsFromMountinfo(mountinfo)),
    ...(cgroup === undefined ? [] : idsFromCgroup(cgroup)),
    ...(fromCpuset === undefined ? [] : [fromCpuset]),
  ];
  const setting = options.setting?.trim() || undefined;
  const files = describeFiles({ mountinfo, cgroup, cpuset, dockerenv, containerenv });
  const hasEvidence = dockerenv !== undefined || containerenv !== undefined || detected.length > 0;
  if (!hasEvidence && setting === undefined) {
    return { mode: 'host', reason: `no sign of a container: ${files}` };
  }

  const candidates = orderCandidates({ setting, detected, hostname: deps.hostname });
  const ourMountPoints = mountinfo === undefined ? undefined : mountPointsFromMountinfo(mountinfo);
  const attempts: Attempt[] = [];
  for (const candidate of candidates) {
    let inspected: InspectLike | undefined;
    try {
      inspected = await deps.inspect(candidate.value);
    } catch (error) {
      attempts.push({ candidate, outcome: 'failed', why: (error as Error).message });
      continue;
    }
    if (inspected === undefined) {
      attempts.push({ candidate, outcome: 'not-found' });
      continue;
    }
    const verdict = verifyOwnContainer({
      inspect: inspected,
      candidate,
      hostname: deps.hostname,
      ourMountPoints,
    });
    if (verdict.accepted) {
      return {
        mode: 'container',
        container: inspected,
        candidate,
        reason: verdict.reason,
        warnings: [
          ...attempts
            .filter((attempt) => attempt.candidate.source === 'setting')
            .map(
              (attempt) =>
                `WORKER_CONTAINER=${attempt.candidate.value} ignored: ${describeAttempt(attempt)}`,
            ),
          ...verdict.warnings,
        ],
      };
    }
    attempts.push({ candidate, outcome: 'rejected', why: verdict.reason });
  }

  const tried =
    attempts.length === 0
      ? 'no container id or name to look up'
      : attempts
          .map(
            (attempt) =>
              `${attempt.candidate.value} (${attempt.candidate.source}): ${describeAttempt(attempt)}`,
          )
          .join('; ');
  const allNotFound =
    attempts.length > 0 && attempts.every((attempt) => attempt.outcome === 'not-found');
  const fromProc = attempts.some((attempt) =>
    ['mountinfo', 'cgroup', 'cpuset'].includes(attempt.candidate.source),
  );
  const mode = allNotFound && fromProc ? 'foreign-daemon' : 'unknown';
  const summary =
    mode === 'foreign-daemon'
      ? 'this process runs in a container the Docker daemon does not know (Docker-in-Docker sidecar, remote DOCKER_HOST or Kubernetes)'
      : 'this process runs in a container, but none could be confirmed as this one';
  return { mode, reason: `${summary}: tried ${tried}; read ${files}; hostname "${deps.hostname}"` };
}

/** The AppError for a `foreign-daemon` or `unknown` result when no fallback is configured. */
export function ownContainerError(result: {
  mode: 'foreign-daemon' | 'unknown';
  reason: string;
}): AppError {
  return new AppError(
    'worker_container_unknown',
    result.mode === 'foreign-daemon'
      ? `The Docker daemon cannot see the worker's files: ${result.reason}`
      : `Cannot tell which container the worker runs in: ${result.reason}`,
    {
      hint:
        result.mode === 'foreign-daemon'
          ? 'Set HOST_PATH_MAP to the directories behind the job folders as the daemon sees them, or let job files be copied (JOB_FILE_TRANSFER=auto or copy).'
          : "Set WORKER_CONTAINER to the worker's container name or id, set HOST_PATH_MAP, or let job files be copied (JOB_FILE_TRANSFER=auto or copy).",
      details: { mode: result.mode },
    },
  );
}

/** The real dependencies: `node:fs/promises`, `os.hostname()` and a dockerode client. */
export function createOwnContainerDeps(docker: Docker): OwnContainerDeps {
  return {
    hostname: hostname(),
    async readFile(path) {
      try {
        return await readFile(path, 'utf8');
      } catch {
        return undefined;
      }
    },
    async inspect(idOrName) {
      try {
        return await docker.getContainer(idOrName).inspect();
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode === 404) return undefined;
        throw error;
      }
    },
  };
}

function describeAttempt(attempt: Attempt): string {
  if (attempt.outcome === 'not-found') return 'not found on this Docker daemon (404)';
  if (attempt.outcome === 'failed') return `inspect failed: ${attempt.why}`;
  return attempt.why;
}

function describeFiles(texts: {
  mountinfo: string | undefined;
  cgroup: string | undefined;
  cpuset: string | undefined;
  dockerenv: string | undefined;
  containerenv: string | undefined;
}): string {
  const missing = 'missing or unreadable';
  const parts = [
    `${SELF_FILES.dockerenv} ${texts.dockerenv === undefined ? 'absent' : 'present'}`,
    `${SELF_FILES.containerenv} ${texts.containerenv === undefined ? 'absent' : 'present'}`,
    `${SELF_FILES.mountinfo} ${texts.mountinfo === undefined ? missing : describeMountinfo(texts.mountinfo)}`,
    `${SELF_FILES.cgroup} ${texts.cgroup === undefined ? missing : describeCgroup(texts.cgroup)}`,
    `${SELF_FILES.cpuset} ${texts.cpuset === undefined ? missing : `"${clip(texts.cpuset.trim())}"`}`,
  ];
  return parts.join(', ');
}

function describeMountinfo(text: string): string {
  const entries = parseMountinfo(text);
  const runtimeFiles = entries.filter((entry) =>
    ['/etc/hostname', '/etc/hosts', '/etc/resolv.conf'].includes(entry.mountPoint),
  );
  if (runtimeFiles.length === 0) return `(${entries.length} mounts, no /etc/hostname mount)`;
  const shown = runtimeFiles.map((entry) => `${entry.mountPoint} from ${clip(entry.root)}`);
  return `(${entries.length} mounts; ${shown.join(', ')})`;
}

function describeCgroup(text: string): string {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  if (lines.length === 0) return '(empty)';
  const first = lines.find((line) => idsFromCgroup(line).length > 0) ?? lines[0] ?? '';
  return `(${lines.length} lines, e.g. "${clip(first.trim())}")`;
}

function clip(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
