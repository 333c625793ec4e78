import { rm } from 'node:fs/promises';
import { AppError } from '../errors/app-error';
import type { RenderEngine } from '../render-engine/render-engine';
import type { JobOutcome, RenderJobHandler, RenderResult } from '../job/render-job';
import { JobParked, type RangeTask, type SplitState } from '../split/split-job';
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
      const maxChunks = deps.config.SPLIT_MAX_CHUNKS;
      const limits = {
        maxChunks,
        parallel: countsCores(data.options, maxChunks)
          ? ((await deps.parallelRenders?.().catch(() => undefined)) ?? 1)
          : 1,
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
        return finish(...(await renderAgainInOneContainer(deps, job, undefined)));
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

function asAppError(error: unknown, engine: Pick<RenderEngine, 'unreachable'>): AppError {
  if (error instanceof AppError) return error;
  const unreachable = engine.unreachable(error);
  if (unreachable) return unreachable;
  return new AppError('internal', `Unexpected error while rendering: ${(error as Error).message}`, {
    cause: error,
  });
}
