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
 * run it as another user (`as`: uid and gid, with no supplementary groups). With `captureLogs`
 * its stdout (JSON log lines) is piped, for `workerLogs`.
 */
export function spawnWorker(
  config: Config,
  env: Record<string, string> = {},
  as?: { uid: number; gid: number },
  options: { captureLogs?: boolean } = {},
): ChildProcess {
  if (!existsSync(WORKER_MAIN)) throw new Error(`${WORKER_MAIN} is missing: run \`npm run build\``);
  return spawn(process.execPath, [WORKER_MAIN], {
    ...as,
    stdio: ['ignore', options.captureLogs === true ? 'pipe' : 'ignore', 'inherit'],
    env: {
      ...process.env,
      REDIS_URL: config.REDIS_URL,
      QUEUE_NAME: config.QUEUE_NAME,
      OUTPUTS_DIR: config.OUTPUTS_DIR,
      TEMP_DIR: config.TEMP_DIR,
      RENDER_IMAGE: config.RENDER_IMAGE,
      MANIM_VERSIONS: config.MANIM_VERSIONS.join(','),
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

export interface WorkerLogs {
  /** The parsed log lines with this message written so far. */
  lines(message: string): Array<Record<string, unknown>>;
  /** Resolves with the first line with this message, written already or still to come. */
  next(message: string): Promise<Record<string, unknown>>;
  /** Everything the worker wrote to stdout so far. */
  text(): string;
}

/** Reads the JSON log lines of a worker spawned with `captureLogs`, as they arrive. */
export function workerLogs(child: ChildProcess): WorkerLogs {
  const stdout = child.stdout;
  if (stdout === null) throw new Error('spawn the worker with captureLogs to read its logs');
  let text = '';
  let pending = '';
  const parsed: Array<Record<string, unknown>> = [];
  const waiters: Array<{ message: string; resolve: (line: Record<string, unknown>) => void }> = [];
  stdout.setEncoding('utf8');
  stdout.on('data', (chunk: string) => {
    text += chunk;
    const parts = (pending + chunk).split('\n');
    pending = parts.pop() ?? '';
    for (const part of parts) {
      if (!part.startsWith('{')) continue;
      const line = JSON.parse(part) as Record<string, unknown>;
      parsed.push(line);
      for (const waiter of waiters.filter((candidate) => candidate.message === line.message)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  });
  return {
    lines: (message) => parsed.filter((line) => line.message === message),
    next(message) {
      const seen = parsed.find((line) => line.message === message);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve) => waiters.push({ message, resolve }));
    },
    text: () => text,
  };
}
