import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../../src/config/load-config';
import {
  JOB_ID_LABEL,
  QUEUE_LABEL,
  SCOPE_LABEL,
} from '../../../src/render-engine/container-labels';
import type { JobFolderPlacement } from '../../../src/render-engine/render-engine';
import { deploymentScope } from '../../../src/config/redis-settings';
import type { RenderResult } from '../../../src/job/render-job';
import { createLogger } from '../../../src/logging/logger';
import { localOutputStore } from '../../../src/outputs/local-output-store';
import { OutputStoreUnavailableError, type OutputStore } from '../../../src/outputs/output-store';
import {
  createRenderProcessor,
  type RenderProcessorDeps,
} from '../../../src/pipeline/render-processor';
import { FakeEngineDown, FakeRenderEngine, type FakeRun } from '../../support/fake-render-engine';
import { asRenderResult, FakeSplitSteps } from '../../support/fake-split-steps';
import { refusal } from '../../support/refusal';
import { HELLO_JOB as data } from '../../support/render-jobs';

const FIXTURES = path.join(__dirname, '../../fixtures/manim-logs');
const IMAGE = { manimVersion: '0.22.0', name: 'manim-render:test' };
// A root test process hands job folders to 1000:1000, as a root worker does; others keep their own.
const RENDER_USER =
  process.getuid?.() === 0
    ? { uid: 1000, gid: 1000 }
    : { uid: process.getuid?.() ?? 1000, gid: process.getgid?.() ?? 1000 };

let root: string;
let engine: FakeRenderEngine;
let statistics: { completed: string[]; failed: string[]; rootRetries: string[] };

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'render-processor-'));
  engine = new FakeRenderEngine();
  statistics = { completed: [], failed: [], rootRetries: [] };
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

function processor(overrides: Partial<RenderProcessorDeps> = {}) {
  const config = loadConfig({
    TEMP_DIR: path.join(root, 'temp'),
    OUTPUTS_DIR: path.join(root, 'outputs'),
    QUEUE_NAME: 'unit',
  });
  return createRenderProcessor({
    config,
    logger: createLogger({ level: 'error', service: 'test', silent: true }),
    engine,
    images: [IMAGE],
    renderUser: RENDER_USER,
    workerId: 'worker-1',
    statistics: {
      recordCompleted: async (quality) => void statistics.completed.push(quality),
      recordFailed: async (code) => void statistics.failed.push(code),
      recordRootRetry: async (outcome) => void statistics.rootRetries.push(outcome),
    },
    engineSecurity: { userNamespaces: false, selinux: false },
    placeJobFolder: async (workerPath): Promise<JobFolderPlacement> => ({
      kind: 'mount',
      daemonPath: `/daemon${workerPath}`,
    }),
    jobFiles: { load: async () => [] },
    outputs: localOutputStore(path.join(root, 'outputs')),
    outputRetryDelayMs: 1,
    ...overrides,
  });
}

function render(
  handler: ReturnType<typeof processor>,
  options: { id?: string; signal?: AbortSignal } = {},
): Promise<RenderResult> {
  return handler({
    id: options.id ?? 'job-1',
    data,
    signal: options.signal ?? new AbortController().signal,
    reportProgress: async () => undefined,
    saveLog: async () => undefined,
    split: new FakeSplitSteps(),
  }).then(asRenderResult);
}

/** Writes the video where Manim would for scene.py, quality low. */
async function writeVideo(run: FakeRun, bytes = 'video bytes'): Promise<void> {
  const folder = run.options.folder;
  if (!folder) throw new Error('the run has no job folder');
  const dir = path.join(folder.workerDir, 'media/videos/scene/480p15');
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'Hello.mp4'), bytes);
}

async function fixture(name: string) {
  return {
    stdout: await readFile(path.join(FIXTURES, `${name}.stdout.txt`), 'utf8'),
    stderr: await readFile(path.join(FIXTURES, `${name}.stderr.txt`), 'utf8'),
  };
}

async function leftInTemp(): Promise<string[]> {
  return readdir(path.join(root, 'temp')).catch(() => []);
}

