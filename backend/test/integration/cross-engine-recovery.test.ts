import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { startDockerInDocker, type DockerInDocker } from './support/docker-in-docker';
import { containersOfJob, waitForRunningContainer } from './support/job-containers';
import { startS3Server, type S3Server } from './support/seaweedfs';
import { testEnvironment } from './support/test-environment';
import { sceneSleeping } from './support/scenes';
import { startTestService, type TestService } from './support/test-service';
import { exitOf, spawnWorker, workerLogs } from './support/worker-child';

/**
 * Two worker hosts, as far as the service can tell: each worker has a Docker Engine and folders
 * of its own (the machine's engine, and a Docker-in-Docker engine that sees none of the host's
 * files), and they share only Redis and the bucket with the API.
 */
describe('a worker host that dies mid-render', () => {
  let root: string;
  let s3: S3Server;
  let dind: DockerInDocker | undefined;
  let service: TestService;
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'cross-engine-recovery-'));
    s3 = await startS3Server(path.join(root, 'seaweedfs'));
    dind = await startDockerInDocker({ images: [testEnvironment().image] });
    service = await startTestService({
      worker: false,
      env: { ...s3.env, JOB_LOCK_SECONDS: '3' },
    });
  });

  afterAll(async () => {
    for (const worker of workers) {
      worker.kill('SIGKILL');
      await exitOf(worker);
    }
    await service?.close();
    await dind?.stop();
    await s3?.stop();
    await rm(root, { recursive: true, force: true });
  });

  function workerOn(host: string, env: Record<string, string>): ChildProcess {
    const worker = spawnWorker(
      service.config,
      {
        ...s3.env,
        OUTPUTS_DIR: path.join(root, host, 'outputs'),
        TEMP_DIR: path.join(root, host, 'temp'),
        LOG_LEVEL: 'info',
        ...env,
      },
      undefined,
      { captureLogs: true },
    );
    workers.push(worker);
    return worker;
  }

  it('has its job rendered by a worker on the other engine, and the video lands in the bucket', async () => {
    const submitted = await service.submit({ code: sceneSleeping(4), quality: 'low' });
    const id = submitted.body.id;
    const first = workerOn('host-a', {});
    const orphan = await waitForRunningContainer(id);

    first.kill('SIGKILL');
    await exitOf(first);
    const inner = dind?.dockerHost ?? '';
    const second = workerOn('host-b', { DOCKER_HOST: inner });
    const secondLogs = workerLogs(second);

    const job = await service.waitForEnd(id);

    expect(job.status).toBe('completed');
    expect(await secondLogs.next('render completed')).toMatchObject({ jobId: id });
    const video = await fetch(`${service.url}/api/animation/jobs/${id}/video`);
    expect(video.status).toBe(200);
    expect(
      Buffer.from(await video.arrayBuffer())
        .subarray(4, 8)
        .toString(),
    ).toBe('ftyp');
    const listed = await fetch(`${s3.endpoint}/${s3.bucket}?list-type=2&prefix=${id}/`);
    expect(await listed.text()).toContain(`<Key>${id}/Slow.mp4</Key>`);
    expect(await containersOfJob(id, dind?.docker)).toEqual([]);
    // The first host's engine has no worker left to sweep its orphan: the test does.
    await new Docker()
      .getContainer(orphan)
      .remove({ force: true })
      .catch(() => undefined);
  });
});
