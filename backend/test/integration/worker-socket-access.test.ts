import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readiness } from '../../src/api/readiness';
import { DockerSocketProxy, engineSocketPath } from './support/docker-socket-proxy';
import { startTestService, type TestService } from './support/test-service';
import { waitUntil } from './support/wait-until';
import {
  buildWorkerImage,
  removeTestWorkerLeftovers,
  startWorkerContainer,
  type WorkerContainer,
  workerContainerEnv,
} from './support/worker-container';

const WORKER_MAIN = path.resolve(__dirname, '../../../dist/backend/src/processes/worker-main.js');
const WORKER_USER = { uid: 1001, gid: 1001 };
/**
 * The socket's group. The host's socket may be root:docker with any gid, or root:root (gid 0) on
 * Docker Desktop-like engines; a proxy socket owned by this gid makes every host look the same.
 */
const SOCKET_GID = 4242;

const SCENE =
  'from manim import *\nclass Access(Scene):\n    def construct(self):\n        self.play(Create(Circle()))\n';

/**
 * The worker in a container as a non-root user, with the Docker socket mounted: without the
 * socket's group it stays up, says exactly why it cannot reach the engine and how to fix it, and
 * leaves jobs queued; with the group (`group_add`) it renders them.
 */
describe('a non-root worker container and the Docker socket group', () => {
  const runId = randomUUID().slice(0, 8);
  let image: string;
  let root: string;
  let proxy: DockerSocketProxy;
  let service: TestService;
  let hostOutputs: string;
  let hostTemp: string;
  let waitingWorker: WorkerContainer;
  let jobId: string;

  const ready = async (): Promise<{ status: number; body: Readiness }> => {
    const response = await fetch(`${service.url}/ready`);
    return { status: response.status, body: (await response.json()) as Readiness };
  };

  beforeAll(async () => {
    if (!existsSync(WORKER_MAIN)) {
      throw new Error(`${WORKER_MAIN} is missing: run \`npm run build\` first`);
    }
    image = await buildWorkerImage();
    root = await mkdtemp(path.join(tmpdir(), 'manim-socket-access-'));
    hostTemp = path.join(root, 'temp');
    hostOutputs = path.join(root, 'outputs');
    for (const dir of [hostTemp, hostOutputs]) {
      await mkdir(dir);
      await chown(dir, WORKER_USER.uid, WORKER_USER.gid);
    }
    proxy = new DockerSocketProxy(path.join(root, 'docker.sock'), await engineSocketPath());
    await proxy.start();
    await chown(proxy.path, 0, SOCKET_GID);
    await chmod(proxy.path, 0o660);
    service = await startTestService({ worker: false, env: { OUTPUTS_DIR: hostOutputs } });
  });
  afterAll(async () => {
    await removeTestWorkerLeftovers(runId);
    await service?.close();
    await proxy?.stop();
    if (root !== undefined) await rm(root, { recursive: true, force: true });
  });

  function startWorker(groupAdd?: string[]): Promise<WorkerContainer> {
    return startWorkerContainer({
      image,
      runId,
      user: `${WORKER_USER.uid}:${WORKER_USER.gid}`,
      ...(groupAdd === undefined ? {} : { groupAdd }),
      dockerSocket: proxy.path,
      tty: false,
      mounts: [
        { Type: 'bind', Source: hostTemp, Target: '/app/temp' },
        { Type: 'bind', Source: hostOutputs, Target: '/app/outputs' },
      ],
      env: workerContainerEnv(service.config),
    });
  }

  it('stays up without the group, names the socket, gid and fix, and keeps jobs queued', async () => {
    waitingWorker = await startWorker();
    const cause = `/var/run/docker.sock is root:${SOCKET_GID} (gid ${SOCKET_GID}, mode srw-rw----) and uid ${WORKER_USER.uid} (groups ${WORKER_USER.gid}) is not in group ${SOCKET_GID}`;
    const fix = `group_add: ['${SOCKET_GID}'] to the worker service (docker run: --group-add ${SOCKET_GID})`;

    const stderr = await waitUntil(
      'the worker explains on stderr',
      () => waitingWorker.stderr(),
      (text) => text.includes('Docker Engine unavailable'),
    );
    expect(stderr).toContain(cause);
    expect(stderr).toContain(fix);

    const notReady = await waitUntil('readiness names the cause', ready, ({ body }) =>
      body.problems.some((problem) => problem.includes(cause)),
    );
    expect(notReady.status).toBe(503);
    expect(notReady.body.problems).toEqual([expect.stringContaining(`(fix: Add ${fix}`)]);
    expect(notReady.body.checks.workers.workers).toEqual([
      expect.objectContaining({ engine: expect.objectContaining({ ok: false }), paused: true }),
    ]);

    const submitted = await service.submit({ code: SCENE, quality: 'low' });
    expect(submitted.status).toBe(202);
    jobId = submitted.body.id;
    const submittedAt = new Date().toISOString();
    await waitUntil(
      'the worker has checked the engine since the job was submitted',
      ready,
      ({ body }) =>
        body.checks.workers.workers.some(
          (status) => !status.engine.ok && (status.engine.checkedAt ?? '') > submittedAt,
        ),
    );
    expect(await service.getJob(jobId)).toMatchObject({ status: 'queued' });
    expect(await waitingWorker.running()).toBe(true);
    const [logged] = await waitingWorker.logLines(
      'Docker Engine does not answer; not taking new jobs until it does',
    );
    expect(logged).toMatchObject({ cause: 'socket-group-missing' });
  });

  it("renders the waiting job once a worker has the socket's group (group_add)", async () => {
    const worker = await startWorker([String(SOCKET_GID)]);
    const job = await Promise.race([service.waitForEnd(jobId), worker.failOnExit()]);
    if (job.status !== 'completed') {
      throw new Error(`job ${job.status}: ${JSON.stringify(job.error)}\n${await worker.logs()}`);
    }
    expect(existsSync(path.join(hostOutputs, jobId, 'Access.mp4'))).toBe(true);
    const video = await fetch(`${service.url}/api/animation/jobs/${jobId}/video`);
    expect(video.status).toBe(200);
    // The worker without the group is still there, still waiting.
    expect(await waitingWorker.running()).toBe(true);
  });
});
