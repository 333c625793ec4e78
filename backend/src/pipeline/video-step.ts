import { stat } from 'node:fs/promises';
import { posterFileOf, type RenderJobData, type RenderResult } from '../job/render-job';
import { RENDER_CONTAINER_PATHS } from '../manim/manim-command';
import { POSTER_FILE, posterRequest } from '../manim/poster';
import { saveWithRetries } from '../outputs/save-with-retries';
import type { ContainerStep, StepJob } from './job-container-step';
import type { JobWorkspace, WorkspaceFiles } from '../job-folders/job-workspace';
import type { RenderProcessorDeps } from './render-processor-deps';

const OUTPUT_RETRY_DELAY_MS = 1000;

/** What a step that makes the job's video returns, before the job adds its timing. */
export type KeptVideo = Pick<
  RenderResult,
  'fileName' | 'contentType' | 'sizeBytes' | 'ranAsRoot' | 'poster'
>;

/**
 * A step whose result is the job's video: Manim as it is, or the split module's one-container
 * render or join. The video is kept in the output store under the job's id, and so is its poster
 * (the last frame as PNG; a PNG result is its own).
 */
/** What a video step uses of the pipeline's parts. */
export type VideoStepDeps = Pick<RenderProcessorDeps, 'config' | 'outputs' | 'outputRetryDelayMs'>;

export function videoStep(
  deps: VideoStepDeps,
  job: StepJob,
  how: {
    command?: ContainerStep<KeptVideo>['command'];
    files?: WorkspaceFiles;
    /** Reads the job folder once the video is kept (plays kept for reuse). */
    beforeRemoval?: (workspace: JobWorkspace) => Promise<void>;
  } = {},
): ContainerStep<KeptVideo> {
  const { beforeRemoval, ...step } = how;
  const poster = posterRequest(job.data.options);
  return {
    ...step,
    poster,
    needsVideo: true,
    reportsProgress: true,
    async collect({ workspace, output, ranAsRoot }) {
      if (!output) throw new Error('a video step ended without a video');
      const fileName = videoFileName(job.data, output.extension);
      const keep = (file: { fileName: string; contentType: string; path: string }, what: string) =>
        saveWithRetries(
          deps.outputs,
          {
            jobId: job.id,
            fileName: file.fileName,
            contentType: file.contentType,
            sourcePath: workspace.pathOf(file.path),
          },
          {
            attempts: deps.config.S3_UPLOAD_ATTEMPTS,
            firstDelayMs: deps.outputRetryDelayMs ?? OUTPUT_RETRY_DELAY_MS,
            signal: job.signal,
            onRetry: (attempt, delayMs, error) =>
              job.log.warn(`could not keep the ${what}; trying again`, {
                attempt,
                delayMs,
                error: error.message,
              }),
          },
        );
      const stored = await keep(
        {
          fileName,
          contentType: output.contentType,
          path: `${RENDER_CONTAINER_PATHS.mediaDirName}/${output.path}`,
        },
        'video',
      );
      const posterFile =
        output.kind === 'image'
          ? { fileName, sizeBytes: stored.sizeBytes }
          : await keepPoster(
              workspace,
              job,
              posterFileOf(job.data.options, { fileName, contentType: output.contentType }),
              (file) => keep(file, 'poster'),
            );
      await beforeRemoval?.(workspace).catch((error: unknown) =>
        job.log.warn('could not keep the plays for reuse', { error: (error as Error).message }),
      );
      return {
        fileName,
        contentType: output.contentType,
        sizeBytes: stored.sizeBytes,
        ranAsRoot,
        poster: posterFile,
      };
    },
  };
}

/** The poster the container made, kept beside the video; a render without one still completes. */
async function keepPoster(
  workspace: JobWorkspace,
  job: StepJob,
  poster: { fileName: string; contentType: string },
  keep: (file: {
    fileName: string;
    contentType: string;
    path: string;
  }) => Promise<{ sizeBytes: number }>,
): Promise<RenderResult['poster']> {
  const made = await stat(workspace.pathOf(POSTER_FILE.path)).then(
    (file) => file.isFile(),
    () => false,
  );
  if (!made) {
    job.log.warn('the render made no poster; its log says why');
    return undefined;
  }
  try {
    const kept = await keep({ ...poster, path: POSTER_FILE.path });
    return { fileName: poster.fileName, sizeBytes: kept.sizeBytes };
  } catch (error) {
    if (job.signal.aborted) throw error;
    job.log.warn('could not keep the poster', { error: (error as Error).message });
    return undefined;
  }
}

function videoFileName(data: RenderJobData, extension: string): string {
  return `${data.options.scene}.${extension}`;
}
