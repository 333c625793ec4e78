import { manimRunnerFunctions, renderScriptSource } from '../manim/render-scripts';
import { RENDER_CONTAINER_PATHS } from '../manim/manim-command';
import type { PosterRequest } from '../manim/poster';
import type { PlayRange, ScenePlan } from './split-job';

/**
 * backend/render-scripts/split_render.py, the split module, after the functions it calls:
 * run_manim.py (it runs Manim in its own process) and poster.py.
 */
export function splitModuleSource(): string {
  return `${manimRunnerFunctions()}\n${renderScriptSource('split_render.py')}`;
}

/** The module's exit code when a drawn play's frames differ from the plan's. */
export const MISMATCH_EXIT_CODE = 86;
/** Its exit code when the render image's Manim lacks what the module hooks into. */
export const UNSUPPORTED_EXIT_CODE = 87;

/**
 * Where the control and result files live in the job folder (relative) and the container. The
 * result goes below the media folder, the part of the job folder copy mode brings back.
 */
export const SPLIT_FILES = {
  control: `${RENDER_CONTAINER_PATHS.homeDirName}/split-control.json`,
  result: `${RENDER_CONTAINER_PATHS.mediaDirName}/split-result.json`,
  containerControl: `${RENDER_CONTAINER_PATHS.homeDir}/split-control.json`,
  containerResult: `${RENDER_CONTAINER_PATHS.mediaDir}/split-result.json`,
} as const;

export type SplitStep =
  | { mode: 'plan' }
  | { mode: 'range'; range: PlayRange; expected: string[]; reused?: number[] }
  | { mode: 'join'; plan: ScenePlan }
  | { mode: 'whole'; reused?: number[]; expected?: string[] };

/** The control file of one step. */
export function splitControl(step: SplitStep): string {
  const base = { mode: step.mode, result: SPLIT_FILES.containerResult, seed: 0 };
  switch (step.mode) {
    case 'range':
      return JSON.stringify({
        ...base,
        first: step.range.first,
        last: step.range.last,
        expected: step.expected,
        reused: step.reused ?? [],
      });
    case 'join':
      return JSON.stringify({ ...base, plan: step.plan });
    case 'whole':
      return JSON.stringify({
        ...base,
        reused: step.reused ?? [],
        ...(step.expected ? { expected: step.expected } : {}),
      });
    default:
      return JSON.stringify(base);
  }
}

/**
 * The command of a split step's container: the module, its control file, the poster it makes
 * once the video is written (a join, or a render in one container), then the ordinary Manim argv.
 */
export function splitCommand(manimArgs: string[], poster?: PosterRequest): string[] {
  return [
    'python3',
    '-c',
    splitModuleSource(),
    SPLIT_FILES.containerControl,
    JSON.stringify(poster ?? null),
    ...manimArgs,
  ];
}
