import { createHash } from 'node:crypto';
import { DEFAULT_SCENE_FILE } from '../uploads/job-files';
import type { RenderJobData } from '../job/render-job';

/**
 * What makes two render requests the same render: the code, where it sits, the files beside it
 * (by content), every option that changes the output (the Manim version among them), and the
 * render image. The timeout changes only whether a render finishes, not what it produces, so it
 * is left out.
 */
export function renderIdentity(
  job: Pick<RenderJobData, 'code' | 'options' | 'sceneFile' | 'assets'>,
  image: string,
): string {
  // Neither the time limit nor the number of containers changes the video.
  const { timeoutSeconds, chunks, ...output } = job.options;
  const assets = (job.assets ?? [])
    .map(({ path, sha256 }) => [path, sha256])
    .sort(([a = ''], [b = '']) => (a < b ? -1 : a > b ? 1 : 0));
  const canonical = JSON.stringify({
    code: job.code,
    image,
    options: Object.fromEntries(Object.entries(output).sort(([a], [b]) => a.localeCompare(b))),
    // Left out when empty, so that a plain request keeps the identity it had before files existed.
    ...(assets.length > 0 ? { assets } : {}),
    ...(job.sceneFile !== undefined && job.sceneFile !== DEFAULT_SCENE_FILE
      ? { sceneFile: job.sceneFile }
      : {}),
  });
  return createHash('sha256').update(canonical).digest('hex');
}
