import { hasEnded, type JobView } from '../job/render-job';
import type { TenantJobs } from '../tenants/tenant-jobs';
import { delay } from '../timing/timing';

/**
 * After an `ended` notice the job record may lag for a moment (a job cancelled while queued is
 * removed from the queue first, then its record is written), so it is read a few times.
 */
export const SETTLE_ATTEMPTS = 30;
const SETTLE_PAUSE_MS = 100;

/**
 * Reads the job up to `attempts` times, a short pause apart, until it has ended; the last view
 * read (undefined when the job does not exist), or undefined at once once `stopped` says so.
 */
export async function settledJob(
  jobs: Pick<TenantJobs, 'find'>,
  id: string,
  attempts: number,
  stopped: () => boolean = () => false,
): Promise<JobView | undefined> {
  let view: JobView | undefined;
  for (let attempt = 1; attempt <= attempts && !stopped(); attempt += 1) {
    view = await jobs.find(id);
    if (view !== undefined && hasEnded(view.status)) return view;
    if (attempt < attempts) await delay(SETTLE_PAUSE_MS);
  }
  return view;
}
