import type { RenderJobData, RenderOptions } from '../job/render-job';
import type { PlayReuse, ScenePlan } from './split-job';
import { PLAY_FILE_EXTENSION, PlayCache } from './play-cache';
import { mayReusePlays } from './split-plan';
import { MISMATCH_EXIT_CODE, splitCommand } from './split-module';
import type { ContainerStep, StepJob } from '../pipeline/job-container-step';
import { imageOf } from '../pipeline/job-inputs';
import type { WorkspaceFiles } from '../job-folders/job-workspace';
import type { RenderProcessorDeps } from '../pipeline/render-processor-deps';
import { keepDrawnPlays } from './split-steps';
import { videoStep, type KeptVideo, type VideoStepDeps } from '../pipeline/video-step';

/** Reusing a tenant's plays (PLAY_REUSE, docs/split-rendering.md): which, and how. */

/**
 * One container that draws the plays a job does not reuse and joins them with the reused ones,
 * which are in its folder already; its new plays are kept for reuse. `mismatch` when a drawn
 * play's frames differ from the plan's.
 */
export function reusingStep(
  deps: VideoStepDeps & Pick<RenderProcessorDeps, 'plays'>,
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
export function reuseTenant(
  deps: Pick<RenderProcessorDeps, 'plays'>,
  data: RenderJobData,
): string | undefined {
  if (!deps.plays || data.tenant === undefined) return undefined;
  return mayReusePlays(data.options) ? data.tenant : undefined;
}

/** Every play's key, and which of them the tenant has. */
export async function playReuse(
  deps: Pick<RenderProcessorDeps, 'images'>,
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