describe('the render processor', () => {
  it('runs Manim in a locked container of the job version and stores the file it wrote', async () => {
    engine.willRun((run) => writeVideo(run, 'twelve bytes').then(() => ({})));

    const result = await render(processor());

    expect(result).toMatchObject({
      fileName: 'Hello.mp4',
      contentType: 'video/mp4',
      sizeBytes: 12,
    });
    expect(await readFile(path.join(root, 'outputs/job-1/Hello.mp4'), 'utf8')).toBe('twelve bytes');
    const [run] = engine.runs;
    expect(run?.spec).toMatchObject({
      image: IMAGE.name,
      user: `${RENDER_USER.uid}:${RENDER_USER.gid}`,
      workingDir: '/job',
      labels: { [JOB_ID_LABEL]: 'job-1', [QUEUE_LABEL]: 'unit' },
      limits: { timeoutMs: 60_000 },
    });
    expect(run?.spec.capAdd).toBeUndefined();
    // Manim's argv, run with the poster after it in the same process.
    const job = JSON.parse(run?.spec.command.at(-1) ?? '{}') as { argv?: string[] };
    expect(job.argv).toEqual(expect.arrayContaining(['scene.py', 'Hello']));
    expect(run?.spec.mounts).toEqual([
      expect.objectContaining({ source: expect.stringMatching(/^\/daemon\//), target: '/job' }),
    ]);
    expect(run?.options.folder).toMatchObject({ placement: { kind: 'mount' }, target: '/job' });
    expect(statistics.completed).toEqual(['low']);
    expect(await leftInTemp()).toEqual([]);
  });

  it('keeps the poster the container made beside the video', async () => {
    engine.willRun(async (run) => {
      await writeVideo(run);
      await writeFile(path.join(run.options.folder?.workerDir ?? '', 'media/poster.png'), 'png');
      return {};
    });

    const result = await render(processor());

    expect(result.poster).toEqual({ fileName: 'Hello.poster.png', sizeBytes: 3 });
    expect(await readFile(path.join(root, 'outputs/job-1/Hello.poster.png'), 'utf8')).toBe('png');
    const command = engine.runs[0]?.spec.command ?? [];
    expect(command.slice(0, 2)).toEqual(['python3', '-c']);
    expect(JSON.parse(command[3] ?? '')).toMatchObject({
      argv: expect.arrayContaining(['scene.py', 'Hello']),
      poster: { scene: 'Hello', extension: 'mp4' },
    });
  });

  it('completes without a poster when the container made none', async () => {
    engine.willRun((run) => writeVideo(run).then(() => ({})));

    const result = await render(processor());

    expect(result.fileName).toBe('Hello.mp4');
    expect(result.poster).toBeUndefined();
  });

  it('keeps the video once the output store answers again, trying with growing pauses', async () => {
    engine.willRun((run) => writeVideo(run).then(() => ({})));
    const local = localOutputStore(path.join(root, 'outputs'));
    let attempts = 0;
    const outputs: OutputStore = {
      ...local,
      save: async (file) => {
        attempts += 1;
        if (attempts < 3)
          throw new OutputStoreUnavailableError('http://store:8333', 'ECONNREFUSED');
        return local.save(file);
      },
    };

    const result = await render(processor({ outputs }));

    expect(attempts).toBe(3);
    expect(result.fileName).toBe('Hello.mp4');
    expect(await local.exists({ jobId: 'job-1', fileName: 'Hello.mp4' })).toBe(true);
  });

  it('fails with output_store_unavailable, naming the store, when it never answers', async () => {
    engine.willRun((run) => writeVideo(run).then(() => ({})));
    let attempts = 0;
    const outputs: OutputStore = {
      ...localOutputStore(path.join(root, 'outputs')),
      save: async () => {
        attempts += 1;
        throw new OutputStoreUnavailableError('http://store:8333 (bucket v)', 'ECONNREFUSED');
      },
    };
    const handler = processor({
      outputs,
      config: loadConfig({ TEMP_DIR: path.join(root, 'temp'), S3_UPLOAD_ATTEMPTS: '3' }),
    });

    const failure = await refusal(render(handler));

    expect(attempts).toBe(3);
    expect(failure.code).toBe('output_store_unavailable');
    expect(failure.message).toMatch(
      /after 3 attempts: .*http:\/\/store:8333 \(bucket v\).*ECONNREFUSED/,
    );
    expect(failure.details).toMatchObject({
      location: 'http://store:8333 (bucket v)',
      attempts: 3,
    });
    expect(statistics.failed).toEqual(['output_store_unavailable']);
    expect(await leftInTemp()).toEqual([]);
  });

  it('removes a container an earlier attempt of the same job left behind', async () => {
    const scope = deploymentScope(loadConfig({ QUEUE_NAME: 'unit' }));
    const leftover = engine.addContainer({
      [QUEUE_LABEL]: 'unit',
      [SCOPE_LABEL]: scope,
      [JOB_ID_LABEL]: 'job-1',
    });
    const otherJob = engine.addContainer({
      [QUEUE_LABEL]: 'unit',
      [SCOPE_LABEL]: scope,
      [JOB_ID_LABEL]: 'job-2',
    });
    engine.willRun((run) => writeVideo(run).then(() => ({})));

    await render(processor());

    expect(engine.removed).toEqual([leftover]);
    expect(engine.removed).not.toContain(otherJob);
  });

  it("names the failure from Manim's own output", async () => {
    const output = await fixture('name-error');
    engine.willRun(() => ({ exitCode: 1, ...output }));

    const failure = await refusal(render(processor()));

    expect(failure.code).toBe('scene_error');
    expect(failure.message).toContain("name 'foo' is not defined");
    expect(statistics.failed).toEqual(['scene_error']);
    expect(await leftInTemp()).toEqual([]);
  });

  it('fails a run that exited cleanly without writing a file', async () => {
    engine.willRun(() => ({ exitCode: 0 }));

    const failure = await refusal(render(processor()));

    expect(failure.code).toBe('output_missing');
  });

  it('runs once more as root, with the capabilities to hand files back, when the render user may not write its folder', async () => {
    const denied = await fixture('job-folder-not-writable');
    engine.willRun(
      () => ({ exitCode: 1, ...denied }),
      (run) => writeVideo(run).then(() => ({})),
    );

    const result = await render(processor());

    expect(engine.runs.map((run) => run.spec.user)).toEqual([
      `${RENDER_USER.uid}:${RENDER_USER.gid}`,
      '0:0',
    ]);
    expect(engine.runs[1]?.spec.capAdd).toEqual(['CHOWN', 'DAC_OVERRIDE', 'FOWNER']);
    expect(engine.runs[1]?.spec.command.join(' ')).toContain('chown');
    expect(result.ranAsRoot).toMatchObject({
      firstFailure: { code: 'permission_denied' },
      reason: expect.stringContaining(`uid ${RENDER_USER.uid}`),
    });
    expect(statistics.rootRetries).toEqual(['completed']);
  });

  // Only a root test process can leave files another user does not own, as a killed root run does.
  const asRoot = process.getuid?.() === 0 ? it : it.skip;
  asRoot('hands files back with a short helper when the run as root could not', async () => {
    const denied = await fixture('job-folder-not-writable');
    engine.willRun(
      () => ({ exitCode: 1, ...denied }),
      (run) => writeVideo(run).then(() => ({})),
    );

    await render(processor());

    expect(engine.helpers).toEqual([
      expect.objectContaining({
        kind: 'owner-fix',
        user: '0:0',
        capAdd: ['CHOWN'],
        mount: expect.objectContaining({
          target: '/job',
          source: expect.stringMatching(/^\/daemon\//),
        }),
        labels: { [JOB_ID_LABEL]: 'job-1' },
      }),
    ]);
  });

  it('does not retry as root where root could not write either, and says so', async () => {
    const denied = await fixture('job-folder-not-writable');
    engine.willRun(() => ({ exitCode: 1, ...denied }));

    const failure = await refusal(
      render(processor({ engineSecurity: { userNamespaces: true, selinux: false } })),
    );

    expect(engine.runs).toHaveLength(1);
    expect(failure.code).toBe('permission_denied');
    expect(failure.details?.rootRetryRefused).toMatch(/userns-remap/);
    expect(statistics.rootRetries).toEqual(['refused']);
  });

  it('fails as cancelled when the job is cancelled while it renders', async () => {
    const cancel = new AbortController();
    engine.willRun(() => {
      cancel.abort();
      return { exitCode: 137, cancelled: true };
    });

    const failure = await refusal(render(processor(), { signal: cancel.signal }));

    expect(failure.code).toBe('cancelled');
    expect(await leftInTemp()).toEqual([]);
  });

  it('fails with the limit a run was stopped for', async () => {
    engine.willRun(() => ({
      exitCode: 137,
      stopped: {
        code: 'job_folder_too_many_files',
        message: 'The render created more than 20000 files',
        details: { entries: 20001 },
      },
    }));

    const failure = await refusal(render(processor()));

    expect(failure.code).toBe('job_folder_too_many_files');
    expect(failure.details).toEqual({ entries: 20001 });
  });

  it('gives every run the job folder limits of the configuration', async () => {
    engine.willRun((run) => writeVideo(run).then(() => ({})));

    await render(processor());

    expect(engine.runs[0]?.options.folder?.limits).toEqual({
      maxBytes: 4096 * 1024 * 1024,
      maxEntries: 20000,
    });
  });

  it('copies the job folder through the engine when the daemon cannot mount it', async () => {
    engine.willRun((run) => writeVideo(run).then(() => ({})));

    await render(
      processor({ placeJobFolder: async () => ({ kind: 'copy', reason: 'not shared' }) }),
    );

    const [run] = engine.runs;
    expect(run?.spec.mounts).toEqual([{ type: 'scratch', target: '/job' }]);
    expect(run?.options.folder).toMatchObject({
      placement: { kind: 'copy' },
      owner: RENDER_USER,
      outputDir: 'media',
    });
  });

  it('reports an engine that cannot be reached as the engine being unavailable', async () => {
    engine.willRun(() => {
      throw new FakeEngineDown('connect ENOENT /var/run/docker.sock');
    });

    const failure = await refusal(render(processor()));

    expect(failure.code).toBe('docker_unavailable');
    expect(await leftInTemp()).toEqual([]);
  });

  it('fails a job for a Manim version this worker does not serve, before any container runs', async () => {
    const failure = await refusal(
      processor()({
        id: 'job-1',
        data: { ...data, options: { ...data.options, manimVersion: '0.18.1' } },
        signal: new AbortController().signal,
        reportProgress: async () => undefined,
        saveLog: async () => undefined,
        split: new FakeSplitSteps(),
      }),
    );

    expect(failure.code).toBe('image_missing');
    expect(engine.runs).toEqual([]);
  });
});
