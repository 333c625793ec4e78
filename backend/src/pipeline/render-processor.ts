import { rm } from 'node:fs/promises';
import { AppError } from '../errors/app-error';
import type { RenderEngine } from '../render-engine/render-engine';
import type { RenderProgress } from '../job/job-progress';
import type { JobOutcome, RenderJobHandler, RenderOptions, RenderResult } from '../job/render-job';
import {
  JobParked,
  type PlayReuse,
  type RangeTask,
  type ScenePlan,
  type SplitState,
  type SplitSteps,
} from '../split/split-job';
import { ProgressTracker } from '../manim/render-progress';
import { countsCores, planRanges, whyNotPlanned, type SplitDecision } from '../split/split-plan';
import { SPLIT_FILES, splitControl } from '../split/split-module';
import { runContainerStep, type StepJob } from './job-container-step';
import { playReuse, reuseTenant, reusingStep } from '../split/play-reuse';
import type { RenderProcessorDeps } from './render-processor-deps';
import { join, renderAgainInOneContainer } from '../split/split-join';
import {
  keepDrawnPlays,
  planStep,
  rangeStep,
  reusedPlayFiles,
  transitDir,
  wholeCommandFiles,
} from '../split/split-steps';
import { videoStep, type KeptVideo } from './video-step';

export type { RenderProcessorDeps } from './render-processor-deps';

/** A video and what the result says about how it was made; `finish` turns it into the result. */
type Finish = (video: KeptVideo, extra: Partial<RenderResult>) => Promise<RenderResult>;

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
      splitOf: range?.parentId,
      range: range?.index,
    });
    const startedAt = Date.now();
    const progress = new ProgressTracker();
    const job = stepJobOf({ id, data, signal, log, saveLog }, progress, reportProgress);
    const finish: Finish = async (video, extra) => {
      const result: RenderResult = { ...video, ...extra, durationMs: Date.now() - startedAt };
      progress.complete(Date.now());
      await reportProgress(progress.snapshot());
      await deps.statistics
        .recordCompleted(data.options.quality, result.durationMs / 1000)
        .catch(() => undefined);
      log.info('render completed', { result });
      return result;
    };

    try {
      if (range) {
        log.info('range render started', { range: range.range });
        const result = await runContainerStep(deps, job, rangeStep(deps, job, range));
        log.info('range render ended', {
          segments: result.segments.length,
          mismatch: result.mismatch,
        });
        return result;
      }
      if (data.split) return await finish(...(await join(deps, job, split, data.split)));
      return await renderJob(deps, job, split, finish);
    } catch (error) {
      if (error instanceof JobParked) throw error;
      const failure = asAppError(error, deps.engine);
      log.warn('render failed', { code: failure.code, message: failure.message });
      await deps.statistics.recordFailed(failure.code).catch(() => undefined);
      throw failure;
    }
  };
}

