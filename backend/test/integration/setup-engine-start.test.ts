import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { waitUntil } from './support/wait-until';

const PROJECT_ROOT = path.resolve(__dirname, '../../..');

/**
 * A stand-in for dockerd: answers /_ping on DOCKER_HOST's socket like an engine and writes its
 * pid, so that the test can see whether it outlives the processes that started it.
 */
const FAKE_DOCKERD = `#!/usr/bin/env node
const http = require('node:http');
const fs = require('node:fs');
const socket = process.env.DOCKER_HOST.slice('unix://'.length);
fs.writeFileSync(process.env.FAKE_DOCKERD_PID, String(process.pid));
http.createServer((req, res) => res.end('OK')).listen(socket);
`;

function pingable(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [path.join(PROJECT_ROOT, 'scripts/lib/docker-ping.js'), '500'],
      {
        env: { ...process.env, DOCKER_HOST: `unix://${socket}` },
        stdio: 'ignore',
      },
    );
    child.on('exit', (code) => resolve(code === 0));
  });
}

describe('the Docker Engine that set-up starts', () => {
  let dir: string;
  let enginePid: number | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'manim-setup-engine-'));
  });
  afterAll(async () => {
    try {
      if (enginePid !== undefined) process.kill(enginePid, 'SIGKILL');
    } catch {
      // Already gone: what the test is there to catch.
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('runs in a session of its own: stopping the process group of set-up leaves it running', async () => {
    const socket = path.join(dir, 'docker.sock');
    const pidFile = path.join(dir, 'dockerd.pid');
    await writeFile(path.join(dir, 'dockerd'), FAKE_DOCKERD);
    await chmod(path.join(dir, 'dockerd'), 0o755);

    // As `npm start` runs it: set-up and the service in one process group, which a service
    // manager (or Ctrl-C) stops as a whole.
    const setup = spawn(
      'bash',
      [
        '-c',
        'source scripts/lib/common.sh && source scripts/lib/ensure-docker.sh && start_dockerd "$1" && sleep 600',
        'setup',
        socket,
      ],
      {
        cwd: PROJECT_ROOT,
        detached: true,
        stdio: 'ignore',
        env: {
          ...process.env,
          PATH: `${dir}:${process.env.PATH ?? ''}`,
          DOCKER_HOST: `unix://${socket}`,
          DOCKERD_LOG: path.join(dir, 'dockerd.log'),
          FAKE_DOCKERD_PID: pidFile,
        },
      },
    );
    const setupGroup = setup.pid ?? 0;
    await waitUntil(
      'the engine answers',
      () => pingable(socket),
      (up) => up,
    );
    enginePid = Number(await readFile(pidFile, 'utf8'));

    const stopped = new Promise((resolve) => setup.on('exit', resolve));
    process.kill(-setupGroup, 'SIGTERM');
    await stopped;

    expect(await pingable(socket)).toBe(true);
    expect(() => process.kill(enginePid ?? 0, 0)).not.toThrow();
  });
});
