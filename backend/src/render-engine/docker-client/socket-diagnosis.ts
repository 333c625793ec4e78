/**
 * Pure: why the Docker Engine cannot be reached through its endpoint, and the exact fix. Works on
 * facts gathered elsewhere (socket-facts.ts: lstat/stat of the socket, the process's uid and
 * groups; the error code of the failed connection) so that every case can be tested with fakes.
 */

/** Where the client connects, as docker-modem reads DOCKER_HOST. */
export type DockerEndpoint =
  | { kind: 'unix'; path: string }
  | { kind: 'tcp'; host: string; port: string; tls: boolean }
  /** ssh://, npipe://: nothing to diagnose here. */
  | { kind: 'other'; description: string };

/** What stat (following links) and lstat found at a socket path. */
export interface SocketFacts {
  path: string;
  /** False when nothing is there, or only a symbolic link to nothing. */
  exists: boolean;
  /** A symbolic link whose target is missing. */
  brokenLink?: boolean;
  isSocket: boolean;
  isDirectory: boolean;
  uid?: number;
  gid?: number;
  /** st_mode: file type and permission bits. */
  mode?: number;
  ownerName?: string;
  groupName?: string;
  /** Why stat itself failed, other than a missing file (e.g. EACCES on a parent directory). */
  statError?: string;
}

/** Who the process is: `process.getuid()`, `getgid()`, `getgroups()`. */
export interface ProcessIdentity {
  uid: number;
  gid: number;
  groups: number[];
}

export type SocketProblem =
  | 'socket-missing'
  | 'socket-is-directory'
  | 'socket-not-a-socket'
  | 'socket-unreadable-path'
  | 'socket-group-missing'
  | 'socket-root-group'
  | 'socket-rootless'
  | 'socket-mode-denies'
  | 'socket-denied-by-security-policy'
  | 'socket-not-listening'
  | 'tcp-refused'
  | 'tcp-tls'
  | 'tcp-unreachable';

export interface SocketDiagnosis {
  problem: SocketProblem;
  /** What is wrong and where, with the facts (owner, gid, mode, the process's uid and groups). */
  message: string;
  /** How to fix it, with the exact Compose and docker run options. */
  hint: string;
}

export interface DiagnosisInput {
  endpoint: DockerEndpoint;
  /** The facts of `endpoint.path` for a unix endpoint. */
  socket?: SocketFacts;
  process: ProcessIdentity;
  /** DOCKER_HOST as set, for messages and the rootless check. */
  dockerHost?: string | undefined;
  /** The failed connection's error; without it the facts alone decide (a prediction). */
  error?: { code?: string | undefined; message?: string | undefined };
}

const DENIED_CODES: ReadonlySet<string> = new Set(['EACCES', 'EPERM']);
const UNREACHABLE_CODES: ReadonlySet<string> = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
]);

/** The problem behind a failed (or, without `error`, a predicted) connection; undefined if none is known. */
export function diagnoseEngineAccess(input: DiagnosisInput): SocketDiagnosis | undefined {
  if (input.endpoint.kind === 'tcp') return diagnoseTcp(input.endpoint, input);
  if (input.endpoint.kind !== 'unix' || input.socket === undefined) return undefined;
  return diagnoseUnix(input.socket, input);
}

