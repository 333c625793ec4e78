import type { RenderJobData, RenderResult } from '../job/render-job';
import { RENDER_CONTAINER_PATHS } from '../render/manim-command';
import { saveWithRetries } from '../outputs/save-with-retries';
import type { ContainerStep, StepJob } from './job-container-step';
import type { JobWorkspace, WorkspaceFiles } from './job-workspace';
import type { RenderProcessorDeps } from './render-processor-deps';

const OUTPUT_RETRY_DELAY_MS = 1000;

/** What a step that makes the job's video returns, before the job adds its timing. */
export type KeptVideo = Pick<RenderResult, 'fileName' | 'contentType' | 'sizeBytes' | 'ranAsRoot'>;

/**
 * A step whose result is the job's video: Manim as it is, or the split module's one-container
 * render or join. The video is kept in the output store under the job's id.
 */
export function videoStep(
  deps: RenderProcessorDeps,
  job: StepJob,
  how: {
    command?: (manimArgs: string[]) => string[];
    files?: WorkspaceFiles;
    /** Reads the job folder once the video is kept (plays kept for reuse). */
    beforeRemoval?: (workspace: JobWorkspace) => Promise<void>;
  } = {},
): ContainerStep<KeptVideo> {
  const { beforeRemoval, ...step } = how;
  return {
    ...step,
    needsVideo: true,
    reportsProgress: true,
    async collect({ workspace, output, ranAsRoot }) {
      if (!output) throw new Error('a video step ended without a video');
      const fileName = videoFileName(job.data, output.extension);
      const stored = await saveWithRetries(
        deps.outputs,
        {
          jobId: job.id,
          fileName,
          contentType: output.contentType,
          sourcePath: workspace.pathOf(`${RENDER_CONTAINER_PATHS.mediaDirName}/${output.path}`),
        },
        {
          attempts: deps.config.S3_UPLOAD_ATTEMPTS,
          firstDelayMs: deps.outputRetryDelayMs ?? OUTPUT_RETRY_DELAY_MS,
          signal: job.signal,
          onRetry: (attempt, delayMs, error) =>
            job.log.warn('could not keep the video; trying again', {
              attempt,
              delayMs,
              error: error.message,
            }),
        },
      );
      await beforeRemoval?.(workspace).catch((error: unknown) =>
        job.log.warn('could not keep the plays for reuse', { error: (error as Error).message }),
      );
      return {
        fileName,
        contentType: output.contentType,
        sizeBytes: stored.sizeBytes,
        ...(ranAsRoot ? { ranAsRoot } : {}),
      };
    },
  };
}

function videoFileName(data: RenderJobData, extension: string): string {
  return `${data.options.scene}.${extension}`;
}
