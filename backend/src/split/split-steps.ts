import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../errors/app-error';
import {
  scenePlanSchema,
  type PlayReuse,
  type RangeResult,
  type RangeTask,
  type ScenePlan,
  type SplitState,
} from './split-job';
import { PLAY_FILE_EXTENSION } from './play-cache';
import { RENDER_CONTAINER_PATHS } from '../manim/manim-command';
import { saveWithRetries } from '../outputs/save-with-retries';
import {
  MISMATCH_EXIT_CODE,
  SPLIT_FILES,
  splitCommand,
  splitControl,
  UNSUPPORTED_EXIT_CODE,
} from './split-module';
import type { ContainerStep, StepJob } from '../pipeline/job-container-step';
import type { JobWorkspace, WorkspaceFiles } from '../job-folders/job-workspace';
import type { RenderProcessorDeps } from '../pipeline/render-processor-deps';

/** The plan pass: the scene's plays, or why the render image's Manim cannot be split. */
export type PlanOutcome =
  { kind: 'planned'; plan: ScenePlan } | { kind: 'unsupported'; reason: string };

export function planStep(): ContainerStep<PlanOutcome> {
  return {
    files: { [SPLIT_FILES.control]: splitControl({ mode: 'plan' }) },
    command: splitCommand,
    acceptedExitCodes: [UNSUPPORTED_EXIT_CODE],
    needsVideo: false,
    reportsProgress: false,
    async collect({ workspace, run }) {
      const result = await readResult(workspace);
      if (run.exitCode === UNSUPPORTED_EXIT_CODE) {
        const detail = (result as { unsupported?: unknown }).unsupported;
        return {
          kind: 'unsupported',
          reason: `the render image's Manim cannot be split (${typeof detail === 'string' ? detail : 'unknown'})`,
        };
      }
      const parsed = scenePlanSchema.safeParse(result);
      if (!parsed.success) throw new Error(`the plan pass wrote no plan: ${parsed.error.message}`);
      return { kind: 'planned', plan: parsed.data };
    },
  };
}

/** The step of a one-container render through the split module (seeded like the ranges). */
export function wholeCommandFiles(): {
  command: (manimArgs: string[]) => string[];
  files: WorkspaceFiles;
} {
  return {
    command: splitCommand,
    files: { [SPLIT_FILES.control]: splitControl({ mode: 'whole' }) },
  };
}

const PARTIAL_FILE = /^(videos\/.+\/partial_movie_files\/[^/]+\/)uncached_(\d{5})\.(\w+)$/;
const SEGMENT_TYPES: Record<string, string> = {
  mp4: 'video/mp4',
  mov: 'video/quicktime',
  webm: 'video/webm',
};

/** One range: its plays drawn, their partial movie files kept under the range job's id. */
export function rangeStep(
  deps: Pick<RenderProcessorDeps, 'config' | 'outputs' | 'outputRetryDelayMs'>,
  job: StepJob,
  task: RangeTask,
): ContainerStep<RangeResult> {
  const startedAt = Date.now();
  return {
    files: {
      [SPLIT_FILES.control]: splitControl({
        mode: 'range',
        range: task.range,
        expected: task.expected,
        ...(task.reused ? { reused: task.reused } : {}),
      }),
    },
    command: splitCommand,
    acceptedExitCodes: [MISMATCH_EXIT_CODE],
    needsVideo: false,
    reportsProgress: true,
    async collect({ workspace, run }) {
      const base = { kind: 'range' as const, index: task.index, storeJobId: job.id };
      if (run.exitCode === MISMATCH_EXIT_CODE) {
        const { mismatch } = (await readResult(workspace)) as { mismatch?: { play?: unknown } };
        const play = typeof mismatch?.play === 'number' ? mismatch.play : task.range.first;
        return {
          ...base,
          segments: [],
          mismatch: { play },
          durationMs: Date.now() - startedAt,
          steppedMs: 0,
        };
      }
      const segments: RangeResult['segments'] = [];
      for (const file of await workspace.listFiles(RENDER_CONTAINER_PATHS.mediaDirName)) {
        const match = PARTIAL_FILE.exec(file);
        const play = Number(match?.[2]);
        const drawn = play >= task.range.first && play <= task.range.last;
        if (!match || !drawn || task.reused?.includes(play)) continue;
        const fileName = `uncached_${match[2] ?? ''}.${match[3] ?? ''}`;
        const contentType = SEGMENT_TYPES[match[3] ?? ''] ?? 'application/octet-stream';
        await saveWithRetries(
          deps.outputs,
          {
            jobId: job.id,
            fileName,
            contentType,
            sourcePath: workspace.pathOf(`${RENDER_CONTAINER_PATHS.mediaDirName}/${file}`),
          },
          { attempts: deps.config.S3_UPLOAD_ATTEMPTS, firstDelayMs: 1000, signal: job.signal },
        );
        segments.push({ play, path: file, fileName, contentType });
      }
      return {
        ...base,
        segments,
        durationMs: Date.now() - startedAt,
        steppedMs: steppedMsOf(await readResult(workspace), task.range.first),
      };
    },
  };
}

