import { jobLinks, type JobView, type RenderJobData } from '../job/render-job';
import type { RenderResultView } from '../job/job-view-schema';

/**
 * A job answered with a copy of another tenant's identical render: completed the moment it was
 * submitted, with the request's own options and files and the copied file. Nothing of the other
 * job shows (its id, times, log, webhooks or how it was rendered).
 */
export function copiedRenderView(
  id: string,
  data: Pick<RenderJobData, 'options' | 'sceneFile' | 'assets'>,
  copied: Pick<RenderResultView, 'fileName' | 'contentType' | 'sizeBytes' | 'posterUrl'>,
  at: Date,
): JobView {
  const links = jobLinks(id);
  const now = at.toISOString();
  return {
    id,
    status: 'completed',
    progress: { stage: 'done', percent: 100 },
    createdAt: now,
    startedAt: now,
    finishedAt: now,
    options: data.options,
    sceneFile: data.sceneFile,
    assets:
      data.assets === undefined || data.assets.length === 0
        ? undefined
        : data.assets.map(({ path, sizeBytes }) => ({ path, sizeBytes })),
    result: {
      fileName: copied.fileName,
      contentType: copied.contentType,
      sizeBytes: copied.sizeBytes,
      url: links.video,
      posterUrl: copied.posterUrl === undefined ? undefined : links.poster,
    },
  };
}
