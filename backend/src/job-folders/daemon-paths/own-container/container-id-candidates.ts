/**
 * Pure parsers that turn the contents of `/proc/self/mountinfo`, `/proc/self/cgroup`,
 * `/proc/1/cpuset` and the hostname into candidate ids of the container this process runs in.
 * Nothing here reads a file: the caller passes the text (see find-own-container.ts).
 *
 * A candidate is only a guess; verify-own-container.ts decides whether the daemon's container of
 * that id really is us.
 */

/** Where a candidate came from, in the order they are tried. */
export type CandidateSource = 'setting' | 'mountinfo' | 'cgroup' | 'cpuset' | 'hostname';

/**
 * - `id`: a full 64-hex container id.
 * - `id-prefix`: a 12-hex hostname, looked up as an id prefix.
 * - `name`: an explicit setting that is not hex (a container name).
 * - `sandbox-id`: a containerd/CRI sandbox (pod) id: evidence of a container, but the id of the
 *   pod's pause container rather than ours, so it is tried after every other detected id.
 */
export type CandidateKind = 'id' | 'id-prefix' | 'name' | 'sandbox-id';

export interface ContainerIdCandidate {
  /** What to look up: an id, an id prefix or a container name. */
  value: string;
  kind: CandidateKind;
  source: CandidateSource;
  /** For messages: the line or file content the value was taken from. */
  evidence: string;
}

/** One line of /proc/self/mountinfo, with octal escapes (`\040`) undone. */
export interface MountinfoEntry {
  mountId: string;
  parentId: string;
  /** Path inside the mounted filesystem that is the root of this mount (field 4). */
  root: string;
  /** Where it is mounted, as this process sees it (field 5). */
  mountPoint: string;
  fsType: string;
  mountSource: string;
}

const HEX64 = /^[0-9a-f]{64}$/;
const HEX64_TOKEN = /(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])/g;
const HEX12 = /^[0-9a-f]{12}$/;
const HEX_PREFIX = /^[0-9a-f]{12,63}$/;

/**
 * The files the runtime bind-mounts into every container, most telling first. Their source path
 * holds the container's id in every known layout:
 * - Docker: `/var/lib/docker/containers/<id>/hostname` (or `/docker/containers/<id>/…` on Docker
 *   Desktop, or `/<id>/hostname` when the data root is its own filesystem);
 * - Podman: `…/overlay-containers/<id>/userdata/hostname`;
 * - containerd/CRI: `…/sandboxes/<id>/hostname` (the pod sandbox).
 */
const RUNTIME_FILES = ['/etc/hostname', '/etc/hosts', '/etc/resolv.conf'] as const;
const RUNTIME_FILE_ROOT = /(?:^|\/)([0-9a-f]{64})(?:\/userdata)?\/(?:hostname|hosts|resolv\.conf)$/;
const SANDBOX_ROOT = /\/sandboxes\/[0-9a-f]{64}\/[^/]+$/;

/** Undoes the kernel's octal escapes in mountinfo fields (`\040` space, `\011` tab, `\134` `\`). */
export function unescapeMountinfoField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_match, octal: string) =>
    String.fromCharCode(parseInt(octal, 8)),
  );
}

/**
 * Parses mountinfo text. Lines too short to be mountinfo are skipped rather than thrown on, so a
 * truncated read still yields what it can. Mount options are not kept: overlay options hold
 * 64-hex layer ids that must never be mistaken for a container id.
 */
export function parseMountinfo(text: string): MountinfoEntry[] {
  const entries: MountinfoEntry[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(' ');
    if (fields.length < 6) continue;
    const separator = fields.indexOf('-', 6);
    const [mountId, parentId, , root, mountPoint] = fields;
    if (mountId === undefined || parentId === undefined) continue;
    if (root === undefined || mountPoint === undefined) continue;
    entries.push({
      mountId,
      parentId,
      root: unescapeMountinfoField(root),
      mountPoint: unescapeMountinfoField(mountPoint),
      fsType: separator === -1 ? '' : (fields[separator + 1] ?? ''),
      mountSource: separator === -1 ? '' : unescapeMountinfoField(fields[separator + 2] ?? ''),
    });
  }
  return entries;
}

/** Every mount point of this process (unescaped), for the cross-check in verify-own-container. */
export function mountPointsFromMountinfo(text: string): Set<string> {
  return new Set(parseMountinfo(text).map((entry) => entry.mountPoint));
}

/**
 * Container ids named by the sources of the runtime's bind-mounted files: `/etc/hostname` first,
 * then `/etc/hosts`, then `/etc/resolv.conf`. Only those lines are looked at, and only their
 * root field, so overlay `upperdir=` options and volume paths never produce a candidate.
 */
