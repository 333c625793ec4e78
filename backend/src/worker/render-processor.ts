import { copyFile, rm } from 'node:fs/promises';
import { AppError } from '../errors/app-error';
import type { RenderEngine } from '../engine/render-engine';
import type {
  JobOutcome,
  RenderJobData,
  RenderJobHandler,
  RenderOptions,
  RenderResult,
} from '../job/render-job';
import {
  JobParked,
  rangeJobId,
  type PlayReuse,
  type RangeResult,
  type RangeTask,
  type ScenePlan,
  type SplitState,
  type SplitSteps,
  type SplitTimings,
} from '../job/split-job';
import { ProgressTracker } from '../render/render-progress';
import { PLAY_FILE_EXTENSION, PlayCache } from '../split/play-cache';
import { mayReusePlays, planRanges, whyNotPlanned, type SplitDecision } from '../split/split-plan';
import { imageOf } from './job-inputs';
import { runContainerStep, type ContainerStep, type StepJob } from './job-container-step';
import type { WorkspaceFiles } from './job-workspace';
import { MISMATCH_EXIT_CODE, SPLIT_FILES, splitCommand, splitControl } from '../split/split-module';
import type { RenderProcessorDeps } from './render-processor-deps';
import {
  joinFiles,
  keepDrawnPlays,
  reusedPlayFiles,
  transitDir,
  missingSegments,
  missingSegmentsError,
  planStep,
  rangeStep,
  wholeCommandFiles,
} from './split-steps';
import { videoStep, type KeptVideo } from './video-step';

export type { RenderProcessorDeps } from './render-processor-deps';

/**
 * The render pipeline for one job, top to bottom. A job renders in one container (Manim as it
 * is), or, when it may be split (docs/split-rendering.md), goes through the split module: a plan
 * pass, then its ranges as child jobs any worker takes, then the join once they have ended (the
 * job is taken up again for it). Every failure leaves as an AppError whose code names the cause.
 */
