import type { ChildProcess } from 'node:child_process';

export default async function globalTeardown(): Promise<void> {
  const redis = (globalThis as { testRedisServer?: ChildProcess }).testRedisServer;
  if (redis && redis.exitCode === null) {
    const exited = new Promise((resolve) => redis.once('exit', resolve));
    redis.kill('SIGTERM');
    await exited;
  }
}