function diagnoseUnix(socket: SocketFacts, input: DiagnosisInput): SocketDiagnosis | undefined {
  const code = input.error?.code;
  const where = dockerHostNote(input.dockerHost, socket.path);
  if (socket.statError !== undefined) {
    return {
      problem: 'socket-unreadable-path',
      message: `${socket.path}${where} cannot be looked at (${socket.statError}): ${describeIdentity(input.process)} may not search a directory above it`,
      hint: `Make the directories above ${socket.path} searchable for the worker's user, or mount the socket somewhere it can reach (docker run: -v /var/run/docker.sock:/var/run/docker.sock).`,
    };
  }
  if (!socket.exists) {
    const what = socket.brokenLink
      ? 'is a symbolic link to a file that does not exist'
      : 'does not exist';
    return {
      problem: 'socket-missing',
      message: `${socket.path} ${what}${where}: no Docker Engine socket there`,
      hint: `Start the Docker Engine (\`npm run setup\` does it as root); for a worker in a container, mount the host's socket (Compose: volumes: ['/var/run/docker.sock:/var/run/docker.sock']; docker run: -v /var/run/docker.sock:/var/run/docker.sock); or set DOCKER_HOST=unix://<socket path>. \`npm run doctor\` lists the sockets it finds.`,
    };
  }
  if (socket.isDirectory) {
    return {
      problem: 'socket-is-directory',
      message: `${socket.path} is a directory, not the Docker socket${where}: the host's socket did not exist when the container started, so Docker created an empty directory in its place`,
      hint: `Start the Docker Engine on the host first, then recreate the worker container (docker compose up -d --force-recreate worker). If the host now has an empty directory at ${socket.path}, remove it (sudo rmdir ${socket.path}) and restart the engine.`,
    };
  }
  if (!socket.isSocket) {
    return {
      problem: 'socket-not-a-socket',
      message: `${socket.path} is a ${fileType(socket.mode)}, not a socket${where}`,
      hint: `Point DOCKER_HOST at the engine's socket (unix:///var/run/docker.sock on most hosts), or mount the host's socket at ${socket.path}.`,
    };
  }

  const access = socketAccess(socket, input.process);
  const denied =
    code !== undefined ? DENIED_CODES.has(code) : input.error === undefined && !access.allowed;
  if (denied) return diagnoseDenied(socket, input, access);
  if (code === 'ECONNREFUSED') {
    return {
      problem: 'socket-not-listening',
      message: `nothing listens on ${socket.path}${where}: the socket file is there (${describeSocket(socket)}) but no Docker Engine answers on it`,
      hint: `Start the Docker Engine (\`npm run setup\` does it as root; or systemctl start docker). A worker container keeps the socket file it started with: after the engine restarts on the host, restart the worker container.`,
    };
  }
  return undefined;
}

function diagnoseDenied(
  socket: SocketFacts,
  input: DiagnosisInput,
  access: SocketAccess,
): SocketDiagnosis {
  const proc = input.process;
  const facts = `${socket.path} is ${describeSocket(socket)}`;
  const who = describeIdentity(proc);
  const gid = socket.gid ?? 0;
  if (proc.uid !== 0 && isRootlessPath(input.dockerHost, socket.path)) {
    return {
      problem: 'socket-rootless',
      message: `${facts}, the socket of a rootless Docker Engine, and ${who} may not use it`,
      hint: `Run the worker as root inside its container (Compose: user: '0:0'; docker run: --user 0): with rootless Docker, container root is the host user who runs the engine, not the host's root. A group does not help: the socket's group is a mapped one. On the host, run the worker as the user who runs the rootless engine.`,
    };
  }
  if (proc.uid === 0 || access.allowed) {
    const despite =
      proc.uid === 0
        ? 'although the worker runs as root'
        : `although its mode lets ${who} in (as ${access.as})`;
    return {
      problem: 'socket-denied-by-security-policy',
      message: `permission denied on ${socket.path} (${describeSocket(socket)}) ${despite}: a security policy (SELinux or AppArmor) keeps this process from the socket`,
      hint: `On an SELinux host, install the selinux-dockersock policy module, or mount the socket with :z (docker run: -v /var/run/docker.sock:/var/run/docker.sock:z), or run the worker with security_opt: ['label=disable'] (docker run: --security-opt label=disable).`,
    };
  }
  if (access.as !== 'other') {
    return {
      problem: 'socket-mode-denies',
      message: `${facts} and its mode gives its ${access.as === 'owner' ? 'owner' : 'group'} no write permission, so ${who} may not connect`,
      hint: `Restore the socket's mode on the host: sudo chmod 660 ${socket.path} (the engine creates it srw-rw----; restarting the engine does too).`,
    };
  }
  if (gid === 0) {
    return {
      problem: 'socket-root-group',
      message: `${facts}, as Docker Desktop and OrbStack make it, and ${who} is not in group 0`,
      hint: `Run the worker as root (Compose: user: '0:0'; docker run: --user 0), or add group_add: ['0'] to the worker service (docker run: --group-add 0), which gives it the root group; or put a Docker socket proxy in front of the socket and point DOCKER_HOST at it.`,
    };
  }
  return {
    problem: 'socket-group-missing',
    message: `${facts} and ${who} is not in group ${gid}`,
    hint: `Add group_add: ['${gid}'] to the worker service (docker run: --group-add ${gid}); for a worker on the host, add its user to group ${socket.groupName === undefined ? gid : `${socket.groupName} (${gid})`} (scripts/fix-docker-permissions.sh --fix).`,
  };
}

