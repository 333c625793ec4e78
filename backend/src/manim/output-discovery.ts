import type { RenderOptions } from '../job/render-job';
import { OUTPUT_FILES, type ExpectedOutput } from '../job/output-files';
import { RENDER_CONTAINER_PATHS } from './manim-command';

/**
 * Where Manim 0.19.0 puts its result, relative to the media directory (checked with the CLI):
 *   videos/<stem>/<height>p<fps>/<Scene>.<ext>            mp4, webm, mov (`-t` turns mp4 into mov)
 *   videos/<stem>/<height>p<fps>/<Scene>_ManimCE_v<version>.gif
 *   videos/<stem>/<height>p<fps>/partial_movie_files/...  pieces, never the result
 *   images/<stem>/<Scene>_ManimCE_v<version>.png          `--save_last_frame`, and any scene that
 *                                                         plays no animation (no video is written)
 * The quality folder depends on quality, `--fps` and `--resolution`, so it is matched, not built.
 */
export interface RenderOutput extends ExpectedOutput {
  /** Relative to the media directory, as given. */
  path: string;
}

export function expectedOutput(options: RenderOptions): ExpectedOutput {
  // mp4 cannot carry an alpha channel; Manim switches to mov by itself.
  if (options.format === 'mp4' && options.transparent) return OUTPUT_FILES.mov;
  return OUTPUT_FILES[options.format];
}

export function findRenderOutput(
  files: string[],
  options: RenderOptions,
  sceneFile: string = RENDER_CONTAINER_PATHS.sceneFileName,
): RenderOutput | undefined {
  const expected = expectedOutput(options);
  // Manim names its folders after the scene file's name without folders and ".py".
  const stem = escapeRegExp(sceneFile.replace(/^.*\//, '').replace(/\.py$/, ''));
  const scene = escapeRegExp(options.scene);
  // `_ManimCE_v0.19.0` is appended to gif and png names; `-o` would drop it.
  const baseName = `${scene}(?:_ManimCE_v[^/]+)?`;

  const stillImage = new RegExp(`^images/${stem}/${baseName}\\.png$`);
  const paths = files.map(normalize).sort();

  if (expected.kind === 'video') {
    const video = new RegExp(`^videos/${stem}/[^/]+/${baseName}\\.${expected.extension}$`);
    const path = paths.find((file) => video.test(file));
    if (path !== undefined) return { path, ...expected };
  }

  const path = paths.find((file) => stillImage.test(file));
  return path === undefined ? undefined : { path, ...OUTPUT_FILES.png };
}

function normalize(file: string): string {
  return file.replace(/\\/g, '/').replace(/^(?:\.\/)+/, '');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
