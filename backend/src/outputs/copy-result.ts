import { posterFileOf, type JobView } from '../job/render-job';
import type { Logger } from '../logging/logger';
import type { OutputStore } from './output-store';

/**
 * Copies a completed job's file and poster to another job. A store that cannot copy them now
 * means a new render (which retries the store), not a failed request: false then, with nothing
 * of the new job left behind.
 */
export function resultCopier(
  outputs: Pick<OutputStore, 'copy' | 'removeJob'>,
  logger: Logger,
): (job: JobView, toJobId: string) => Promise<boolean> {
  return async (job, toJobId) => {
    const result = job.result;
    if (result === undefined) return false;
    const names = new Set([result.fileName]);
    if (result.posterUrl !== undefined) names.add(posterFileOf(job.options, result).fileName);
    try {
      for (const fileName of names) await outputs.copy({ jobId: job.id, fileName }, toJobId);
      return true;
    } catch (error) {
      logger.warn('could not copy an identical render for another tenant; rendering again', {
        jobId: toJobId,
        error: (error as Error).message,
      });
      await outputs.removeJob(toJobId).catch(() => undefined);
      return false;
    }
  };
}