/**
 * The files of the join: the control file, and every play's partial movie file where Manim
 * writes it: the ranges' from the output store, the reused ones from the tenant's plays.
 * `onFetched` sees each file a range drew while it is on this host (to keep it for reuse).
 */
export async function joinFiles(
  deps: Pick<RenderProcessorDeps, 'config' | 'outputs' | 'plays'>,
  parentId: string,
  state: SplitState,
  results: RangeResult[],
  onFetched?: (play: number, localPath: string) => Promise<void>,
): Promise<WorkspaceFiles> {
  const { plan } = state;
  const files: WorkspaceFiles = {
    [SPLIT_FILES.control]: splitControl({ mode: 'join', plan }),
  };
  const dir = await transitDir(deps, parentId);
  try {
    for (const result of results) {
      for (const segment of result.segments) {
        const target = path.join(dir, segment.fileName);
        await deps.outputs.fetch({ jobId: result.storeJobId, fileName: segment.fileName }, target);
        files[`${RENDER_CONTAINER_PATHS.mediaDirName}/${segment.path}`] = await readFile(target);
        await onFetched?.(segment.play, target);
        await rm(target, { force: true });
      }
    }
    Object.assign(files, await reusedPlayFiles(deps, state, dir));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return files;
}

/** The reused plays' files, fetched from the tenant's plays to where Manim writes them. */
export async function reusedPlayFiles(
  deps: Pick<RenderProcessorDeps, 'plays'>,
  state: Pick<SplitState, 'plan' | 'reuse'>,
  dir: string,
): Promise<WorkspaceFiles> {
  const { plan, reuse } = state;
  const files: WorkspaceFiles = {};
  if (!reuse || reuse.reused.length === 0) return files;
  if (!deps.plays || !plan.segmentPath) throw new Error('reused plays without their store');
  for (const play of reuse.reused) {
    const target = path.join(dir, `reused-${play}`);
    await deps.plays.fetch(reuse.tenant, reuse.keys[play] ?? '', PLAY_FILE_EXTENSION, target);
    files[`${RENDER_CONTAINER_PATHS.mediaDirName}/${segmentPathOf(plan.segmentPath, play)}`] =
      await readFile(target);
    await rm(target, { force: true });
  }
  return files;
}

/** A folder of its own below TEMP_DIR for files on their way into a job folder. */
export async function transitDir(
  deps: Pick<RenderProcessorDeps, 'config'>,
  jobId: string,
): Promise<string> {
  const tempDir = path.resolve(deps.config.TEMP_DIR);
  await mkdir(tempDir, { recursive: true });
  return mkdtemp(path.join(tempDir, `${jobId}-segments-`));
}

/** Play `play`'s partial movie file, from where play 0's goes. */
export function segmentPathOf(play0Path: string, play: number): string {
  return play0Path.replace(/uncached_00000(\.\w+)$/, `uncached_${String(play).padStart(5, '0')}$1`);
}

/** The partial movie files of a one-container render, kept for reuse before its folder goes. */
export async function keepDrawnPlays(
  deps: Pick<RenderProcessorDeps, 'plays'>,
  workspace: JobWorkspace,
  reuse: PlayReuse,
): Promise<void> {
  if (!deps.plays) return;
  for (const file of await workspace.listFiles(RENDER_CONTAINER_PATHS.mediaDirName)) {
    const match = PARTIAL_FILE.exec(file);
    const play = Number(match?.[2]);
    const key = match && !reuse.reused.includes(play) ? reuse.keys[play] : undefined;
    if (!match || key === undefined || match[3] !== PLAY_FILE_EXTENSION) continue;
    await deps.plays.keep(reuse.tenant, key, {
      sourcePath: workspace.pathOf(`${RENDER_CONTAINER_PATHS.mediaDirName}/${file}`),
      extension: PLAY_FILE_EXTENSION,
      contentType: 'video/mp4',
    });
  }
}

/** The plays a join needs a file for and no range delivered: a bug, never a silent gap. */
export function missingSegments(state: SplitState, results: RangeResult[]): number[] {
  const { plan } = state;
  const delivered = new Set([
    ...results.flatMap((result) => result.segments.map((s) => s.play)),
    ...(state.reuse?.reused ?? []),
  ]);
  return plan.plays.flatMap((play, index) =>
    play.segment && !delivered.has(index) ? [index] : [],
  );
}

export function missingSegmentsError(plays: number[]): AppError {
  return new AppError(
    'internal',
    `The ranges of the split render delivered no file for play ${plays.join(', ')}`,
    { details: { plays } },
  );
}

/** The time the module spent in the plays it stepped through without drawing. */
function steppedMsOf(result: unknown, first: number): number {
  const plays = (result as { plays?: { seconds?: unknown }[] }).plays ?? [];
  const seconds = plays
    .slice(0, first)
    .reduce((sum, play) => sum + (typeof play.seconds === 'number' ? play.seconds : 0), 0);
  return Math.round(seconds * 1000);
}

async function readResult(workspace: JobWorkspace): Promise<unknown> {
  const text = await readFile(workspace.pathOf(SPLIT_FILES.result), 'utf8').catch(() => '{}');
  return JSON.parse(text) as unknown;
}
