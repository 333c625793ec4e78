import { normaliseContainerPath, type InspectMount } from '../mount-table';
import type { ContainerIdCandidate } from './container-id-candidates';

/** The part of `GET /containers/{id}/json` that self-detection and path translation read. */
export interface InspectLike {
  Id: string;
  Name?: string;
  Config?: { Hostname?: string; Domainname?: string } | null;
  HostConfig?: {
    UTSMode?: string;
    NetworkMode?: string;
    Tmpfs?: Record<string, string> | null;
  } | null;
  Mounts?: InspectMount[] | null;
}

export interface VerifyInput {
  inspect: InspectLike;
  candidate: ContainerIdCandidate;
  /** `os.hostname()` of this process. */
  hostname: string;
  /** Mount points from our `/proc/self/mountinfo`; undefined when it could not be read. */
  ourMountPoints: ReadonlySet<string> | undefined;
}

export interface Verdict {
  accepted: boolean;
  /** One line: why it is (or is not) us. */
  reason: string;
  /** Checks that failed but were overridden by an explicit setting, or could not run. */
  warnings: string[];
}

/**
 * Directories that images commonly make symlinks, so that a Destination under the first shows up
 * in mountinfo under the second (`-v /var/run/docker.sock:/var/run/docker.sock` is mounted at
 * `/run/docker.sock` in a Debian-based image).
 */
const SYMLINKED_DIRS: ReadonlyArray<readonly [string, string]> = [
  ['/var/run', '/run'],
  ['/var/lock', '/run/lock'],
];

/**
 * Decides whether the inspected container is the one this process runs in. All must hold:
 * 1. its Id starts with the candidate (or, for a name, its Name is the candidate);
 * 2. its `Config.Hostname` is our hostname, unless it shares the host's UTS or network namespace;
 * 3. every bind and volume Destination it lists is a mount point in our mountinfo.
 *
 * For an explicit WORKER_CONTAINER only rule 1 rejects: the operator said which container it is,
 * so a failed rule 2 or 3 becomes a warning instead.
 */
export function verifyOwnContainer(input: VerifyInput): Verdict {
  const { inspect, candidate } = input;
  const explicit = candidate.source === 'setting';
  const label = describeContainer(inspect);
  const name = (inspect.Name ?? '').replace(/^\//, '');
  const idMatches = inspect.Id.startsWith(candidate.value);
  const nameMatches = candidate.kind === 'name' && name === candidate.value;
  if (!idMatches && !nameMatches) {
    return reject(
      `${label} does not match ${candidate.value}: ${candidate.kind === 'name' ? 'neither its name nor its id' : 'its id does not start with it'}`,
    );
  }

  const problems: string[] = [];
  const warnings: string[] = [];
  const hostnameProblem = checkHostname(inspect, input.hostname);
  if (hostnameProblem !== undefined) problems.push(hostnameProblem);
  if (input.ourMountPoints === undefined) {
    warnings.push('mounts not cross-checked: /proc/self/mountinfo could not be read');
  } else {
    const missing = missingDestinations(inspect.Mounts ?? [], input.ourMountPoints);
    if (missing.length > 0) {
      problems.push(
        `its mount destinations ${missing.join(', ')} are not mount points in our /proc/self/mountinfo`,
      );
    }
  }

  if (problems.length > 0 && !explicit) {
    return reject(`${label} is not this container: ${problems.join('; ')}`);
  }
  warnings.push(...problems.map((problem) => `${label} (WORKER_CONTAINER): ${problem}`));
  const how = explicit
    ? `named by WORKER_CONTAINER=${candidate.value}`
    : `from ${candidate.source}`;
  return { accepted: true, reason: `${label} is this container (${how})`, warnings };
}

function checkHostname(inspect: InspectLike, ourHostname: string): string | undefined {
  const hostConfig = inspect.HostConfig ?? {};
  if (hostConfig.UTSMode === 'host' || hostConfig.NetworkMode === 'host') return undefined;
  const hostname = inspect.Config?.Hostname ?? '';
  const domain = inspect.Config?.Domainname ?? '';
  if (hostname === ourHostname) return undefined;
  if (domain !== '' && `${hostname}.${domain}` === ourHostname) return undefined;
  return `its hostname "${hostname}" is not ours ("${ourHostname}")`;
}

function missingDestinations(
  mounts: readonly InspectMount[],
  ourMountPoints: ReadonlySet<string>,
): string[] {
  const missing: string[] = [];
  for (const mount of mounts) {
    if (mount.Type !== 'bind' && mount.Type !== 'volume') continue;
    const destination = mount.Destination ?? '';
    if (!destination.startsWith('/')) continue;
    const normalised = normaliseContainerPath(destination);
    if (!aliases(normalised).some((path) => ourMountPoints.has(path))) missing.push(normalised);
  }
  return missing;
}

function aliases(path: string): string[] {
  const found = [path];
  for (const [from, to] of SYMLINKED_DIRS) {
    if (path === from || path.startsWith(`${from}/`)) found.push(to + path.slice(from.length));
  }
  return found;
}

function describeContainer(inspect: InspectLike): string {
  const name = inspect.Name ?? '';
  return `container ${name === '' ? '' : `${name} `}(${inspect.Id.slice(0, 12)})`;
}

function reject(reason: string): Verdict {
  return { accepted: false, reason, warnings: [] };
}