export function createRenderProcessor(deps: RenderProcessorDeps): RenderJobHandler {
  return async ({ id, data, signal, reportProgress, saveLog, split }) => {
    const range = data.range;
    const log = deps.logger.child({
      jobId: id,
      requestId: data.requestId,
      ...(range ? { splitOf: range.parentId, range: range.index } : {}),
    });
    const startedAt = Date.now();
    const progress = new ProgressTracker();
    const publish = () => {
      const update = progress.takeUpdate(Date.now());
      if (update) {
        reportProgress(update).catch((error: unknown) =>
          log.warn('could not publish progress', { error: (error as Error).message }),
        );
      }
    };
    progress.start(Date.now());
    publish();
    const job: StepJob = {
      id,
      data,
      signal,
      log,
      saveLog,
      onOutput: (stream, chunk) => {
        progress.push(stream, chunk, Date.now());
        publish();
      },
      onContainerEnded: () => {
        progress.endOfOutput(Date.now());
        progress.advance('finalizing', Date.now());
        publish();
      },
    };

    const finish = async (video: KeptVideo, extra: Partial<RenderResult>) => {
      const result: RenderResult = { ...video, ...extra, durationMs: Date.now() - startedAt };
      progress.complete(Date.now());
      await reportProgress(progress.snapshot());
      await deps.statistics
        .recordCompleted(data.options.quality, result.durationMs / 1000)
        .catch(() => undefined);
      log.info('render completed', { result });
      return result;
    };

    const pipeline = async (): Promise<JobOutcome> => {
      if (range) {
        log.info('range render started', { range: range.range });
        const result = await runContainerStep(deps, job, rangeStep(deps, job, range));
        log.info('range render ended', {
          segments: result.segments.length,
          mismatch: result.mismatch,
        });
        return result;
      }
      if (data.split) return finish(...(await join(deps, job, split, data.split)));

      log.info('render started', { options: data.options });
      const limits = {
        maxChunks: deps.config.SPLIT_MAX_CHUNKS,
        parallel: (await deps.parallelRenders?.().catch(() => undefined)) ?? 1,
      };
      const notPlanned = whyNotPlanned(data.options, limits);
      const autoReason = (reason: string) =>
        data.options.chunks === 'auto' ? { oneContainerReason: reason } : {};
      // Reusing plays needs the plan's digests even where splitting would not pay.
      const tenant = reuseTenant(deps, data);
      if (notPlanned !== undefined && tenant === undefined) {
        return finish(
          await runContainerStep(deps, job, videoStep(deps, job)),
          autoReason(notPlanned),
        );
      }

      const planStartedAt = Date.now();
      const planned = await runContainerStep(deps, job, planStep());
      const planMs = Date.now() - planStartedAt;
      if (planned.kind === 'unsupported') {
        log.info('rendering in one container', { reason: planned.reason });
        const video = await runContainerStep(deps, job, videoStep(deps, job));
        return finish(video, { oneContainerReason: planned.reason });
      }
      const { plan } = planned;
      const reuse =
        tenant !== undefined && deps.plays
          ? await playReuse(deps, deps.plays, tenant, plan, data.options)
          : undefined;
      const reused = new Set(reuse?.reused ?? []);
      const decision: SplitDecision =
        notPlanned !== undefined
          ? { kind: 'one-container', reason: notPlanned }
          : planRanges(plan, data.options, limits, reused);
      const expected = plan.plays.map((play) => play.digest);

      if (decision.kind === 'one-container') {
        const reason =
          notPlanned !== undefined
            ? autoReason(notPlanned)
            : { oneContainerReason: decision.reason };
        if (!reuse || reused.size === 0) {
          log.info('rendering in one container', { reason: decision.reason });
          const video = await runContainerStep(
            deps,
            job,
            videoStep(deps, job, {
              ...wholeCommandFiles(),
              ...(reuse
                ? { beforeRemoval: (workspace) => keepDrawnPlays(deps, workspace, reuse) }
                : {}),
            }),
          );
          return finish(video, { ...reason, ...(reuse ? { reusedPlays: 0 } : {}) });
        }
        // Some plays are reused: one container draws the others and joins them all.
        const state = { plan, reuse };
        const dir = await transitDir(deps, id);
        const files = await reusedPlayFiles(deps, state, dir).finally(() =>
          rm(dir, { recursive: true, force: true }),
        );
        const drawn = await runContainerStep(
          deps,
          job,
          reusingStep(deps, job, state.reuse, {
            ...files,
            [SPLIT_FILES.control]: splitControl({ mode: 'whole', reused: [...reused], expected }),
          }),
        );
        if (drawn !== 'mismatch') return finish(drawn, { ...reason, reusedPlays: reused.size });
        const mismatchReason = `a play drew other frames than the plan pass: the scene depends on something besides its code (the clock, a file it wrote, the network), so it was rendered again in one container`;
        log.warn('rendering in one container', { reason: mismatchReason });
        const video = await runContainerStep(deps, job, videoStep(deps, job, wholeCommandFiles()));
        return finish(video, { oneContainerReason: mismatchReason });
      }

      const state: SplitState = {
        plan,
        ranges: decision.ranges,
        planMs,
        ...(reuse ? { reuse } : {}),
      };
      const tasks: RangeTask[] = decision.ranges.map((playRange, index) => {
        const inRange = [...reused].filter(
          (play) => play >= playRange.first && play <= playRange.last,
        );
        return {
          parentId: id,
          index,
          range: playRange,
          expected,
          ...(inRange.length > 0 ? { reused: inRange } : {}),
        };
      });
      log.info('rendering in ranges', {
        ranges: decision.ranges,
        plays: expected.length,
        reused: reused.size,
      });
      // Throws JobParked unless the ranges have all ended already (a retry after a crash).
      await split.runRanges(state, tasks);
      return finish(...(await join(deps, job, split, state)));
    };

    try {
      return await pipeline();
    } catch (error) {
      if (error instanceof JobParked) throw error;
      const failure = asAppError(error, deps.engine);
      log.warn('render failed', { code: failure.code, message: failure.message });
      await deps.statistics.recordFailed(failure.code).catch(() => undefined);
      throw failure;
    }
  };
}

/**
 * The second half of a split render, once its ranges have ended: the first failure of a range
 * is the job's; otherwise their files are joined. The ranges' files are removed in every case.
 */
async function join(
  deps: RenderProcessorDeps,
  job: StepJob,
  split: SplitSteps,
  state: SplitState,
): Promise<[KeptVideo, Partial<RenderResult>]> {
  try {
    const { results, failure } = await split.rangeOutcomes();
    if (failure) {
      await split.stopRanges();
      throw AppError.fromBody(failure);
    }
    return await joinRanges(deps, job, state, results);
  } finally {
    for (let index = 0; index < state.ranges.length; index += 1) {
      await deps.outputs.removeJob(rangeJobId(job.id, index)).catch((error: unknown) =>
        job.log.warn('could not remove the files of a range', {
          range: index,
          error: (error as Error).message,
        }),
      );
    }
  }
}

/**
 * Joins the plays the ranges drew with the reused ones, keeping the newly drawn ones for reuse;
 * a range whose frames differed from the plan sends the job to one container instead.
 */
