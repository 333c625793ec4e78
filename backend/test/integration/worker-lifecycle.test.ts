import type { ChildProcess } from 'node:child_process';
import { containersOfJob, waitForRunningContainer } from './support/job-containers';
import { sceneSleeping } from './support/scenes';
import { startTestService, type TestService } from './support/test-service';
import { exitOf, spawnWorker } from './support/worker-child';

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
