import { loadConfig } from '../../../src/config/load-config';
import type { DirectoryProbe } from '../../../src/job-folders/daemon-paths/daemon-paths';
import type { OwnContainer } from '../../../src/job-folders/daemon-paths/own-container/find-own-container';
import type { SocketFacts } from '../../../src/render-engine/docker-client/socket-diagnosis';
import { AppError } from '../../../src/errors/app-error';
import {
  runDoctorChecks,
  type DoctorDeps,
  type DoctorEngine,
} from '../../../src/doctor/doctor-checks';
import {
  doctorReport,
  exitCodeOf,
  formatReport,
  type DoctorCheck,
} from '../../../src/doctor/doctor-report';

const SOCKET = '/var/run/docker.sock';
const IMAGE = 'manim-render:test';

const dockerSocket: SocketFacts = {
  path: SOCKET,
  exists: true,
  isSocket: true,
  isDirectory: false,
  uid: 0,
  gid: 998,
  mode: 0o140660,
  ownerName: 'root',
  groupName: 'docker',
};
const absent = (path: string): SocketFacts => ({
  path,
  exists: false,
  isSocket: false,
  isDirectory: false,
});
const passed: DirectoryProbe = { seen: true, written: true, exitCode: 0, output: '' };

function fakeEngine(change: Partial<DoctorEngine> = {}): DoctorEngine {
  return {
    endpoint: { kind: 'unix', path: SOCKET },
    ping: async () => undefined,
    version: async () => ({ version: '27.1.0', apiVersion: '1.46', os: 'linux', arch: 'amd64' }),
    info: async () => ({
      securityOptions: ['name=seccomp,profile=default'],
      operatingSystem: 'Debian GNU/Linux 12 (bookworm)',
      runtimes: ['io.containerd.runc.v2', 'runc'],
      defaultRuntime: 'runc',
    }),
    imageExists: async () => true,
    findOwnContainer: async (): Promise<OwnContainer> => ({
      mode: 'host',
      reason: 'no sign of a container',
    }),
    probeDirectory: async () => passed,
    ...change,
  };
}

function fakeDeps(
  change: Partial<DoctorDeps> = {},
  settings: Record<string, string> = {},
): DoctorDeps {
  const config = loadConfig({ OUTPUTS_DIR: '/srv/outputs', TEMP_DIR: '/srv/temp', ...settings });
  return {
    env: { dockerHost: undefined, home: '/home/alice', xdgRuntimeDir: undefined },
    identity: { uid: 1000, gid: 1000, groups: [1000, 998] },
    socketFacts: (path) => (path === SOCKET ? dockerSocket : absent(path)),
    config: { config, renderImages: [{ manimVersion: '0.22.0', name: IMAGE }] },
    engine: fakeEngine(),
    realDirectory: async (dir) => dir,
    redisVersion: async () => '7.0.15',
    checkOutputStore: async () => ({ location: 'http://store:8333 (bucket videos)' }),
    ...change,
  };
}

function byId(checks: DoctorCheck[], id: string): DoctorCheck | undefined {
  return checks.find((check) => check.id === id);
}