async function joinRanges(
  deps: RenderProcessorDeps,
  job: StepJob,
  state: SplitState,
  results: RangeResult[],
): Promise<[KeptVideo, Partial<RenderResult>]> {
  const { log } = job;
  const { reuse } = state;
  try {
    const mismatch = results.find((result) => result.mismatch);
    if (mismatch?.mismatch) {
      const reason = `play ${mismatch.mismatch.play} drew other frames than the plan pass: the scene depends on something besides its code (the clock, a file it wrote, the network), so it was rendered again in one container`;
      log.warn('rendering in one container', { reason });
      const video = await runContainerStep(deps, job, videoStep(deps, job, wholeCommandFiles()));
      return [video, { oneContainerReason: reason }];
    }
    const missing = missingSegments(state, results);
    if (missing.length > 0) throw missingSegmentsError(missing);
    log.info('joining ranges', { ranges: results.length, reused: reuse?.reused.length ?? 0 });
    const joinStartedAt = Date.now();
    const keepForReuse = reuse && deps.plays ? keepPlay(deps.plays, reuse) : undefined;
    const files = await joinFiles(deps, job.id, state, results, keepForReuse);
    const video = await runContainerStep(
      deps,
      job,
      videoStep(deps, job, { command: wholeCommandFiles().command, files }),
    );
    const splitTimings: SplitTimings = {
      planMs: state.planMs,
      ranges: [...results]
        .sort((a, b) => a.index - b.index)
        .map(({ durationMs, steppedMs }) => ({ durationMs, steppedMs })),
      joinMs: Date.now() - joinStartedAt,
    };
    return [
      video,
      {
        chunks: state.ranges.length,
        splitTimings,
        ...(reuse ? { reusedPlays: reuse.reused.length } : {}),
      },
    ];
  } finally {
    // A range run by the job itself keeps its files under the job's own id, beside its video.
    for (const result of results) {
      for (const segment of result.segments) {
        await deps.outputs
          .remove({ jobId: result.storeJobId, fileName: segment.fileName })
          .catch(() => undefined);
      }
    }
  }
}

/** Keeps a play a range drew for the tenant's later jobs (a failure costs only the reuse). */
function keepPlay(plays: PlayCache, reuse: PlayReuse) {
  return async (play: number, localPath: string) => {
    const key = reuse.keys[play];
    if (key === undefined) return;
    const copy = `${localPath}.keep`;
    await copyFile(localPath, copy);
    await plays
      .keep(reuse.tenant, key, {
        sourcePath: copy,
        extension: PLAY_FILE_EXTENSION,
        contentType: 'video/mp4',
      })
      .catch(() => rm(copy, { force: true }));
  };
}

/**
 * One container that draws the plays a job does not reuse and joins them with the reused ones,
 * which are in its folder already; its new plays are kept for reuse. `mismatch` when a drawn
 * play's frames differ from the plan's.
 */
function reusingStep(
  deps: RenderProcessorDeps,
  job: StepJob,
  reuse: PlayReuse,
  files: WorkspaceFiles,
): ContainerStep<KeptVideo | 'mismatch'> {
  const video = videoStep(deps, job, {
    command: splitCommand,
    files,
    beforeRemoval: (workspace) => keepDrawnPlays(deps, workspace, reuse),
  });
  return {
    ...video,
    needsVideo: false,
    acceptedExitCodes: [MISMATCH_EXIT_CODE],
    collect: (done) =>
      done.run.exitCode === MISMATCH_EXIT_CODE ? Promise.resolve('mismatch') : video.collect(done),
  };
}

/** The tenant whose plays the job reuses, when it reuses any (PLAY_REUSE). */
function reuseTenant(deps: RenderProcessorDeps, data: RenderJobData): string | undefined {
  if (!deps.plays || data.tenant === undefined) return undefined;
  return mayReusePlays(data.options) ? data.tenant : undefined;
}

/** Every play's key, and which of them the tenant has. */
async function playReuse(
  deps: RenderProcessorDeps,
  plays: PlayCache,
  tenant: string,
  plan: ScenePlan,
  options: RenderOptions,
): Promise<PlayReuse | undefined> {
  if (!plan.segmentPath) return undefined;
  const image = imageOf(options, deps.images);
  const keys = plan.plays.map((play) => PlayCache.keyOf(play.digest, options, image.name));
  const present = await plays.present(tenant, keys, PLAY_FILE_EXTENSION);
  const reused = plan.plays.flatMap((play, index) =>
    play.segment && present.has(keys[index] ?? '') ? [index] : [],
  );
  return { tenant, keys, reused };
}

function asAppError(error: unknown, engine: Pick<RenderEngine, 'unreachable'>): AppError {
  if (error instanceof AppError) return error;
  const unreachable = engine.unreachable(error);
  if (unreachable) return unreachable;
  return new AppError('internal', `Unexpected error while rendering: ${(error as Error).message}`, {
    cause: error,
  });
}
