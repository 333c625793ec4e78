import type { RenderOptions } from '../job/render-job';
import { RENDER_CONTAINER_PATHS } from './manim-command';
import { expectedOutput } from './output-discovery';
import { renderScriptSource } from './render-scripts';

/**
 * The poster of a video: its last frame as PNG, written by backend/render-scripts/poster.py in the
 * render container once Manim has ended well. A render whose result is a PNG is its own poster.
 */
export const POSTER_FILE = {
  /** In the media folder, the part of the job folder copy mode brings back. */
  name: 'poster.png',
  /** Relative to the job folder. */
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

/** The poster program's functions, for a Python process that calls them itself (a warm container). */
export function posterFunctions(): string {
  return renderScriptSource('poster.py');
}

/**
 * `command`, then the poster program when it has exited 0; the command's exit code stays the
 * container's.
 */
export function commandWithPoster(command: string[], request: PosterRequest): string[] {
  const program = `${posterFunctions()}\n\nimport json, sys\n_manim_render_poster(json.loads(sys.argv[1]))\n`;
  return [
    'sh',
    '-c',
    'program=$1; request=$2; shift 2; "$@"; status=$?; if [ "$status" -eq 0 ]; then python3 -c "$program" "$request"; fi; exit "$status"',
    'sh',
    program,
    JSON.stringify(request),
    ...command,
  ];
}
