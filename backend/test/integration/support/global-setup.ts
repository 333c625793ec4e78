import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { renderImageName } from '../../../src/docker/render-image';
import { publishTestEnvironment } from './test-environment';

/**
 * Integration tests run against real parts: a redis-server of their own on a free port, the
 * machine's Docker Engine and the real render image (`npm test` runs scripts/setup.sh first, which
 * installs and starts what is missing).
 */
export default async function globalSetup(): Promise<void> {
  const docker = new Docker();
  try {
    await docker.ping();
  } catch (error) {
    throw new Error(
      `Integration tests need a Docker Engine: ${(error as Error).message}. Run \`npm run setup\` (as root it installs and starts one).`,
    );
  }
  const image = renderImageName({ RENDER_IMAGE: process.env.RENDER_IMAGE ?? '' });
  try {
    await docker.getImage(image).inspect();
  } catch {
    throw new Error(
      `Integration tests need the render image ${image}. Run \`npm run setup\` or \`npm run prepare-image\`.`,
    );
  }
  if (spawnSync('redis-server', ['--version']).status !== 0) {
    throw new Error(
      'Integration tests need redis-server. Run `npm run setup` (as root it installs it).',
    );
  }

  const port = await freePort();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'manim-test-redis-'));
  const redis = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dataDir,
    ],
    { stdio: 'ignore', detached: false },
  );
  await waitForRedis(port);
  (globalThis as { testRedisServer?: ChildProcess }).testRedisServer = redis;
  publishTestEnvironment({ redisUrl: `redis://127.0.0.1:${port}`, image });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

async function waitForRedis(port: number): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    if (
      spawnSync('redis-cli', ['-p', String(port), 'ping'])
        .stdout?.toString()
        .trim() === 'PONG'
    )
      return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`redis-server did not answer on port ${port}`);
}
