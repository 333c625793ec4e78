import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import {
  buildWorkerImage,
  removeTestWorkerLeftovers,
  TEST_WORKER_LABEL,
} from './support/worker-container';

const SCRIPT = path.resolve(__dirname, '../../../scripts/fix-docker-permissions.sh');
const REPO_ROOT = path.resolve(__dirname, '../../..');
const SOCKET_GID = 4242;

function run(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [SCRIPT, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

/**
 * scripts/fix-docker-permissions.sh against a unix socket of the test's own (root:4242,
 * srw-rw----), so the answer does not depend on how the machine's Docker socket is set up. --fix
 * changes the group database, so it runs in a throw-away container, never on the test machine.
 */
describe('scripts/fix-docker-permissions.sh', () => {
  const runId = randomUUID().slice(0, 8);
  let dir: string;
  let socket: string;
  let server: Server;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'manim-socket-permissions-'));
    socket = path.join(dir, 'engine.sock');
    server = createServer((connection) => connection.end());
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    await chown(socket, 0, SOCKET_GID);
    await chmod(socket, 0o660);
  });
  afterAll(async () => {
    await removeTestWorkerLeftovers(runId);
    await new Promise((resolve) => server?.close(resolve));
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('--check names owner, group and mode, and the fix for a user outside the group', async () => {
    const { code, output } = await run(['--check', '--user', 'nobody', '--socket', socket]);

    expect(code).toBe(1);
    expect(output).toContain(
      `${socket} is root:${SOCKET_GID} (gid ${SOCKET_GID}, mode srw-rw----)`,
    );
    expect(output).toMatch(/nobody \(uid \d+, groups [\d, ]+\) may not use it/);
    expect(output).toContain(`group_add: ['${SOCKET_GID}']`);
    expect(output).toContain('--fix --user nobody');
  });

  it('--check passes for root, and reads the socket from DOCKER_HOST', async () => {
    const { code, output } = await run(['--check', '--user', 'root'], {
      DOCKER_HOST: `unix://${socket}`,
    });

    expect(code).toBe(0);
    expect(output).toContain(`${socket} is root:${SOCKET_GID}`);
    expect(output).toContain('root (uid 0, groups 0) may use it');
  });

  it('refuses what is not a socket, and unknown options', async () => {
    expect((await run(['--check', '--socket', dir])).output).toContain('is a directory');
    expect((await run(['--check', '--socket', path.join(dir, 'none.sock')])).code).toBe(1);
    expect((await run(['--chmod'])).output).toContain('unknown option --chmod');
  });

  it('--fix creates a group with the socket gid, adds the user once, and never chmods', async () => {
    const image = await buildWorkerImage();
    const steps = [
      'useradd --uid 1001 --no-create-home renderer',
      'fix() { scripts/fix-docker-permissions.sh "$@" --user renderer; echo "exit=$?"; }',
      'fix --check',
      'fix --fix',
      'fix --fix',
      'fix --check',
      'echo "group=$(getent group 4242)"',
      'echo "mode=$(stat -c %a /var/run/docker.sock)"',
    ];
    const output = await runInContainer(image, runId, socket, steps.join('\n'));

    expect(output.match(/exit=\d+/g)).toEqual(['exit=1', 'exit=0', 'exit=0', 'exit=0']);
    expect(output).toContain(`creating group docker with gid ${SOCKET_GID}`);
    expect(output).toContain(`adding renderer to group docker (${SOCKET_GID})`);
    expect(output).toContain('renderer may already use /var/run/docker.sock: nothing to change');
    expect(output).toContain(`group=docker:x:${SOCKET_GID}:renderer`);
    expect(output).toContain('mode=660');
  });
});

/** Runs `script` with bash as root in a container of `image`, the repo at its working dir. */
async function runInContainer(
  image: string,
  runId: string,
  socket: string,
  script: string,
): Promise<string> {
  const docker = new Docker();
  const container = await docker.createContainer({
    Image: image,
    Cmd: ['bash', '-c', script],
    WorkingDir: '/srv/app',
    Labels: { [TEST_WORKER_LABEL]: runId },
    Tty: true,
    HostConfig: {
      NetworkMode: 'none',
      Mounts: [
        { Type: 'bind', Source: REPO_ROOT, Target: '/srv/app', ReadOnly: true },
        { Type: 'bind', Source: socket, Target: '/var/run/docker.sock' },
      ],
    },
  });
  try {
    await container.start();
    await container.wait();
    return ((await container.logs({ stdout: true, stderr: true })) as Buffer).toString();
  } finally {
    await container.remove({ force: true });
  }
}
