import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../../src/config/config-schema';
import { containersOfJob, waitForRunningContainer } from './support/job-containers';
import { startTestService, type TestService } from './support/test-service';

const WORKER_MAIN = path.resolve(__dirname, '../../../dist/backend/src/processes/worker-main.js');

function sceneSleeping(seconds: number): string {
  return `from manim import *\nimport time\nclass Slow(Scene):\n    def construct(self):\n        time.sleep(${seconds})\n        self.play(Create(Circle()))\n`;
}

/** The real worker as its own process, so that it can be killed like a real one. */
function spawnWorker(config: Config, env: Record<string, string> = {}): ChildProcess {
  if (!existsSync(WORKER_MAIN)) throw new Error(`${WORKER_MAIN} is missing: run \`npm run build\``);
  return spawn(process.execPath, [WORKER_MAIN], {
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
function exitOf(child: ChildProcess): Promise<number | string | null> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve(child.exitCode ?? child.signalCode);
  }
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
}

describe('a worker that dies or is stopped mid-render', () => {
  let service: TestService;
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    // API only: the workers are separate processes started by each test.
    service = await startTestService({ worker: false, env: { JOB_LOCK_SECONDS: '3' } });
  });
  afterAll(async () => {
    for (const worker of workers) {
      worker.kill('SIGKILL');
      await exitOf(worker);
    }
    await service?.close();
  });

  it('loses no job when killed: the job is rendered again and the old container removed', async () => {
    const submitted = await service.submit({ code: sceneSleeping(4), quality: 'low' });
    const first = spawnWorker(service.config);
    workers.push(first);
    const orphan = await waitForRunningContainer(submitted.body.id);

    first.kill('SIGKILL');
    await exitOf(first);
    const second = spawnWorker(service.config);
    workers.push(second);

    const job = await service.waitForEnd(submitted.body.id);
    second.kill('SIGTERM');
    expect(await exitOf(second)).toBe(0);
    expect(job.status).toBe('completed');
    const left = await containersOfJob(submitted.body.id);
    expect(left.map((container) => container.Id)).not.toContain(orphan);
    expect(left).toEqual([]);
  });

  it('returns a running job to the queue when stopped with SIGTERM after the grace period', async () => {
    const submitted = await service.submit({ code: sceneSleeping(60), quality: 'low' });
    const worker = spawnWorker(service.config, { SHUTDOWN_GRACE_SECONDS: '1' });
    workers.push(worker);
    await waitForRunningContainer(submitted.body.id);

    worker.kill('SIGTERM');
    expect(await exitOf(worker)).toBe(0);
    expect(await service.getJob(submitted.body.id)).toMatchObject({ status: 'queued' });
    expect(await containersOfJob(submitted.body.id)).toEqual([]);

    const cancelled = await fetch(`${service.url}/api/animation/jobs/${submitted.body.id}`, {
      method: 'DELETE',
    });
    expect(cancelled.status).toBe(200);
  });
});