/** The job as its steps see it, with Manim's output feeding its progress as it comes. */
function stepJobOf(
  job: Pick<StepJob, 'id' | 'data' | 'signal' | 'log' | 'saveLog'>,
  progress: ProgressTracker,
  reportProgress: (progress: RenderProgress) => Promise<void>,
): StepJob {
  const publish = () => {
    const update = progress.takeUpdate(Date.now());
    if (update) {
      reportProgress(update).catch((error: unknown) =>
        job.log.warn('could not publish progress', { error: (error as Error).message }),
      );
    }
  };
  progress.start(Date.now());
  publish();
  return {
    ...job,
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
}

/**
 * A job as submitted: in one container when it may not be split and reuses no plays; otherwise
 * planned first, then rendered in one container (reusing plays it may) or queued in ranges.
 */
async function renderJob(
  deps: RenderProcessorDeps,
  job: StepJob,
  split: SplitSteps,
  finish: Finish,
): Promise<JobOutcome> {
  const { data, log } = job;
  log.info('render started', { options: data.options });
  const maxChunks = deps.config.SPLIT_MAX_CHUNKS;
  const limits = {
    maxChunks,
    parallel: countsCores(data.options, maxChunks)
      ? ((await deps.parallelRenders?.().catch(() => undefined)) ?? 1)
      : 1,
  };
  const notPlanned = whyNotPlanned(data.options, limits);
  // Reusing plays needs the plan's digests even where splitting would not pay.
  const tenant = reuseTenant(deps, data);
  if (notPlanned !== undefined && tenant === undefined) {
    return finish(
      await runContainerStep(deps, job, videoStep(deps, job)),
      autoReason(data.options, notPlanned),
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
  const decision: SplitDecision =
    notPlanned !== undefined
      ? { kind: 'one-container', reason: notPlanned }
      : planRanges(plan, data.options, limits, new Set(reuse?.reused ?? []));
  if (decision.kind === 'one-container') {
    const reason =
      notPlanned !== undefined
        ? autoReason(data.options, notPlanned)
        : { oneContainerReason: decision.reason };
    return finish(
      ...(await renderInOneContainer(deps, job, { plan, reuse, reason, why: decision.reason })),
    );
  }
  const state: SplitState = { plan, ranges: decision.ranges, planMs, reuse };
  await queueRanges(job, split, state);
  return finish(...(await join(deps, job, split, state)));
}

/** Why a job that asked for `chunks: auto` rendered in one container; nothing for a set number. */
function autoReason(options: RenderOptions, reason: string): Partial<RenderResult> {
  return options.chunks === 'auto' ? { oneContainerReason: reason } : {};
}

/**
 * A planned job in one container: Manim as it is (keeping its drawn plays when the tenant reuses
 * them), or, when some plays are reused, one container that draws the others and joins them all.
 */
async function renderInOneContainer(
  deps: RenderProcessorDeps,
  job: StepJob,
  how: {
    plan: ScenePlan;
    reuse: PlayReuse | undefined;
    /** What the result says about it (see autoReason). */
    reason: Partial<RenderResult>;
    /** Why it is not split, for the log. */
    why: string;
  },
): Promise<[KeptVideo, Partial<RenderResult>]> {
  const { plan, reuse, reason } = how;
  const reused = new Set(reuse?.reused ?? []);
  if (!reuse || reused.size === 0) {
    job.log.info('rendering in one container', { reason: how.why });
    const video = await runContainerStep(
      deps,
      job,
      videoStep(deps, job, {
        ...wholeCommandFiles(),
        beforeRemoval: reuse ? (workspace) => keepDrawnPlays(deps, workspace, reuse) : undefined,
      }),
    );
    return [video, { ...reason, reusedPlays: reuse ? 0 : undefined }];
  }
  const expected = plan.plays.map((play) => play.digest);
  const dir = await transitDir(deps, job.id);
  const files = await reusedPlayFiles(deps, { plan, reuse }, dir).finally(() =>
    rm(dir, { recursive: true, force: true }),
  );
  const drawn = await runContainerStep(
    deps,
    job,
    reusingStep(deps, job, reuse, {
      ...files,
      [SPLIT_FILES.control]: splitControl({ mode: 'whole', reused: [...reused], expected }),
    }),
  );
  if (drawn !== 'mismatch') return [drawn, { ...reason, reusedPlays: reused.size }];
  return renderAgainInOneContainer(deps, job, undefined);
}

/** Queues the ranges as child jobs; throws JobParked unless they have all ended already. */
async function queueRanges(job: StepJob, split: SplitSteps, state: SplitState): Promise<void> {
  const expected = state.plan.plays.map((play) => play.digest);
  const reused = state.reuse?.reused ?? [];
  const tasks: RangeTask[] = state.ranges.map((playRange, index) => {
    const inRange = reused.filter((play) => play >= playRange.first && play <= playRange.last);
    return {
      parentId: job.id,
      index,
      range: playRange,
      expected,
      reused: inRange.length > 0 ? inRange : undefined,
    };
  });
  job.log.info('rendering in ranges', {
    ranges: state.ranges,
    plays: expected.length,
    reused: reused.length,
  });
  await split.runRanges(state, tasks);
}

function asAppError(error: unknown, engine: Pick<RenderEngine, 'unreachable'>): AppError {
  if (error instanceof AppError) return error;
  const unreachable = engine.unreachable(error);
  if (unreachable) return unreachable;
  return new AppError('internal', `Unexpected error while rendering: ${(error as Error).message}`, {
    cause: error,
  });
}