export function idsFromMountinfo(text: string): ContainerIdCandidate[] {
  const entries = parseMountinfo(text);
  const candidates: ContainerIdCandidate[] = [];
  for (const file of RUNTIME_FILES) {
    for (const entry of entries) {
      if (entry.mountPoint !== file) continue;
      const match = RUNTIME_FILE_ROOT.exec(entry.root);
      const id = match?.[1];
      if (id === undefined) continue;
      if (candidates.some((candidate) => candidate.value === id)) continue;
      candidates.push({
        value: id,
        kind: SANDBOX_ROOT.test(entry.root) ? 'sandbox-id' : 'id',
        source: 'mountinfo',
        evidence: `${file} is mounted from ${entry.root}`,
      });
    }
  }
  return candidates;
}

/**
 * Container ids named by `/proc/self/cgroup`: per line the path after the second `:`, and in it
 * the last 64-hex token, which covers cgroup v1 and v2, `docker-<id>.scope`, `libpod-<id>`,
 * `cri-containerd-<id>`, `crio-<id>`, Kubernetes and ECS paths, and nested Docker
 * (`/docker/<outer>/docker/<inner>` gives the inner id). The root path `/` (cgroup namespaces,
 * usual with cgroup v2) and malformed lines give nothing; nothing throws.
 */
export function idsFromCgroup(text: string): ContainerIdCandidate[] {
  const candidates: ContainerIdCandidate[] = [];
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    const fields = line.split(':');
    if (fields.length < 3) continue;
    const path = fields.slice(2).join(':');
    const id = lastHex64(path);
    if (id === undefined) continue;
    if (candidates.some((candidate) => candidate.value === id)) continue;
    candidates.push({ value: id, kind: 'id', source: 'cgroup', evidence: line });
  }
  return candidates;
}

/** The container id in `/proc/1/cpuset` (one cgroup path), if any. */
export function idFromCpuset(text: string): ContainerIdCandidate | undefined {
  const path = text.trim();
  const id = lastHex64(path);
  if (id === undefined) return undefined;
  return { value: id, kind: 'id', source: 'cpuset', evidence: path };
}

/** Docker's default hostname is the first 12 hex digits of the id: usable as an id prefix. */
export function idPrefixFromHostname(hostname: string): ContainerIdCandidate | undefined {
  if (!HEX12.test(hostname)) return undefined;
  return {
    value: hostname,
    kind: 'id-prefix',
    source: 'hostname',
    evidence: `hostname ${hostname}`,
  };
}

/** The candidate for an explicit WORKER_CONTAINER setting (an id, an id prefix or a name). */
export function candidateFromSetting(setting: string): ContainerIdCandidate | undefined {
  const value = setting.trim();
  if (value === '') return undefined;
  const kind: CandidateKind = HEX64.test(value)
    ? 'id'
    : HEX_PREFIX.test(value)
      ? 'id-prefix'
      : 'name';
  return { value, kind, source: 'setting', evidence: `WORKER_CONTAINER=${value}` };
}

/**
 * The order in which candidates are inspected:
 * 1. the explicit setting (id or name), always first;
 * 2. detected ids that start with a 12-hex hostname (Docker's default hostname is a strong hint),
 *    then the other detected ids in the order given (mountinfo before cgroup before cpuset);
 * 3. containerd sandbox ids;
 * 4. the hostname as an id prefix, only when no detected id already starts with it.
 * Values are de-duplicated; the first occurrence wins.
 */
export function orderCandidates(input: {
  setting?: string | undefined;
  detected: readonly ContainerIdCandidate[];
  hostname?: string | undefined;
}): ContainerIdCandidate[] {
  const explicit = input.setting === undefined ? undefined : candidateFromSetting(input.setting);
  const prefix = input.hostname === undefined ? undefined : idPrefixFromHostname(input.hostname);
  const startsWithHostname = (candidate: ContainerIdCandidate): boolean =>
    prefix !== undefined && candidate.value.startsWith(prefix.value);
  const ids = input.detected.filter((candidate) => candidate.kind !== 'sandbox-id');
  const sandboxes = input.detected.filter((candidate) => candidate.kind === 'sandbox-id');
  const ordered = [
    ...(explicit === undefined ? [] : [explicit]),
    ...ids.filter(startsWithHostname),
    ...ids.filter((candidate) => !startsWithHostname(candidate)),
    ...sandboxes,
  ];
  if (prefix !== undefined && !ordered.some(startsWithHostname)) ordered.push(prefix);
  const seen = new Set<string>();
  return ordered.filter((candidate) => {
    if (seen.has(candidate.value)) return false;
    seen.add(candidate.value);
    return true;
  });
}

function lastHex64(text: string): string | undefined {
  const tokens = text.match(HEX64_TOKEN);
  return tokens === null ? undefined : tokens[tokens.length - 1];
}
