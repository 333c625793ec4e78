import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config/load-config';
import { createWorkerRedis, waitForRedis } from '../src/redis/redis-connection';

export interface PrivateRedis {
  url: string;
  version: string;
  stop(): Promise<void>;
}

/** A redis-server of the bench's own on a free loopback port, without persistence. */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'manim-bench-redis-'));
  const server = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { cwd: dataDir, stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  const failedToStart = new Promise<never>((_resolve, reject) => {
    server.once('error', (error) =>
      reject(
        new Error(`could not start redis-server: ${error.message}. Run \`npm run setup\` first.`),
      ),
    );
  });
  const stop = async () => {
    if (server.exitCode === null && server.signalCode === null) {
      server.kill('SIGTERM');
      await exited;
    }
    await rm(dataDir, { recursive: true, force: true });
  };

  const url = `redis://127.0.0.1:${port}`;
  const client = createWorkerRedis(loadConfig({ REDIS_URL: url }));
  client.on('error', () => undefined);
  try {
    await Promise.race([waitForRedis(client, 10_000), failedToStart]);
    const info = await client.info('server');
    const version = /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
    return { url, version, stop };
  } catch (error) {
    await stop();
    throw error;
  } finally {
    client.disconnect();
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
