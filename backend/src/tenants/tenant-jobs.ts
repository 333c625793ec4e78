import type { BrowserLinks, CancelOutcome, JobView, RenderJobStore } from '../job/render-job';
import { mayReach, type Caller } from './caller';

/**
 * The jobs as one caller sees them: its own (every job for a caller that sees all), each with
 * links a browser may load. Another tenant's job is not there at all, exactly like an unknown id,
 * so that no answer tells the two apart.
 */
export interface TenantJobs {
  find(id: string): Promise<JobView | undefined>;
  /** The render output a worker kept for the job (empty until the render has run). */
  logs(id: string): Promise<string[] | undefined>;
  /** Cancels a queued or running job; waits up to `waitMs` for a running one to end. */
  cancel(id: string, waitMs: number): Promise<CancelOutcome>;
}

/** How a request's handlers reach the jobs of whoever sent it. */
export type JobsFor = (caller: Caller) => TenantJobs;

export function tenantJobs(
  store: Pick<RenderJobStore, 'find' | 'logs' | 'cancel'>,
  caller: Caller,
  browserLinks: (jobId: string) => BrowserLinks,
): TenantJobs {
  const shown = (view: JobView): JobView => ({ ...view, browserLinks: browserLinks(view.id) });
  const reachable = async (id: string): Promise<JobView | undefined> => {
    const stored = await store.find(id);
    return stored !== undefined && mayReach(caller, stored.owner) ? stored.view : undefined;
  };

  return {
    async find(id) {
      const view = await reachable(id);
      return view && shown(view);
    },
    async logs(id) {
      return (await reachable(id)) === undefined ? undefined : store.logs(id);
    },
    async cancel(id, waitMs) {
      if ((await reachable(id)) === undefined) return { outcome: 'not_found' };
      const cancel = await store.cancel(id, waitMs);
      return cancel.outcome === 'not_found' ? cancel : { ...cancel, job: shown(cancel.job) };
    },
  };
}
