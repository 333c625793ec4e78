import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../../src/config/load-config';
import type { JobFolderPlacement } from '../../../src/render-engine/render-engine';
import { AppError } from '../../../src/errors/app-error';
import type { JobOutcome, RenderJobData } from '../../../src/job/render-job';
import { JobParked, type RangeResult, type ScenePlan } from '../../../src/split/split-job';
import { createLogger } from '../../../src/logging/logger';
import { localOutputStore } from '../../../src/outputs/local-output-store';
import {
  MISMATCH_EXIT_CODE,
  SPLIT_FILES,
  UNSUPPORTED_EXIT_CODE,
} from '../../../src/split/split-module';
import { createRenderProcessor } from '../../../src/pipeline/render-processor';
import { FakeRenderEngine, type FakeRun } from '../../support/fake-render-engine';
import { asRenderResult, FakeSplitSteps } from '../../support/fake-split-steps';
import { refusal } from '../../support/refusal';
import { HELLO_JOB } from '../../support/render-jobs';

/** The split pipeline of the worker, with the engine and the queue faked. */

const IMAGE = { manimVersion: '0.22.0', name: 'manim-render:test' };
const USER =
  process.getuid?.() === 0
    ? { uid: 1000, gid: 1000 }
    : { uid: process.getuid?.() ?? 1000, gid: process.getgid?.() ?? 1000 };
const SPLIT_JOB: RenderJobData = { ...HELLO_JOB, options: { ...HELLO_JOB.options, chunks: 2 } };
const PARTIALS = 'videos/scene/480p15/partial_movie_files/Hello';

let root: string;
let engine: FakeRenderEngine;
let split: FakeSplitSteps;

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'split-pipeline-'));
  engine = new FakeRenderEngine();
  split = new FakeSplitSteps();
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

function handle(id: string, data: RenderJobData): Promise<JobOutcome> {
  const config = loadConfig({
    TEMP_DIR: path.join(root, 'temp'),
    OUTPUTS_DIR: path.join(root, 'outputs'),
    QUEUE_NAME: 'unit',
  });
  const processor = createRenderProcessor({
    config,
    logger: createLogger({ level: 'error', service: 'test', silent: true }),
    engine,
    images: [IMAGE],
    renderUser: USER,
    workerId: 'worker-1',
    statistics: {
      recordCompleted: async () => undefined,
      recordFailed: async () => undefined,
      recordRootRetry: async () => undefined,
    },
    engineSecurity: { userNamespaces: false, selinux: false },
    placeJobFolder: async (): Promise<JobFolderPlacement> => ({ kind: 'mount', daemonPath: '/x' }),
    jobFiles: { load: async () => [] },
    outputs: localOutputStore(path.join(root, 'outputs')),
    outputRetryDelayMs: 1,
  });
  return processor({
    id,
    data,
    signal: new AbortController().signal,
    reportProgress: async () => undefined,
    saveLog: async () => undefined,
    split,
  });
}

/** The job folder of a fake run, and the control file the worker wrote for the split module. */
async function controlOf(run: FakeRun): Promise<{ dir: string; control: Record<string, unknown> }> {
  const dir = run.options.folder?.workerDir ?? '';
  const control = JSON.parse(await readFile(path.join(dir, 'home/split-control.json'), 'utf8'));
  return { dir, control: control as Record<string, unknown> };
}

async function writeIn(dir: string, file: string, content: string): Promise<void> {
  await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
  await writeFile(path.join(dir, file), content);
}

const PLAN: ScenePlan = {
  plays: [0, 1, 2, 3].map((index) => ({
    segment: true,
    frames: 10,
    heldFrames: 0,
    digest: `digest-${index}`,
    seconds: 0.01,
  })),
  sounds: [],
  seconds: 0.1,
};

/** The plan pass: writes the plan where the module would. */
const planPass = async (run: FakeRun) => {
  const { dir, control } = await controlOf(run);
  expect(control).toMatchObject({ mode: 'plan' });
  await writeIn(dir, 'media/split-result.json', JSON.stringify({ mode: 'plan', ...PLAN }));
  return {};
};

