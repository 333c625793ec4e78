import type { BrowserLinks, RenderJobStore, StoredJob } from '../../../src/job/render-job';
import { ADMIN_CALLER, keyTenant, type Caller } from '../../../src/tenants/caller';
import { tenantJobs } from '../../../src/tenants/tenant-jobs';
import { jobViewOf } from '../../support/fake-jobs';

const A: Caller = { tenant: keyTenant('key-of-tenant-a-0123'), seesAll: false };
const B: Caller = { tenant: keyTenant('key-of-tenant-b-0123'), seesAll: false };

/** Every job, whoever owns it, and what was done to them. */
class Store implements Pick<RenderJobStore, 'find' | 'logs' | 'cancel'> {
  readonly jobs = new Map<string, StoredJob>();
  readonly cancelled: string[] = [];

  async find(id: string) {
    return this.jobs.get(id);
  }
  async logs(id: string) {
    return [`log of ${id}`];
  }
  async cancel(id: string) {
    this.cancelled.push(id);
    const job = this.jobs.get(id);
    return job
      ? { outcome: 'cancelled' as const, job: job.view }
      : { outcome: 'not_found' as const };
  }
}

const links = (id: string): BrowserLinks => ({
  video: `/v/${id}`,
  poster: `/p/${id}`,
  events: `/e/${id}`,
  expiresAt: '2026-12-07T12:00:00.000Z',
});

describe('the jobs a caller sees', () => {
  let store: Store;
  beforeEach(() => {
    store = new Store();
    store.jobs.set('job-of-a', {
      view: { ...jobViewOf('queued', 0), id: 'job-of-a' },
      owner: A.tenant,
    });
    store.jobs.set('old-job', {
      view: { ...jobViewOf('completed', 100), id: 'old-job' },
      owner: undefined,
    });
  });

  it("are its own, with links for a browser; another tenant's are not there at all", async () => {
    expect(await tenantJobs(store, A, links).find('job-of-a')).toMatchObject({
      id: 'job-of-a',
      browserLinks: links('job-of-a'),
    });
    const b = tenantJobs(store, B, links);
    expect(await b.find('job-of-a')).toBeUndefined();
    expect(await b.logs('job-of-a')).toBeUndefined();
    expect(await b.cancel('job-of-a', 0)).toEqual({ outcome: 'not_found' });
    expect(store.cancelled).toEqual([]);
  });

  it('let the owner cancel, and a caller that sees all reach every job', async () => {
    expect(await tenantJobs(store, A, links).cancel('job-of-a', 0)).toMatchObject({
      outcome: 'cancelled',
      job: { id: 'job-of-a', browserLinks: links('job-of-a') },
    });
    const admin = tenantJobs(store, ADMIN_CALLER, links);
    expect((await admin.find('job-of-a'))?.id).toBe('job-of-a');
    expect(await admin.logs('old-job')).toEqual(['log of old-job']);
  });

  it('leave jobs from before owners existed to callers that see all', async () => {
    expect(await tenantJobs(store, A, links).find('old-job')).toBeUndefined();
  });
});
