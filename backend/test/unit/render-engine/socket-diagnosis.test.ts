import {
  describeSocket,
  diagnoseEngineAccess,
  formatMode,
  nameForId,
  parseDockerHost,
  socketAccess,
  socketCandidates,
  type DiagnosisInput,
  type ProcessIdentity,
  type SocketFacts,
} from '../../../src/render-engine/docker-client/socket-diagnosis';

const SOCKET_PATH = '/var/run/docker.sock';
const unix = { kind: 'unix', path: SOCKET_PATH } as const;

/** `srw-rw---- root:docker` with the docker group's gid 998. */
function socket(change: Partial<SocketFacts> = {}): SocketFacts {
  return {
    path: SOCKET_PATH,
    exists: true,
    isSocket: true,
    isDirectory: false,
    uid: 0,
    gid: 998,
    mode: 0o140660,
    ownerName: 'root',
    groupName: 'docker',
    ...change,
  };
}

const worker: ProcessIdentity = { uid: 1001, gid: 1001, groups: [1001] };
const root: ProcessIdentity = { uid: 0, gid: 0, groups: [0] };

function diagnose(change: Partial<DiagnosisInput> & { code?: string }) {
  const { code, ...rest } = change;
  return diagnoseEngineAccess({
    endpoint: unix,
    socket: socket(),
    process: worker,
    ...(code === undefined ? {} : { error: { code, message: `connect ${code} ${SOCKET_PATH}` } }),
    ...rest,
  });
}