function diagnoseTcp(
  endpoint: Extract<DockerEndpoint, { kind: 'tcp' }>,
  input: DiagnosisInput,
): SocketDiagnosis | undefined {
  const code = input.error?.code ?? '';
  const text = input.error?.message ?? '';
  const address = `${endpoint.host}:${endpoint.port}`;
  const setting = input.dockerHost ? ` (DOCKER_HOST=${input.dockerHost})` : '';
  if (isTlsFailure(code, text)) {
    return {
      problem: 'tcp-tls',
      message: `the Docker Engine at ${address}${setting} and this client disagree about TLS: ${text || code}`,
      hint: endpoint.tls
        ? 'Set DOCKER_CERT_PATH to the folder with ca.pem, cert.pem and key.pem issued for this engine (and DOCKER_TLS_VERIFY=1); check that the server certificate names the host in DOCKER_HOST.'
        : 'The engine speaks TLS on this port (2376 by convention): set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH to the folder with ca.pem, cert.pem and key.pem.',
    };
  }
  if (code === 'ECONNREFUSED') {
    return {
      problem: 'tcp-refused',
      message: `nothing listens on ${address}${setting}`,
      hint: 'Start the Docker Engine there with a TCP listener (dockerd -H tcp://0.0.0.0:2376 --tlsverify …), or fix the host and port in DOCKER_HOST.',
    };
  }
  if (UNREACHABLE_CODES.has(code)) {
    return {
      problem: 'tcp-unreachable',
      message: `${address}${setting} cannot be reached (${code})`,
      hint: 'Check the host name in DOCKER_HOST and the network (and firewall) between the worker and the engine.',
    };
  }
  return undefined;
}

function isTlsFailure(code: string, message: string): boolean {
  return (
    code === 'EPROTO' ||
    code.startsWith('ERR_SSL') ||
    code.startsWith('ERR_TLS') ||
    code.includes('CERT') ||
    code.includes('SIGNATURE') ||
    code.startsWith('UNABLE_TO_') ||
    /certificate|ssl|tls|https server/i.test(message)
  );
}

export interface SocketAccess {
  /** Whether the mode bits let the process connect (write permission on the socket). */
  allowed: boolean;
  /** Which permission class applies. */
  as: 'root' | 'owner' | 'group' | 'other';
}

/** What the socket's mode bits allow the process; root is allowed whatever the mode. */
export function socketAccess(socket: SocketFacts, proc: ProcessIdentity): SocketAccess {
  if (proc.uid === 0) return { allowed: true, as: 'root' };
  const mode = socket.mode ?? 0;
  if (socket.uid === proc.uid) return { allowed: (mode & 0o200) !== 0, as: 'owner' };
  if (socket.gid !== undefined && groupsOf(proc).includes(socket.gid)) {
    return { allowed: (mode & 0o020) !== 0, as: 'group' };
  }
  return { allowed: (mode & 0o002) !== 0, as: 'other' };
}

/** A rootless engine's socket lives in the user's runtime directory. */
export function isRootlessPath(dockerHost: string | undefined, socketPath: string): boolean {
  return /\/run\/user\/\d+\//.test(dockerHost ?? '') || /^\/run\/user\/\d+\//.test(socketPath);
}

function groupsOf(proc: ProcessIdentity): number[] {
  return [...new Set([proc.gid, ...proc.groups])].sort((a, b) => a - b);
}

/** `uid 1001 (groups 1001, 4242)`. */
export function describeIdentity(proc: ProcessIdentity): string {
  return `uid ${proc.uid} (groups ${groupsOf(proc).join(', ')})`;
}

/** `root:docker (gid 998, mode srw-rw----)`. */
export function describeSocket(socket: SocketFacts): string {
  const owner = socket.ownerName ?? String(socket.uid ?? '?');
  const group = socket.groupName ?? String(socket.gid ?? '?');
  return `${owner}:${group} (gid ${socket.gid ?? '?'}, mode ${formatMode(socket.mode ?? 0)})`;
}