describe('the doctor checks', () => {
  it('passes a working set-up, one check after the other', async () => {
    const checks = await runDoctorChecks(fakeDeps());

    expect(checks.map((check) => [check.id, check.status])).toEqual([
      ['config', 'ok'],
      ['docker-host', 'ok'],
      ['socket', 'ok'],
      ['engine', 'ok'],
      ['engine-security', 'ok'],
      ['image-0.22.0', 'ok'],
      ['render-runtime', 'ok'],
      ['own-container', 'ok'],
      ['outputs-dir', 'ok'],
      ['temp-dir', 'ok'],
      ['redis', 'ok'],
    ]);
    expect(byId(checks, 'socket')?.message).toBe(
      'root:docker (gid 998, mode srw-rw----); uid 1000 (groups 998, 1000) may use it (as group)',
    );
    expect(byId(checks, 'engine')?.message).toBe(
      '27.1.0 (API 1.46, linux/amd64) answers at /var/run/docker.sock',
    );
    expect(byId(checks, 'outputs-dir')?.message).toBe(
      'the daemon sees it at the same path; a render container running as 1000:1000 read and wrote it',
    );
  });

  it("fails a user outside the socket's group with the gid, and points the engine line at it", async () => {
    const denied = new AppError('docker_unavailable', 'Docker Engine unavailable: …', {
      hint: 'Add group_add',
      details: { endpoint: SOCKET, problem: 'socket-group-missing' },
    });
    const checks = await runDoctorChecks(
      fakeDeps({
        identity: { uid: 1000, gid: 1000, groups: [1000] },
        engine: fakeEngine({ ping: () => Promise.reject(denied) }),
      }),
    );

    expect(byId(checks, 'socket')).toMatchObject({
      status: 'fail',
      message:
        '/var/run/docker.sock is root:docker (gid 998, mode srw-rw----) and uid 1000 (groups 1000) is not in group 998',
      fix: expect.stringContaining("group_add: ['998']"),
    });
    expect(byId(checks, 'engine')).toMatchObject({
      status: 'fail',
      message:
        'does not answer at /var/run/docker.sock: socket-group-missing, see socket /var/run/docker.sock above',
    });
    expect(byId(checks, 'not-checked')?.message).toBe(
      'engine security, render image, worker container, OUTPUTS_DIR, TEMP_DIR: the Docker Engine does not answer',
    );
    expect(byId(checks, 'redis')?.status).toBe('ok');
  });

  it('names the sockets found elsewhere when the one in use does not exist', async () => {
    const rootless = '/run/user/1000/docker.sock';
    const checks = await runDoctorChecks(
      fakeDeps({
        env: { dockerHost: 'unix:///nonexistent.sock', home: undefined, xdgRuntimeDir: undefined },
        engine: fakeEngine({
          endpoint: { kind: 'unix', path: '/nonexistent.sock' },
          ping: () => Promise.reject(new Error('connect ENOENT /nonexistent.sock')),
        }),
        socketFacts: (path) =>
          path === rootless ? { ...dockerSocket, path, uid: 1000, gid: 1000 } : absent(path),
      }),
    );

    expect(byId(checks, 'socket')).toMatchObject({
      status: 'fail',
      message: '/nonexistent.sock does not exist (DOCKER_HOST): no Docker Engine socket there',
      fix: expect.stringContaining(`DOCKER_HOST=unix://${rootless} (rootless engine)`),
    });
    expect(byId(checks, 'socket-found')?.title).toBe(`socket ${rootless}`);
    expect(byId(checks, 'engine')).toMatchObject({
      status: 'fail',
      message: 'no answer at /nonexistent.sock: connect ENOENT /nonexistent.sock',
    });
  });

  it('reports a Docker client that cannot be created', async () => {
    const checks = await runDoctorChecks(
      fakeDeps({ engine: { error: 'DOCKER_HOST=tcp://: bad' } }),
    );

    expect(byId(checks, 'engine')).toMatchObject({
      status: 'fail',
      message: 'DOCKER_HOST=tcp://: bad',
    });
    expect(byId(checks, 'socket')).toBeUndefined();
    expect(byId(checks, 'redis')?.status).toBe('ok');
  });

  it('warns about TCP without TLS', async () => {
    const checks = await runDoctorChecks(
      fakeDeps({
        env: { dockerHost: 'tcp://10.0.0.2:2375', home: undefined, xdgRuntimeDir: undefined },
        engine: fakeEngine({
          endpoint: { kind: 'tcp', host: '10.0.0.2', port: '2375', tls: false },
        }),
      }),
    );

    expect(byId(checks, 'docker-host')).toMatchObject({
      status: 'warn',
      message: expect.stringContaining('without TLS'),
    });
  });

  it('warns a non-root user of a rootless engine', async () => {
    const checks = await runDoctorChecks(
      fakeDeps({
        engine: fakeEngine({
          info: async () => ({
            securityOptions: ['name=rootless'],
            operatingSystem: 'Ubuntu',
            runtimes: ['runc'],
            defaultRuntime: 'runc',
          }),
        }),
      }),
    );

    expect(byId(checks, 'engine-security')).toMatchObject({
      status: 'warn',
      message: expect.stringContaining('rootless'),
      fix: expect.stringContaining("user: '0:0'"),
    });
  });

  it('fails a missing image and skips the probes that need it', async () => {
    const checks = await runDoctorChecks(
      fakeDeps({ engine: fakeEngine({ imageExists: async () => false }) }),
    );

    expect(byId(checks, 'image-0.22.0')).toMatchObject({
      status: 'fail',
      fix: expect.stringContaining('npm run prepare-image'),
    });
    expect(byId(checks, 'outputs-dir')).toMatchObject({
      status: 'warn',
      message: 'the daemon sees it at the same path; not probed: the render image is missing',
    });
  });

  it('fails a folder the daemon does not see, and one it may not write', async () => {
    const unseenEngine = fakeEngine({
      probeDirectory: async () => ({ ...passed, seen: false, written: false }),
    });
    const unseen = await runDoctorChecks(
      fakeDeps({ engine: unseenEngine }, { JOB_FILE_TRANSFER: 'mount' }),
    );
    expect(byId(unseen, 'temp-dir')).toMatchObject({
      status: 'fail',
      message: expect.stringContaining("a render container does not see the worker's files there"),
      fix: expect.stringContaining('File sharing'),
    });
    expect(byId(unseen, 'outputs-dir')).toMatchObject({
      status: 'warn',
      message: expect.stringContaining('render containers never mount OUTPUTS_DIR'),
    });

    const readOnly = await runDoctorChecks(
      fakeDeps({
        engine: fakeEngine({
          probeDirectory: async () => ({
            seen: true,
            written: false,
            exitCode: 1,
            output: 'sh: 1: cannot create /probe/.doctor-ack: Permission denied',
          }),
        }),
      }),
    );
    expect(byId(readOnly, 'outputs-dir')).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('can read it but not write it: sh: 1: cannot create'),
      fix: expect.stringContaining('chown 1000:1000'),
    });
  });

  it('translates folders through the container mounts and warns that jobs copy when none covers one', async () => {
    const own: OwnContainer = {
      mode: 'container',
      container: {
        Id: 'b'.repeat(64),
        Mounts: [
          { Type: 'bind', Source: '/srv/manim/outputs', Destination: '/srv/outputs', RW: true },
        ],
      },
      candidate: { value: 'b'.repeat(64), kind: 'id', source: 'mountinfo', evidence: 'test' },
      reason: 'container bbbbbbbbbbbb is this container',
      warnings: [],
    };
    const probed: string[] = [];
    const checks = await runDoctorChecks(
      fakeDeps({
        engine: fakeEngine({
          findOwnContainer: async () => own,
          probeDirectory: async (_workerDir, daemonDir) => {
            probed.push(daemonDir);
            return passed;
          },
        }),
      }),
    );

    expect(byId(checks, 'own-container')?.message).toContain(
      '/srv/outputs (bind from /srv/manim/outputs, rw)',
    );
    expect(byId(checks, 'outputs-dir')).toMatchObject({
      status: 'ok',
      message: expect.stringContaining("the daemon's path is /srv/manim/outputs"),
    });
    // JOB_FILE_TRANSFER=auto: jobs copy their files instead of failing.
    expect(byId(checks, 'temp-dir')).toMatchObject({
      status: 'warn',
      message: expect.stringMatching(
        /is not on any bind mount or volume.*; jobs copy their files through the Docker API instead \(copy mode\)$/,
      ),
      fix: expect.stringContaining('JOB_FILE_TRANSFER=copy'),
      details: { code: 'worker_path_not_shared' },
    });
    expect(probed).toEqual(['/srv/manim/outputs']);
  });

  it('reports the job folders as not mounted at all when job files are always copied', async () => {
    const checks = await runDoctorChecks(fakeDeps({}, { JOB_FILE_TRANSFER: 'copy' }));

    expect(byId(checks, 'temp-dir')).toMatchObject({
      status: 'ok',
      message: expect.stringContaining('copied through the Docker API'),
    });
  });

  it('accepts an unidentified container when the probes see both folders at the same path', async () => {
    const checks = await runDoctorChecks(
      fakeDeps({
        engine: fakeEngine({
          findOwnContainer: async () => ({ mode: 'unknown', reason: 'none could be confirmed' }),
        }),
      }),
    );

    expect(byId(checks, 'own-container')).toMatchObject({
      status: 'ok',
      message: expect.stringContaining(
        'the daemon sees OUTPUTS_DIR and TEMP_DIR at the same paths',
      ),
    });
    expect(byId(checks, 'temp-dir')?.message).toContain('probed at the same path');
  });

  it('warns about a folder that does not exist yet instead of creating it', async () => {
    const checks = await runDoctorChecks(
      fakeDeps({ realDirectory: async (dir) => (dir === '/srv/temp' ? undefined : dir) }),
    );

    expect(byId(checks, 'temp-dir')).toMatchObject({
      status: 'warn',
      fix: 'Create it (mkdir -p /srv/temp) and run the doctor again, so that it can check it.',
    });
  });

  it('reports an invalid configuration and what it keeps from being checked', async () => {
    const error = new AppError(
      'config_invalid',
      'Invalid configuration: MAX_FPS="x": not a number',
    );
    const checks = await runDoctorChecks(fakeDeps({ config: { error } }));

    expect(byId(checks, 'config')).toMatchObject({ status: 'fail', message: error.message });
    expect(byId(checks, 'engine')?.status).toBe('ok');
    expect(byId(checks, 'not-checked')?.message).toBe(
      'render image, worker container, OUTPUTS_DIR, TEMP_DIR, Redis: the configuration is invalid',
    );
    expect(byId(checks, 'redis')).toBeUndefined();
  });

  it('asks the engine for its info once for the security and runtime checks', async () => {
    let asked = 0;
    const engine = fakeEngine();
    const info = engine.info;
    engine.info = () => {
      asked += 1;
      return info();
    };

    const checks = await runDoctorChecks(fakeDeps({ engine }));

    expect(asked).toBe(1);
    expect(byId(checks, 'engine-security')?.status).toBe('ok');
    expect(byId(checks, 'render-runtime')?.status).toBe('ok');
  });

  it('turns a check that throws into a failed line', async () => {
    const checks = await runDoctorChecks(
      fakeDeps({
        engine: fakeEngine({
          info: () => Promise.reject(new Error('(HTTP code 403) forbidden by the socket proxy')),
        }),
      }),
    );

    expect(byId(checks, 'engine-security')).toMatchObject({
      status: 'fail',
      message: 'could not be checked: (HTTP code 403) forbidden by the socket proxy',
    });
  });

  it('fails a RENDER_RUNTIME the engine lacks, with the daemon.json lines and the reload', async () => {
    const checks = await runDoctorChecks(fakeDeps({}, { RENDER_RUNTIME: 'runsc' }));

    expect(byId(checks, 'render-runtime')).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('the engine has only io.containerd.runc.v2, runc'),
      fix: expect.stringMatching(/daemon\.json.*kill -HUP.*npm run setup -- --gvisor/),
    });
  });

  it('passes a RENDER_RUNTIME the engine has', async () => {
    const engine = fakeEngine({
      info: async () => ({
        securityOptions: [],
        operatingSystem: 'Debian',
        runtimes: ['runc', 'runsc'],
        defaultRuntime: 'runc',
      }),
    });
    const checks = await runDoctorChecks(fakeDeps({ engine }, { RENDER_RUNTIME: 'runsc' }));

    expect(byId(checks, 'render-runtime')).toMatchObject({
      status: 'ok',
      message: expect.stringContaining('runsc'),
    });
  });

  it('fails Redis with the connection error', async () => {
    const checks = await runDoctorChecks(
      fakeDeps({
        redisVersion: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379')),
      }),
    );

    expect(byId(checks, 'redis')).toMatchObject({
      status: 'fail',
      message: 'no answer at redis://127.0.0.1:6379: connect ECONNREFUSED 127.0.0.1:6379',
    });
  });

  it('checks the object store instead of OUTPUTS_DIR with STORAGE=s3, and names its error', async () => {
    const s3 = { STORAGE: 's3', S3_ENDPOINT: 'http://store:8333', S3_BUCKET: 'videos' };
    const probed: string[] = [];
    const engine = fakeEngine({
      probeDirectory: async (dir) => {
        probed.push(dir);
        return passed;
      },
    });

    const fine = await runDoctorChecks(fakeDeps({ engine }, s3));
    expect(byId(fine, 'output-store')).toMatchObject({
      status: 'ok',
      message: 'http://store:8333 (bucket videos) can be written and read',
    });
    expect(fine.find((check) => check.id === 'outputs-dir')).toBeUndefined();
    expect(probed).not.toContain('/srv/outputs');

    const down = await runDoctorChecks(
      fakeDeps(
        {
          checkOutputStore: () =>
            Promise.reject(
              new Error('the output store at http://store:8333 cannot be used: ECONNREFUSED'),
            ),
        },
        s3,
      ),
    );
    expect(byId(down, 'output-store')).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('ECONNREFUSED'),
      fix: expect.stringContaining('S3_BUCKET'),
    });
    expect((await runDoctorChecks(fakeDeps())).find((check) => check.id === 'output-store')).toBe(
      undefined,
    );
  });
});

describe('the doctor report', () => {
  const checks: DoctorCheck[] = [
    { id: 'a', status: 'ok', title: 'first', message: 'fine', fix: 'never shown' },
    { id: 'b', status: 'warn', title: 'second', message: 'odd', fix: 'look' },
    { id: 'c', status: 'fail', title: 'third', message: 'broken', fix: 'repair' },
  ];

  it('prints one line per check, the fix under each problem, and a summary', () => {
    expect(formatReport(doctorReport(checks))).toBe(
      [
        'ok    first: fine',
        'warn  second: odd',
        '      fix: look',
        'FAIL  third: broken',
        '      fix: repair',
        '1 problem to fix (see docs/troubleshooting.md)',
        '',
      ].join('\n'),
    );
  });

  it('exits non-zero only when a check failed', () => {
    expect(exitCodeOf(doctorReport(checks))).toBe(1);
    expect(exitCodeOf(doctorReport(checks.slice(0, 2)))).toBe(0);
    expect(formatReport(doctorReport(checks.slice(0, 2)))).toContain('no problems; 1 warning');
  });
});