describe('diagnosing a Docker socket the worker cannot use', () => {
  it('names the socket, its owner, gid and mode, the uid and groups, and the group_add fix', () => {
    expect(diagnose({ code: 'EACCES' })).toEqual({
      problem: 'socket-group-missing',
      message:
        '/var/run/docker.sock is root:docker (gid 998, mode srw-rw----) and uid 1001 (groups 1001) is not in group 998',
      hint: expect.stringContaining(
        "Add group_add: ['998'] to the worker service (docker run: --group-add 998)",
      ),
    });
  });

  it('predicts the same from the facts alone, before any connection', () => {
    expect(diagnose({})?.problem).toBe('socket-group-missing');
    expect(diagnose({ process: { ...worker, groups: [1001, 998] } })).toBeUndefined();
  });

  it('shows numeric ids when the names are unknown in the container', () => {
    const facts = socket({ gid: 281, ownerName: undefined, groupName: undefined });
    expect(diagnose({ code: 'EACCES', socket: facts })?.message).toBe(
      '/var/run/docker.sock is 0:281 (gid 281, mode srw-rw----) and uid 1001 (groups 1001) is not in group 281',
    );
  });

  it('calls a root:root socket the Docker Desktop / OrbStack case: root, group 0 or a proxy', () => {
    const diagnosis = diagnose({ code: 'EACCES', socket: socket({ gid: 0, groupName: 'root' }) });
    expect(diagnosis).toMatchObject({
      problem: 'socket-root-group',
      message:
        '/var/run/docker.sock is root:root (gid 0, mode srw-rw----), as Docker Desktop and OrbStack make it, and uid 1001 (groups 1001) is not in group 0',
    });
    expect(diagnosis?.hint).toContain("user: '0:0'");
    expect(diagnosis?.hint).toContain("group_add: ['0']");
    expect(diagnosis?.hint).toContain('socket proxy');
  });

  it('tells a rootless engine by DOCKER_HOST under /run/user/: run as container root', () => {
    const path = '/run/user/1000/docker.sock';
    const diagnosis = diagnose({
      code: 'EACCES',
      endpoint: { kind: 'unix', path },
      socket: socket({ path, uid: 0, gid: 0, mode: 0o140660 }),
      dockerHost: `unix://${path}`,
    });
    expect(diagnosis?.problem).toBe('socket-rootless');
    expect(diagnosis?.message).toContain('rootless');
    expect(diagnosis?.hint).toContain("user: '0:0'");
    expect(diagnosis?.hint).toContain('A group does not help');
  });

  it('blames SELinux or AppArmor when root is denied', () => {
    const diagnosis = diagnose({ code: 'EACCES', process: root });
    expect(diagnosis?.problem).toBe('socket-denied-by-security-policy');
    expect(diagnosis?.message).toContain('although the worker runs as root');
    expect(diagnosis?.hint).toContain('selinux-dockersock');
    expect(diagnosis?.hint).toContain(':z');
  });

  it('blames a security policy when the mode lets the process in and it is still denied', () => {
    const diagnosis = diagnose({ code: 'EACCES', process: { ...worker, groups: [998] } });
    expect(diagnosis?.problem).toBe('socket-denied-by-security-policy');
    expect(diagnosis?.message).toContain('as group');
  });

  it('points at the mode when the group has no write permission', () => {
    const diagnosis = diagnose({
      code: 'EACCES',
      socket: socket({ mode: 0o140640 }),
      process: { ...worker, groups: [998] },
    });
    expect(diagnosis).toMatchObject({
      problem: 'socket-mode-denies',
      message: expect.stringContaining('mode srw-r-----'),
      hint: expect.stringContaining('chmod 660'),
    });
  });

  it('says the socket is not mounted when nothing is at the path', () => {
    const diagnosis = diagnose({
      code: 'ENOENT',
      socket: { path: SOCKET_PATH, exists: false, isSocket: false, isDirectory: false },
    });
    expect(diagnosis?.problem).toBe('socket-missing');
    expect(diagnosis?.message).toBe(
      '/var/run/docker.sock does not exist: no Docker Engine socket there',
    );
    expect(diagnosis?.hint).toContain('-v /var/run/docker.sock:/var/run/docker.sock');
    expect(diagnosis?.hint).toContain('DOCKER_HOST');
  });

  it('names DOCKER_HOST when it points at the missing path', () => {
    const diagnosis = diagnose({
      code: 'ENOENT',
      endpoint: { kind: 'unix', path: '/nonexistent.sock' },
      socket: { path: '/nonexistent.sock', exists: false, isSocket: false, isDirectory: false },
      dockerHost: 'unix:///nonexistent.sock',
    });
    expect(diagnosis?.message).toBe(
      '/nonexistent.sock does not exist (DOCKER_HOST): no Docker Engine socket there',
    );
  });

  it('tells a symbolic link to nothing apart', () => {
    const facts = {
      path: SOCKET_PATH,
      exists: false,
      brokenLink: true,
      isSocket: false,
      isDirectory: false,
    };
    expect(diagnose({ code: 'ENOENT', socket: facts })?.message).toContain(
      'is a symbolic link to a file that does not exist',
    );
  });

  it('explains a directory in place of the socket (bound before the host socket existed)', () => {
    const facts = socket({ isSocket: false, isDirectory: true, mode: 0o040755 });
    const diagnosis = diagnose({ code: 'ECONNREFUSED', socket: facts });
    expect(diagnosis?.problem).toBe('socket-is-directory');
    expect(diagnosis?.message).toContain('Docker created an empty directory in its place');
    expect(diagnosis?.hint).toContain('--force-recreate');
  });

  it('says what a path that is not a socket is', () => {
    const facts = socket({ isSocket: false, mode: 0o100644 });
    expect(diagnose({ code: 'ENOTSOCK', socket: facts })).toMatchObject({
      problem: 'socket-not-a-socket',
      message: '/var/run/docker.sock is a regular file, not a socket',
    });
  });

  it('reports a path that cannot even be looked at', () => {
    const facts = {
      path: SOCKET_PATH,
      exists: false,
      isSocket: false,
      isDirectory: false,
      statError: 'EACCES',
    };
    expect(diagnose({ code: 'EACCES', socket: facts })?.problem).toBe('socket-unreadable-path');
  });

  it('says the engine is down when a real socket refuses the connection', () => {
    const diagnosis = diagnose({ code: 'ECONNREFUSED', process: root });
    expect(diagnosis?.problem).toBe('socket-not-listening');
    expect(diagnosis?.message).toBe(
      'nothing listens on /var/run/docker.sock: the socket file is there (root:docker (gid 998, mode srw-rw----)) but no Docker Engine answers on it',
    );
    expect(diagnosis?.hint).toContain('restart the worker container');
  });

  it('has nothing to say about a usable socket or an unknown error', () => {
    expect(diagnose({ process: root })).toBeUndefined();
    expect(diagnose({ code: 'ECONNRESET', process: root })).toBeUndefined();
    expect(diagnose({ socket: undefined, code: 'EACCES' })).toBeUndefined();
  });
});

