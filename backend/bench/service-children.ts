import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { delay } from '../src/timing/timing';

const MAINS = { api: 'api-main.js', worker: 'worker-main.js' } as const;
/** /proc reports CPU time in USER_HZ ticks, which Linux fixes at 100 per second for user space. */
const TICKS_PER_SECOND = 100;

/**
 * The API or a worker as its own process, from dist/ (as deployed), so that it does not share the
 * bench's event loop or CPU count. Its log goes to `logFile`; it is killed if the bench exits.
 */
export function spawnServiceProcess(
  kind: keyof typeof MAINS,
  env: NodeJS.ProcessEnv,
  logFile: string,
): ChildProcess {
  const main = path.join(__dirname, '..', 'src', 'processes', MAINS[kind]);
  const log = openSync(logFile, 'a');
  const child = spawn(process.execPath, [main], { env, stdio: ['ignore', log, log] });
  closeSync(log);
  // An interrupted bench leaves through process.exit(), past every finally block.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  return child;
}

/** Spawns the API and resolves once it answers /health on `port`. */
export async function startApiChild(
  port: number,
  env: NodeJS.ProcessEnv,
  logFile: string,
): Promise<ChildProcess> {
  const child = spawnServiceProcess(
    'api',
    { ...env, PORT: String(port), HOST: '127.0.0.1' },
    logFile,
  );
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`the API process exited with ${child.exitCode}; see ${logFile}`);
    }
    const healthy = await fetch(`http://127.0.0.1:${port}/health`)
      .then((response) => response.ok)
      .catch(() => false);
    if (healthy) return child;
    await delay(100);
  }
  await stopChild(child);
  throw new Error(`the API process did not answer /health within 20 s; see ${logFile}`);
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
export async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** User and system CPU seconds a live process has used so far (Linux /proc). */
export async function cpuSecondsOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // The command name may hold spaces; the fields after its closing parenthesis do not.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name and state.
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}
