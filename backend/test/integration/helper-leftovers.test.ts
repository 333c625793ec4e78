import type { ChildProcess } from 'node:child_process';
import { DockerSocketProxy, engineSocketPath } from './support/docker-socket-proxy';
import { containerExists, nextHelperCreated } from './support/job-containers';
import { startTestService, type TestService } from './support/test-service';
import { waitUntil } from './support/wait-until';
import { exitOf, spawnWorker } from './support/worker-child';

/** A dead worker's presence lasts 15 s, and workers sweep every 30 s. */
const SWEPT_WITHIN_MS = 90_000;

describe('the sharing probe of a worker killed while it probes', () => {
  let service: TestService;
  let proxy: DockerSocketProxy;
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    service = await startTestService({ worker: false });
    // Over TCP the worker takes the engine for a foreign one and probes whether it sees TEMP_DIR.
    proxy = new DockerSocketProxy('tcp://127.0.0.1:0', await engineSocketPath());
    await proxy.start();
  });
  afterAll(async () => {
    for (const worker of workers) {
      worker.kill('SIGKILL');
      await exitOf(worker);
    }
    await proxy?.stop();
    await service?.close();
  });

  it('is left behind, then swept by the next worker of the deployment', async () => {
    const probe = await nextHelperCreated(service.config.QUEUE_NAME, 'probe');
    const first = spawnWorker(service.config, { DOCKER_HOST: proxy.dockerHost });
    workers.push(first);
    const left = await probe.created.finally(() => probe.stop());
    first.kill('SIGKILL');
    await exitOf(first);
    expect(await containerExists(left.id)).toBe(true);

    workers.push(spawnWorker(service.config, { DOCKER_HOST: proxy.dockerHost }));

    await waitUntil(
      `the probe ${left.id.slice(0, 12)} of ${left.workerId} is removed`,
      () => containerExists(left.id),
      (exists) => !exists,
      { timeoutMs: SWEPT_WITHIN_MS, everyMs: 1000 },
    );
  });
});