describe('diagnosing a TCP Docker host', () => {
  const tcp = { kind: 'tcp', host: 'docker.internal', port: '2375', tls: false } as const;

  it('says nothing listens on a refused host and port', () => {
    const diagnosis = diagnoseEngineAccess({
      endpoint: tcp,
      process: worker,
      dockerHost: 'tcp://docker.internal:2375',
      error: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 10.0.0.2:2375' },
    });
    expect(diagnosis).toMatchObject({
      problem: 'tcp-refused',
      message: 'nothing listens on docker.internal:2375 (DOCKER_HOST=tcp://docker.internal:2375)',
    });
  });

  it('tells TLS mismatches apart, with the certificate variables', () => {
    const plainToTls = diagnoseEngineAccess({
      endpoint: tcp,
      process: worker,
      error: { message: 'Client sent an HTTP request to an HTTPS server.' },
    });
    expect(plainToTls?.problem).toBe('tcp-tls');
    expect(plainToTls?.hint).toContain('DOCKER_TLS_VERIFY=1');
    const badCertificate = diagnoseEngineAccess({
      endpoint: { ...tcp, port: '2376', tls: true },
      process: worker,
      error: { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', message: 'unable to verify' },
    });
    expect(badCertificate?.problem).toBe('tcp-tls');
    expect(badCertificate?.hint).toContain('DOCKER_CERT_PATH');
  });

  it('says an unknown or unreachable host cannot be reached', () => {
    const diagnosis = diagnoseEngineAccess({
      endpoint: tcp,
      process: worker,
      error: { code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND docker.internal' },
    });
    expect(diagnosis?.problem).toBe('tcp-unreachable');
  });

  it('leaves ssh and npipe endpoints to the generic message', () => {
    expect(
      diagnoseEngineAccess({
        endpoint: { kind: 'other', description: 'ssh://build@host' },
        process: worker,
        error: { code: 'ECONNREFUSED' },
      }),
    ).toBeUndefined();
  });
});

describe('socket facts in words', () => {
  it('formats modes as ls does', () => {
    expect(formatMode(0o140660)).toBe('srw-rw----');
    expect(formatMode(0o040755)).toBe('drwxr-xr-x');
    expect(formatMode(0o100644)).toBe('-rw-r--r--');
    expect(formatMode(0o140666)).toBe('srw-rw-rw-');
  });

  it('describes owner and group by name or number', () => {
    expect(describeSocket(socket())).toBe('root:docker (gid 998, mode srw-rw----)');
  });

  it('finds names in passwd and group text', () => {
    const groups = 'root:x:0:\ndaemon:x:1:\ndocker:x:998:alice\n';
    expect(nameForId(groups, 998)).toBe('docker');
    expect(nameForId(groups, 4242)).toBeUndefined();
    expect(nameForId(undefined, 0)).toBeUndefined();
  });

  it('decides access by the class that applies: owner, group, then other', () => {
    expect(socketAccess(socket(), root)).toEqual({ allowed: true, as: 'root' });
    expect(socketAccess(socket({ uid: 1001 }), worker)).toEqual({ allowed: true, as: 'owner' });
    expect(socketAccess(socket(), { ...worker, gid: 998 })).toEqual({
      allowed: true,
      as: 'group',
    });
    expect(socketAccess(socket(), worker)).toEqual({ allowed: false, as: 'other' });
    expect(socketAccess(socket({ mode: 0o140666 }), worker)).toEqual({
      allowed: true,
      as: 'other',
    });
  });
});

describe('DOCKER_HOST and socket candidates', () => {
  const defaults = { defaultSocket: SOCKET_PATH, tlsVerify: false };

  it('reads DOCKER_HOST as docker-modem does', () => {
    expect(parseDockerHost(undefined, defaults)).toEqual(unix);
    expect(parseDockerHost('unix://', defaults)).toEqual(unix);
    expect(parseDockerHost('unix:///run/user/1000/docker.sock', defaults)).toEqual({
      kind: 'unix',
      path: '/run/user/1000/docker.sock',
    });
    expect(parseDockerHost('tcp://10.0.0.2:2376', defaults)).toEqual({
      kind: 'tcp',
      host: '10.0.0.2',
      port: '2376',
      tls: true,
    });
    expect(parseDockerHost('10.0.0.2:2375', { ...defaults, tlsVerify: true })).toMatchObject({
      kind: 'tcp',
      tls: true,
    });
    expect(parseDockerHost('ssh://me@host', defaults)).toEqual({
      kind: 'other',
      description: 'ssh://me@host',
    });
  });

  it('lists DOCKER_HOST first, then system, rootless, Desktop and Podman sockets, once each', () => {
    const candidates = socketCandidates({
      dockerHost: 'unix:///var/run/docker.sock',
      uid: 1000,
      home: '/home/alice/',
      xdgRuntimeDir: '/run/user/1000',
    });
    expect(candidates.map((candidate) => candidate.path)).toEqual([
      '/var/run/docker.sock',
      '/run/user/1000/docker.sock',
      '/home/alice/.docker/run/docker.sock',
      '/run/podman/podman.sock',
    ]);
    expect(candidates[0]?.source).toBe('DOCKER_HOST');
  });
});
