import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { JobView } from '../../src/job/render-job';
import { containersOfJob } from './support/job-containers';
import { startTestService, type TestService } from './support/test-service';
import {
  buildWorkerImage,
  removeTestWorkerLeftovers,
  startWorkerContainer,
  workerContainerEnv,
  type WorkerContainer,
} from './support/worker-container';

/** Small limits, so that a flood crosses them in about a second. */
const LIMITS = { JOB_FOLDER_MAX_FILES: '2000', JOB_FOLDER_MAX_MB: '64' };

/** A scene that writes into its job folder without end; only the folder limits stop it. */
function flood(body: string[]): string {
  return [
    'from manim import *',
    'import os',
    '',
    'class Flood(Scene):',
    '    def construct(self):',
    "        os.makedirs('/job/flood', exist_ok=True)",
    '        n = 0',
    '        while True:',
    ...body.map((line) => `            ${line}`),
    '            n += 1',
    '',
  ].join('\n');
}

const EMPTY_FILES = flood(["open(f'/job/flood/{n}', 'w').close()"]);
// 1 MiB each, under the per-file limit: only their total is too much.
const MEDIUM_FILES = flood([
  "with open(f'/job/flood/{n}.bin', 'wb') as f:",
  "    f.write(b'0' * (1024 * 1024))",
]);

/** Submits a flood and checks how it ended: the code naming the limit, nothing left behind. */
async function expectStopped(
  service: TestService,
  code: string,
  expected: 'job_folder_too_many_files' | 'job_folder_too_large',
  options: { until?: Promise<never>; jobFolders?: string } = {},
): Promise<JobView> {
  const submitted = await service.submit({ code, quality: 'low', timeout: 120 });
  expect(submitted.status).toBe(202);
  const ended = service.waitForEnd(submitted.body.id);
  const job = await (options.until ? Promise.race([ended, options.until]) : ended);

  expect(job.status).toBe('failed');
  expect(job.error?.code).toBe(expected);
  expect(job.error?.message).toContain(
    expected === 'job_folder_too_many_files' ? 'JOB_FOLDER_MAX_FILES' : 'JOB_FOLDER_MAX_MB',
  );
  expect(await containersOfJob(job.id)).toEqual([]);
  const folders = options.jobFolders ?? service.config.TEMP_DIR;
  expect(existsSync(path.join(folders, job.id))).toBe(false);
  return job;
}

describe('a render that floods its job folder', () => {
  describe.each(['mount', 'copy'])('with the job folder by %s', (transfer) => {
    let service: TestService;
    beforeAll(async () => {
      service = await startTestService({ env: { ...LIMITS, JOB_FILE_TRANSFER: transfer } });
    });
    afterAll(() => service?.close());

    it('with empty files is stopped at the file limit and its folder removed', async () => {
      const job = await expectStopped(service, EMPTY_FILES, 'job_folder_too_many_files');
      // Measured every half second: how far past the limit it got says how fast that was.
      expect(job.error?.details).toMatchObject({ limit: 2000, setting: 'JOB_FOLDER_MAX_FILES' });
    });

    it('with medium files is stopped at the size limit and its folder removed', async () => {
      const job = await expectStopped(service, MEDIUM_FILES, 'job_folder_too_large');
      expect(job.error?.details).toMatchObject({
        limitBytes: 64 * 1024 * 1024,
        setting: 'JOB_FOLDER_MAX_MB',
      });
    });

    it('leaves a normal render alone', async () => {
      const submitted = await service.submit({
        code: 'from manim import *\nclass Fine(Scene):\n    def construct(self):\n        self.play(Create(Circle()))\n',
        quality: 'low',
      });
      expect((await service.waitForEnd(submitted.body.id)).status).toBe('completed');
    });
  });

  describe('run by a worker in a container', () => {
    const runId = randomUUID().slice(0, 8);
    let root: string;
    let image: string;
    const services: TestService[] = [];
    beforeAll(async () => {
      image = await buildWorkerImage();
      root = await mkdtemp(path.join(tmpdir(), 'manim-flood-'));
    });
    afterAll(async () => {
      await removeTestWorkerLeftovers(runId);
      for (const service of services) await service.close();
      if (root) await rm(root, { recursive: true, force: true });
    });

    async function containerisedWorker(
      jobFolders: 'bound' | 'own',
    ): Promise<{ service: TestService; worker: WorkerContainer; hostTemp: string }> {
      const hostTemp = path.join(root, `temp-${jobFolders}`);
      const hostOutputs = path.join(root, `outputs-${jobFolders}`);
      await mkdir(hostTemp);
      await mkdir(hostOutputs);
      const service = await startTestService({
        worker: false,
        env: { ...LIMITS, OUTPUTS_DIR: hostOutputs },
      });
      services.push(service);
      const worker = await startWorkerContainer({
        image,
        runId,
        mounts: [
          { Type: 'bind', Source: hostOutputs, Target: '/app/outputs' },
          // Bound: the render container gets the host path; own: a folder only the worker
          // container has, so its files are copied.
          ...(jobFolders === 'bound'
            ? [{ Type: 'bind' as const, Source: hostTemp, Target: '/app/temp' }]
            : []),
        ],
        env: {
          ...workerContainerEnv(service.config),
          ...LIMITS,
          ...(jobFolders === 'own' ? { TEMP_DIR: '/tmp/jobs' } : {}),
        },
      });
      return { service, worker, hostTemp };
    }

    it('is stopped when the job folder is bound from the host', async () => {
      const { service, worker, hostTemp } = await containerisedWorker('bound');
      await expectStopped(service, EMPTY_FILES, 'job_folder_too_many_files', {
        until: worker.failOnExit(),
        jobFolders: hostTemp,
      });
      expect(await readdir(hostTemp)).toEqual([]);
    });

    it('is stopped when the job files are copied', async () => {
      const { service, worker } = await containerisedWorker('own');
      await expectStopped(service, MEDIUM_FILES, 'job_folder_too_large', {
        until: worker.failOnExit(),
      });
    });
  });
});
