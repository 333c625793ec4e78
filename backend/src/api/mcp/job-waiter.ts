import { hasEnded, type JobView } from '../../job/render-job';
import type { TenantJobs } from '../../tenants/tenant-jobs';
import { SETTLE_ATTEMPTS, settledJob } from '../settled-job';
import type { RenderProgress } from '../../job/job-progress';
import type { JobEventSource } from '../../job/job-event-source';
import { delay } from '../../timing/timing';

/** A notice lost while Redis reconnected must not leave a waiter waiting for the whole bound. */
const RECHECK_MS = 5_000;

/**
 * Waits for a job to end, up to `waitMs`, calling `onProgress` with each new snapshot. Resolves
 * with the job as it is then: ended, still under way (the bound was reached, the caller gave up,
 * or the source closed), or undefined when it no longer exists.
 */
export async function waitForJob(
  deps: { jobs: Pick<TenantJobs, 'find'>; events: JobEventSource },
  id: string,
  options: { waitMs: number; signal: AbortSignal; onProgress?: (progress: RenderProgress) => void },
): Promise<JobView | undefined> {
  const { jobs, events } = deps;
  // A notice that comes while the job is being read is kept for the next wait.
  let noticed = false;
  const idle = () => {
    noticed = true;
  };
  let wake: () => void = idle;
  let lastPercent = -1;
  const report = (progress: RenderProgress) => {
    if (progress.percent <= lastPercent) return;
    lastPercent = progress.percent;
    options.onProgress?.(progress);
  };
  let sourceClosed = false;
  let endNoticed = false;
  const unsubscribe = events.subscribe(id, (event) => {
    if (event.kind === 'progress') return report(event.progress);
    if (event.kind === 'ended') endNoticed = true;
    if (event.kind === 'closed') sourceClosed = true;
    // `active`, `ranges` (a split job's progress is read from the store) and the end.
    wake();
  });
  const deadline = Date.now() + options.waitMs;
  try {
    for (;;) {
      const view = await settledJob(jobs, id, endNoticed ? SETTLE_ATTEMPTS : 1);
      if (view === undefined || hasEnded(view.status)) return view;
      report(view.progress);
      const left = deadline - Date.now();
      if (left <= 0 || options.signal.aborted || sourceClosed) return view;
      if (noticed) {
        noticed = false;
        continue;
      }
      const woken = new AbortController();
      wake = () => woken.abort();
      await delay(Math.min(left, RECHECK_MS), {
        signal: AbortSignal.any([options.signal, woken.signal]),
      });
      wake = idle;
    }
  } finally {
    unsubscribe();
  }
}
