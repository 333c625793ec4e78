import { AppError } from '../errors/app-error';
import type { RenderEngine } from '../engine/render-engine';
import type { JobOutcome, RenderJobHandler, RenderResult } from '../job/render-job';
import {
  JobParked,
  rangeJobId,
  type RangeTask,
  type SplitState,
  type SplitSteps,
  type SplitTimings,
} from '../job/split-job';
import { ProgressTracker } from '../render/render-progress';
import { planRanges, whyNotPlanned } from '../split/split-plan';
import { runContainerStep, type StepJob } from './job-container-step';
import type { RenderProcessorDeps } from './render-processor-deps';
import {
  joinFiles,
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
      if (notPlanned !== undefined) {
        const reason = data.options.chunks === 'auto' ? { oneContainerReason: notPlanned } : {};
        return finish(await runContainerStep(deps, job, videoStep(deps, job)), reason);
      }

      const planStartedAt = Date.now();
      const planned = await runContainerStep(deps, job, planStep());
      const planMs = Date.now() - planStartedAt;
      if (planned.kind === 'unsupported') {
        log.info('rendering in one container', { reason: planned.reason });
        const video = await runContainerStep(deps, job, videoStep(deps, job));
        return finish(video, { oneContainerReason: planned.reason });
      }
      const decision = planRanges(planned.plan, data.options, limits);
      if (decision.kind === 'one-container') {
        log.info('rendering in one container', { reason: decision.reason });
        const video = await runContainerStep(deps, job, videoStep(deps, job, wholeCommandFiles()));
        return finish(video, { oneContainerReason: decision.reason });
      }

      const state: SplitState = { plan: planned.plan, ranges: decision.ranges, planMs };
      const expected = planned.plan.plays.map((play) => play.digest);
      const tasks: RangeTask[] = decision.ranges.map((playRange, index) => ({
        parentId: id,
        index,
        range: playRange,
        expected,
      }));
      log.info('rendering in ranges', { ranges: decision.ranges, plays: expected.length });
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
 * is the job's; a range whose frames differed from the plan sends the job to one container;
 * otherwise the ranges' files are joined. The ranges' files are removed in every case.
 */
async function join(
  deps: RenderProcessorDeps,
  job: StepJob,
  split: SplitSteps,
  state: SplitState,
): Promise<[KeptVideo, Partial<RenderResult>]> {
  const { log } = job;
  try {
    const { results, failure } = await split.rangeOutcomes();
    if (failure) {
      await split.stopRanges();
      throw AppError.fromBody(failure);
    }
    const mismatch = results.find((result) => result.mismatch);
    if (mismatch?.mismatch) {
      const reason = `play ${mismatch.mismatch.play} drew other frames than the plan pass: the scene depends on something besides its code (the clock, a file it wrote, the network), so it was rendered again in one container`;
      log.warn('rendering in one container', { reason });
      const video = await runContainerStep(deps, job, videoStep(deps, job, wholeCommandFiles()));
      return [video, { oneContainerReason: reason }];
    }
    const missing = missingSegments(state.plan, results);
    if (missing.length > 0) throw missingSegmentsError(missing);
    log.info('joining ranges', { ranges: results.length });
    const joinStartedAt = Date.now();
    const files = await joinFiles(deps, job.id, state.plan, results);
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
    return [video, { chunks: state.ranges.length, splitTimings }];
  } finally {
    for (let index = 0; index < state.ranges.length; index += 1) {
      await deps.outputs.removeJob(rangeJobId(job.id, index)).catch((error: unknown) =>
        log.warn('could not remove the files of a range', {
          range: index,
          error: (error as Error).message,
        }),
      );
    }
  }
}

function asAppError(error: unknown, engine: Pick<RenderEngine, 'unreachable'>): AppError {
  if (error instanceof AppError) return error;
  const unreachable = engine.unreachable(error);
  if (unreachable) return unreachable;
  return new AppError('internal', `Unexpected error while rendering: ${(error as Error).message}`, {
    cause: error,
  });
}