const FILE_TYPES: ReadonlyArray<[number, string, string]> = [
  [0o140000, 's', 'socket'],
  [0o120000, 'l', 'symbolic link'],
  [0o100000, '-', 'regular file'],
  [0o060000, 'b', 'block device'],
  [0o040000, 'd', 'directory'],
  [0o020000, 'c', 'character device'],
  [0o010000, 'p', 'named pipe'],
];

function typeEntry(mode: number | undefined): [number, string, string] | undefined {
  return FILE_TYPES.find(([bits]) => ((mode ?? 0) & 0o170000) === bits);
}

function fileType(mode: number | undefined): string {
  return typeEntry(mode)?.[2] ?? 'file of unknown type';
}

/** `ls -l` style: `srw-rw----`. */
export function formatMode(mode: number): string {
  const type = typeEntry(mode)?.[1] ?? '?';
  const bits = ['r', 'w', 'x', 'r', 'w', 'x', 'r', 'w', 'x'];
  const permissions = bits.map((letter, index) => ((mode >> (8 - index)) & 1 ? letter : '-'));
  return type + permissions.join('');
}

function dockerHostNote(dockerHost: string | undefined, socketPath: string): string {
  if (!dockerHost) return '';
  return dockerHost === `unix://${socketPath}` ? ' (DOCKER_HOST)' : ` (DOCKER_HOST=${dockerHost})`;
}

/** The name for `id` in /etc/passwd or /etc/group text (`name:x:id:…` lines). */
export function nameForId(accountsText: string | undefined, id: number): string | undefined {
  if (accountsText === undefined) return undefined;
  for (const line of accountsText.split('\n')) {
    const fields = line.split(':');
    if (fields.length >= 3 && fields[2] === String(id) && fields[0]) return fields[0];
  }
  return undefined;
}

/**
 * docker-modem's reading of DOCKER_HOST: unset or `unix://` without a path means the default
 * socket; `tcp://` (or a bare host:port) is TLS when DOCKER_TLS_VERIFY=1 or the port is 2376.
 */
export function parseDockerHost(
  dockerHost: string | undefined,
  options: { defaultSocket: string; tlsVerify: boolean },
): DockerEndpoint {
  if (!dockerHost) return { kind: 'unix', path: options.defaultSocket };
  if (dockerHost.startsWith('unix://')) {
    return { kind: 'unix', path: dockerHost.slice('unix://'.length) || options.defaultSocket };
  }
  if (dockerHost.startsWith('npipe://') || dockerHost.startsWith('ssh://')) {
    return { kind: 'other', description: dockerHost };
  }
  try {
    const url = new URL(dockerHost.includes('//') ? dockerHost : `tcp://${dockerHost}`);
    return {
      kind: 'tcp',
      host: url.hostname,
      port: url.port,
      tls: options.tlsVerify || url.port === '2376',
    };
  } catch {
    return { kind: 'other', description: dockerHost };
  }
}

/**
 * Where an engine's socket may be, in the order to look: DOCKER_HOST, the system socket, the
 * rootless ones, Docker Desktop's per-user socket, Podman's.
 */
export function socketCandidates(input: {
  dockerHost: string | undefined;
  uid: number;
  home: string | undefined;
  xdgRuntimeDir: string | undefined;
}): Array<{ path: string; source: string }> {
  const candidates: Array<{ path: string; source: string }> = [];
  if (input.dockerHost?.startsWith('unix://') && input.dockerHost.length > 'unix://'.length) {
    candidates.push({ path: input.dockerHost.slice('unix://'.length), source: 'DOCKER_HOST' });
  }
  candidates.push({ path: '/var/run/docker.sock', source: 'system engine' });
  if (input.xdgRuntimeDir) {
    candidates.push({
      path: `${input.xdgRuntimeDir.replace(/\/+$/, '')}/docker.sock`,
      source: 'rootless engine ($XDG_RUNTIME_DIR)',
    });
  }
  candidates.push({ path: `/run/user/${input.uid}/docker.sock`, source: 'rootless engine' });
  if (input.home) {
    candidates.push({
      path: `${input.home.replace(/\/+$/, '')}/.docker/run/docker.sock`,
      source: 'Docker Desktop',
    });
  }
  candidates.push({ path: '/run/podman/podman.sock', source: 'Podman' });
  const seen = new Set<string>();
  return candidates.filter((candidate) => {
    if (seen.has(candidate.path)) return false;
    seen.add(candidate.path);
    return true;
  });
}
