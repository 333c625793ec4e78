import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../../../src/config/config-schema';

const WORKER_MAIN = path.resolve(
  __dirname,
  '../../../../dist/backend/src/processes/worker-main.js',
);

/**
 * The real worker as its own process (built in dist/), for tests that kill it, change its env or
 * run it as another user (`as`: uid and gid, with no supplementary groups).
 */
export function spawnWorker(
  config: Config,
  env: Record<string, string> = {},
  as?: { uid: number; gid: number },
): ChildProcess {
  if (!existsSync(WORKER_MAIN)) throw new Error(`${WORKER_MAIN} is missing: run \`npm run build\``);
  return spawn(process.execPath, [WORKER_MAIN], {
    ...as,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      REDIS_URL: config.REDIS_URL,
      QUEUE_NAME: config.QUEUE_NAME,
      OUTPUTS_DIR: config.OUTPUTS_DIR,
      TEMP_DIR: config.TEMP_DIR,
      RENDER_IMAGE: config.RENDER_IMAGE,
      JOB_LOCK_SECONDS: String(config.JOB_LOCK_SECONDS),
      LOG_LEVEL: 'error',
      ...env,
    },
  });
}

/** How the process ended: its exit code, or the signal that ended it. */
export function exitOf(child: ChildProcess): Promise<number | string | null> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve(child.exitCode ?? child.signalCode);
  }
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
}