describe('a render split into ranges', () => {
  it('plans the scene, then queues its ranges with the digests they must match and parks', async () => {
    engine.willRun(planPass);

    await expect(handle('job-1', SPLIT_JOB)).rejects.toBeInstanceOf(JobParked);

    expect(engine.runs[0]?.spec.command.slice(0, 2)).toEqual(['python3', '-c']);
    expect(split.queued?.state.ranges).toEqual([
      { first: 0, last: 1 },
      { first: 2, last: 3 },
    ]);
    expect(split.queued?.ranges.map((task) => task.range)).toEqual([
      { first: 0, last: 1 },
      { first: 2, last: 3 },
    ]);
    expect(split.queued?.ranges[1]).toMatchObject({
      parentId: 'job-1',
      index: 1,
      expected: ['digest-0', 'digest-1', 'digest-2', 'digest-3'],
    });
  });

  it('renders a range: its drawn plays are kept under the range job, the rest ignored', async () => {
    engine.willRun(async (run) => {
      const { dir, control } = await controlOf(run);
      expect(control).toMatchObject({ mode: 'range', first: 2, last: 3 });
      for (const play of [2, 3])
        await writeIn(dir, `media/${PARTIALS}/uncached_0000${play}.mp4`, `p${play}`);
      await writeIn(dir, 'media/videos/scene/480p15/Hello.mp4', 'the range as one movie');
      await writeIn(dir, 'media/split-result.json', '{}');
      return {};
    });
    const task = { parentId: 'job-1', index: 1, range: { first: 2, last: 3 }, expected: [] };

    const result = (await handle('job-1-range-1', { ...SPLIT_JOB, range: task })) as RangeResult;

    expect(result).toMatchObject({
      kind: 'range',
      index: 1,
      segments: [
        { play: 2, path: `${PARTIALS}/uncached_00002.mp4`, fileName: 'uncached_00002.mp4' },
        { play: 3, path: `${PARTIALS}/uncached_00003.mp4`, fileName: 'uncached_00003.mp4' },
      ],
    });
    expect(await readdir(path.join(root, 'outputs/job-1-range-1'))).toEqual([
      'uncached_00002.mp4',
      'uncached_00003.mp4',
    ]);
  });

  it('reports a range whose frames differ from the plan as a mismatch, not a failure', async () => {
    engine.willRun(async (run) => {
      const { dir } = await controlOf(run);
      await writeIn(dir, 'media/split-result.json', JSON.stringify({ mismatch: { play: 3 } }));
      return { exitCode: MISMATCH_EXIT_CODE };
    });
    const task = { parentId: 'job-1', index: 1, range: { first: 2, last: 3 }, expected: [] };

    const result = await handle('job-1-range-1', { ...SPLIT_JOB, range: task });

    expect(result).toMatchObject({ kind: 'range', mismatch: { play: 3 }, segments: [] });
  });

  describe('once its ranges have ended', () => {
    const state = {
      plan: PLAN,
      ranges: [
        { first: 0, last: 1 },
        { first: 2, last: 3 },
      ],
      planMs: 5,
    };

    async function keepRangeFiles(): Promise<void> {
      for (const [range, plays] of [
        [0, [0, 1]],
        [1, [2, 3]],
      ] as const) {
        const segments = [];
        for (const play of plays) {
          const fileName = `uncached_0000${play}.mp4`;
          await writeIn(path.join(root, 'outputs'), `job-1-range-${range}/${fileName}`, `p${play}`);
          segments.push({
            play,
            path: `${PARTIALS}/${fileName}`,
            fileName,
            contentType: 'video/mp4',
          });
        }
        split.results.push({
          kind: 'range',
          index: range,
          storeJobId: `job-1-range-${range}`,
          segments,
          durationMs: 1,
          steppedMs: 0,
        });
      }
    }

    it('joins their files where Manim wrote them, keeps the video and removes the ranges', async () => {
      await keepRangeFiles();
      engine.willRun(async (run) => {
        const { dir, control } = await controlOf(run);
        expect(control).toMatchObject({ mode: 'join', plan: PLAN });
        const partials = await readdir(path.join(dir, 'media', PARTIALS));
        expect(partials.sort()).toEqual([0, 1, 2, 3].map((play) => `uncached_0000${play}.mp4`));
        await writeIn(dir, 'media/videos/scene/480p15/Hello.mp4', 'joined');
        return {};
      });

      const result = asRenderResult(await handle('job-1', { ...SPLIT_JOB, split: state }));

      expect(result).toMatchObject({ fileName: 'Hello.mp4', chunks: 2 });
      expect(result.splitTimings).toMatchObject({
        planMs: 5,
        ranges: [
          { durationMs: 1, steppedMs: 0 },
          { durationMs: 1, steppedMs: 0 },
        ],
      });
      expect(await readFile(path.join(root, 'outputs/job-1/Hello.mp4'), 'utf8')).toBe('joined');
      expect((await readdir(path.join(root, 'outputs'))).sort()).toEqual(['job-1']);
    });

    it('fails with the error of a range that failed, and stops the others', async () => {
      await keepRangeFiles();
      split.failure = new AppError('scene_error', 'NameError at line 9', {
        details: { line: 9 },
      }).toBody();

      const failure = await refusal(handle('job-1', { ...SPLIT_JOB, split: state }));

      expect(failure).toMatchObject({ code: 'scene_error', details: { line: 9 } });
      expect(split.stopped).toBe(1);
      expect(engine.runs).toHaveLength(0);
      expect(await readdir(path.join(root, 'outputs'))).toEqual([]);
    });

    it('renders in one container, saying why, when a range drew other frames than the plan', async () => {
      await keepRangeFiles();
      split.results[1] = {
        kind: 'range',
        index: 1,
        storeJobId: 'job-1-range-1',
        segments: [],
        mismatch: { play: 2 },
        durationMs: 1,
        steppedMs: 0,
      };
      engine.willRun(async (run) => {
        const { dir, control } = await controlOf(run);
        expect(control).toMatchObject({ mode: 'whole' });
        await writeIn(dir, 'media/videos/scene/480p15/Hello.mp4', 'whole');
        return {};
      });

      const result = asRenderResult(await handle('job-1', { ...SPLIT_JOB, split: state }));

      expect(result.chunks).toBeUndefined();
      expect(result.oneContainerReason).toMatch(/play 2 drew other frames than the plan pass/);
    });
  });

  it('renders as Manim is when the render image cannot be split, and says why', async () => {
    engine.willRun(
      async (run) => {
        const { dir } = await controlOf(run);
        await writeIn(dir, 'media/split-result.json', '{"unsupported": "AttributeError: play"}');
        return { exitCode: UNSUPPORTED_EXIT_CODE };
      },
      async (run) => {
        expect(run.spec.command).not.toContain(SPLIT_FILES.containerControl);
        const plain = JSON.parse(run.spec.command.at(-1) ?? '{}') as { argv?: string[] };
        expect(plain.argv?.slice(-2)).toEqual(['scene.py', 'Hello']);
        await writeIn(
          run.options.folder?.workerDir ?? '',
          'media/videos/scene/480p15/Hello.mp4',
          'v',
        );
        return {};
      },
    );

    const result = asRenderResult(await handle('job-1', SPLIT_JOB));

    expect(result.oneContainerReason).toMatch(/cannot be split \(AttributeError: play\)/);
    expect(split.queued).toBeUndefined();
  });
});
