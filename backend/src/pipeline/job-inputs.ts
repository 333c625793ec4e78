import { AppError } from '../errors/app-error';
import { FONT_CONFIG_PATH, fontConfigFor, type JobFileStore } from '../uploads/job-files';
import type { RenderImage } from '../render-image/render-image';
import type { RenderJobData, RenderOptions } from '../job/render-job';
import { RENDER_CONTAINER_PATHS } from '../manim/manim-command';
import type { WorkspaceFiles } from '../job-folders/job-workspace';

/**
 * What goes into the job folder: the scene at its place, the files sent with it, and, when some
 * are fonts, the fontconfig file that makes them known by their family names.
 */
export async function jobInputs(
  jobId: string,
  data: RenderJobData,
  sceneFile: string,
  store: Pick<JobFileStore, 'load'>,
): Promise<WorkspaceFiles> {
  const inputs: WorkspaceFiles = {};
  const expected = data.assets ?? [];
  if (expected.length > 0) {
    const files = await store.load(jobId);
    const missing = expected.filter((entry) => !files?.some((file) => file.path === entry.path));
    if (files === undefined || missing.length > 0) {
      throw new AppError(
        'job_files_missing',
        `The files sent with the job are gone (${missing.length} of ${expected.length}, e.g. ${missing[0]?.path ?? ''})`,
        { details: { missing: missing.map((entry) => entry.path) } },
      );
    }
    for (const file of files) inputs[file.path] = file.content;
    const fonts = fontConfigFor(
      files.map((file) => file.path),
      RENDER_CONTAINER_PATHS.jobDir,
    );
    if (fonts !== undefined) {
      inputs[`${RENDER_CONTAINER_PATHS.homeDirName}/${FONT_CONFIG_PATH}`] = fonts;
    }
  }
  inputs[sceneFile] = data.code;
  return inputs;
}

/**
 * The image of the job's Manim version. Jobs queued before versions existed name none and get the
 * default; a version this worker does not serve (its MANIM_VERSIONS differs from the API's) fails.
 */
export function imageOf(options: RenderOptions, images: RenderImage[]): RenderImage {
  const wanted = options.manimVersion ?? images[0]?.manimVersion;
  const image = images.find((candidate) => candidate.manimVersion === wanted);
  if (image) return image;
  const served = images.map((candidate) => candidate.manimVersion).join(', ');
  throw new AppError(
    'image_missing',
    `This worker does not render with Manim ${wanted}; it serves ${served}`,
    {
      hint: 'Give the workers the same MANIM_VERSIONS as the API, or send one of the versions they serve in "manimVersion".',
      details: { manimVersion: wanted, served: images.map((candidate) => candidate.manimVersion) },
    },
  );
}
