import type { RenderOptions } from '../job/render-job';
import { RENDER_CONTAINER_PATHS } from './manim-command';
import { expectedOutput } from './output-discovery';
import { manimRunnerFunctions } from './render-scripts';

/**
 * The poster of a video: its last frame as PNG, written by backend/render-scripts/poster.py in the
 * render container once Manim has ended well. A render whose result is a PNG is its own poster.
 */
export const POSTER_FILE = {
  /** Relative to the job folder: in media/, the part of it copy mode brings back. */
  path: `${RENDER_CONTAINER_PATHS.mediaDirName}/poster.png`,
} as const;

/** What the poster program reads: where the video is and where the poster goes. */
export interface PosterRequest {
  mediaDir: string;
  scene: string;
  extension: string;
  transparent: boolean;
  out: string;
}

/** The poster to make for a render, or undefined when its result is already a PNG. */
export function posterRequest(options: RenderOptions): PosterRequest | undefined {
  const output = expectedOutput(options);
  if (output.kind !== 'video') return undefined;
  return {
    mediaDir: RENDER_CONTAINER_PATHS.mediaDir,
    scene: options.scene,
    extension: output.extension,
    transparent: options.transparent,
    out: `${RENDER_CONTAINER_PATHS.jobDir}/${POSTER_FILE.path}`,
  };
}

/**
 * A render that makes a poster: Python runs the `manim` program's own code with `manimArgs`
 * (run_manim.py), then the poster program once Manim has exited 0, in the same process. Manim's
 * process stays the container's first process, as with the plain `manim` command, and its exit
 * code stays the container's.
 */
export function manimCommandWithPoster(manimArgs: string[], poster: PosterRequest): string[] {
  return ['python3', '-c', renderWithPoster(), JSON.stringify({ argv: manimArgs, poster })];
}

/** The program of manimCommandWithPoster; its one argument is the job `{argv, poster}`. */
function renderWithPoster(): string {
  return `${manimRunnerFunctions()}

import json as _manim_render_json
import sys as _manim_render_sys

_manim_render_job = _manim_render_json.loads(_manim_render_sys.argv[1])
_manim_render_run(
    *_manim_render_load(),
    _manim_render_job["argv"],
    [lambda: _manim_render_poster(_manim_render_job["poster"])],
)
`;
}
