import { AppError } from '../errors/app-error';
import type { RenderResult } from '../job/render-job';
import {
  rangeJobId,
  type PlayReuse,
  type RangeResult,
  type SplitState,
  type SplitSteps,
  type SplitTimings,
} from './split-job';
import { PLAY_FILE_EXTENSION, type PlayCache } from './play-cache';
import { splitCommand } from './split-module';
import {
  runContainerStep,
  type ContainerStepDeps,
  type StepJob,
} from '../pipeline/job-container-step';
import type { RenderProcessorDeps } from '../pipeline/render-processor-deps';
import { joinFiles, missingSegments, missingSegmentsError, wholeCommandFiles } from './split-steps';
import { videoStep, type KeptVideo, type VideoStepDeps } from '../pipeline/video-step';

/** What joining a split job's ranges uses of the pipeline's parts. */
type JoinDeps = ContainerStepDeps & VideoStepDeps & Pick<RenderProcessorDeps, 'plays'>;

/**
 * The second half of a split render, once its ranges have ended: the first failure of a range
 * is the job's; otherwise their files are joined. The ranges' files are removed in every case.
 */
export async function join(
  deps: JoinDeps,
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
export async function joinRanges(
  deps: JoinDeps,
  job: StepJob,
  state: SplitState,
  results: RangeResult[],
): Promise<[KeptVideo, Partial<RenderResult>]> {
  const { log } = job;
  const { reuse } = state;
  const mismatch = results.find((result) => result.mismatch);
  if (mismatch?.mismatch) return renderAgainInOneContainer(deps, job, mismatch.mismatch.play);
  const missing = missingSegments(state, results);
  if (missing.length > 0) throw missingSegmentsError(missing);
  log.info('joining ranges', { ranges: results.length, reused: reuse?.reused.length ?? 0 });
  const joinStartedAt = Date.now();
  const keepForReuse = reuse && deps.plays ? keepPlay(deps.plays, reuse) : undefined;
  const files = await joinFiles(deps, job.id, state, results, keepForReuse);
  const video = await runContainerStep(
    deps,
    job,
    videoStep(deps, job, { command: splitCommand, files }),
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
}

/**
 * When a drawn play's frames differed from the plan's (`play`; undefined when the one container
 * that drew and joined cannot say which): the job renders again in one container, saying why.
 */
export async function renderAgainInOneContainer(
  deps: JoinDeps,
  job: StepJob,
  play: number | undefined,
): Promise<[KeptVideo, Partial<RenderResult>]> {
  const which = play === undefined ? 'a play' : `play ${play}`;
  const reason = `${which} drew other frames than the plan pass: the scene depends on something besides its code (the clock, a file it wrote, the network), so it was rendered again in one container`;
  job.log.warn('rendering in one container', { reason });
  const video = await runContainerStep(deps, job, videoStep(deps, job, wholeCommandFiles()));
  return [video, { oneContainerReason: reason }];
}

/**
 * Keeps a play a range drew for the tenant's later jobs, moving the file the join has already
 * read (a failure costs only the reuse: the join removes the file either way).
 */
function keepPlay(plays: PlayCache, reuse: PlayReuse) {
  return async (play: number, localPath: string) => {
    const key = reuse.keys[play];
    if (key === undefined) return;
    await plays
      .keep(reuse.tenant, key, {
        sourcePath: localPath,
        extension: PLAY_FILE_EXTENSION,
        contentType: 'video/mp4',
      })
      .catch(() => undefined);
  };
}
