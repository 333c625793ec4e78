import { AppError } from '../../../src/errors/app-error';
import type { JobFile } from '../../../src/uploads/job-files';
import type { JobView, RenderJobData, StoredJob } from '../../../src/job/render-job';
import { renderIdentity } from '../../../src/submit/render-identity';
import type {
  CallbackRegistry,
  RenderIdentities,
  SubmitPorts,
} from '../../../src/submit/submit-ports';
import { createSubmitService, type SubmitPolicy } from '../../../src/submit/submit-service';
import { refusal } from '../../support/refusal';
import { HELLO_JOB } from '../../support/render-jobs';

const IMAGE = 'manim-render:test';
const data: RenderJobData = { ...HELLO_JOB, owner: 'key-a' };
/** The same request from another API key. */
const dataOfB: RenderJobData = { ...HELLO_JOB, owner: 'key-b' };
const identity = `key-a:${renderIdentity(data, IMAGE)}`;

/** The datastores in memory, keeping what was done to them in order. */
class FakeStores {
  readonly events: string[] = [];
  readonly queued = new Map<string, RenderJobData>();
  readonly jobs = new Map<string, JobView>();
  /** Jobs complete from the start (copies for another tenant). */
  readonly ended = new Map<string, StoredJob>();
  /** Files copied from one job to another: `from -> to`. */
  readonly copies: string[] = [];
  copyFails = false;
  readonly identities = new Map<string, string>();
  readonly files = new Map<string, JobFile[]>();
  waiting = 0;
  freeBytes = 10 * 1024 ** 3;
  failAdd = false;
  /** Jobs that end between a subscription and the subscribe call (the callback is not attached). */
  readonly endedMeanwhile = new Set<string>();

  ports(): SubmitPorts {
    const identities: RenderIdentities = {
      claim: async (key, jobId) => {
        const holder = this.identities.get(key);
        if (holder !== undefined) return holder;
        this.identities.set(key, jobId);
        this.events.push(`claim ${jobId}`);
        return undefined;
      },
      assign: async (key, jobId) => {
        this.identities.set(key, jobId);
        this.events.push(`assign ${jobId}`);
      },
      release: async (key) => {
        this.identities.delete(key);
        this.events.push('release');
      },
    };
    const callbacks: CallbackRegistry = {
      subscribe: async (jobId, url) => {
        this.events.push(`subscribe ${jobId} ${url}`);
        return { deliveryId: `delivery-${jobId}`, attached: !this.endedMeanwhile.has(jobId) };
      },
      deliverNow: async (job, url) => {
        this.events.push(`deliver ${job.id} ${url}`);
        return `now-${job.id}`;
      },
    };
    return {
      queue: {
        add: async (id, job) => {
          if (this.failAdd) throw new AppError('queue_unavailable', 'Redis is down');
          this.queued.set(id, job);
          this.events.push(`add ${id}`);
        },
        addEnded: async (job) => {
          this.ended.set(job.view.id, job);
          this.events.push(`add ended ${job.view.id}`);
        },
        waitingCount: async () => this.waiting,
      },
      jobs: { find: async (id) => this.find(id) },
      identities,
      callbacks,
      files: {
        save: async (id, files) => {
          this.files.set(id, files);
          this.events.push(`save files ${id}`);
        },
        remove: async (id) => {
          this.files.delete(id);
          this.events.push(`remove files ${id}`);
        },
      },
      freeDiskBytes: async () => this.freeBytes,
    };
  }

  /** A queued job as the test last set it, owned by whoever submitted it; or a copy. */
  find(id: string): StoredJob | undefined {
    const view = this.jobs.get(id);
    if (view !== undefined) return { view, owner: this.queued.get(id)?.owner };
    return this.ended.get(id);
  }

  copyResult = async (job: JobView, toJobId: string): Promise<boolean> => {
    if (this.copyFails) return false;
    this.copies.push(`${job.id} -> ${toJobId}`);
    return true;
  };
}

function view(id: string, status: JobView['status']): JobView {
  return {
    id,
    status,
    progress: { stage: 'queued', percent: 0 },
    createdAt: '2026-12-03T06:00:00.000Z',
    options: data.options,
  };
}

let stores: FakeStores;
let filesOfEarlierJobs: Set<string>;

function service(policy: Partial<SubmitPolicy> = {}) {
  return createSubmitService(stores.ports(), {
    maxQueuedJobs: 10,
    minFreeMb: 100,
    imageOf: () => IMAGE,
    resultAvailable: async (job) => filesOfEarlierJobs.has(job.id),
    cacheScope: 'tenant',
    copyResult: stores.copyResult,
    ...policy,
  });
}

beforeEach(() => {
  stores = new FakeStores();
  filesOfEarlierJobs = new Set();
});

describe('the submit service', () => {
  it('queues a new render under a fresh id and records it as the render of its identity', async () => {
    const outcome = await service().submit(data, { reuse: true });

    expect(outcome).toEqual({ id: expect.any(String) });
    expect(stores.queued.get(outcome.id)).toEqual(data);
    expect(stores.identities.get(identity)).toBe(outcome.id);
  });

  it('refuses with insufficient_storage below MIN_FREE_DISK_MB, before touching anything', async () => {
    stores.freeBytes = 50 * 1024 * 1024;

    const failure = await refusal(service().submit(data, { reuse: true }));

    expect(failure).toMatchObject({
      code: 'insufficient_storage',
      details: { freeMb: 50, minFreeMb: 100 },
    });
    expect(stores.events).toEqual([]);
  });

  it('never looks at the disk when MIN_FREE_DISK_MB is 0', async () => {
    stores.freeBytes = 0;

    await expect(service({ minFreeMb: 0 }).submit(data, { reuse: true })).resolves.toBeDefined();
  });

  it('refuses with queue_full at the cap and forgets the identity, so the next try renders', async () => {
    stores.waiting = 10;

    const failure = await refusal(service().submit(data, { reuse: true }));

    expect(failure).toMatchObject({ code: 'queue_full', details: { queued: 10, limit: 10 } });
    expect(stores.queued.size).toBe(0);
    expect(stores.identities.has(identity)).toBe(false);
  });

  it('answers an identical request with the job still rendering it', async () => {
    const first = await service().submit(data, { reuse: true });
    stores.jobs.set(first.id, view(first.id, 'active'));

    const second = await service().submit(data, { reuse: true });

    expect(second).toEqual({ id: first.id, reused: view(first.id, 'active') });
    expect(stores.queued.size).toBe(1);
  });

  it('answers with a completed job while its file is there, and renders again once it is gone', async () => {
    const first = await service().submit(data, { reuse: true });
    stores.jobs.set(first.id, view(first.id, 'completed'));
    filesOfEarlierJobs.add(first.id);

    expect((await service().submit(data, { reuse: true })).reused?.id).toBe(first.id);

    filesOfEarlierJobs.clear();
    const third = await service().submit(data, { reuse: true });
    expect(third.reused).toBeUndefined();
    expect(third.id).not.toBe(first.id);
    expect(stores.identities.get(identity)).toBe(third.id);
  });

  it('renders again after an identical job failed', async () => {
    const first = await service().submit(data, { reuse: true });
    stores.jobs.set(first.id, view(first.id, 'failed'));

    const second = await service().submit(data, { reuse: true });

    expect(second.reused).toBeUndefined();
    expect(stores.queued.size).toBe(2);
  });

  it('renders again without reuse, and the new job becomes the render of the identity', async () => {
    const first = await service().submit(data, { reuse: true });
    stores.jobs.set(first.id, view(first.id, 'active'));

    const second = await service().submit(data, { reuse: false });

    expect(second.id).not.toBe(first.id);
    expect(stores.identities.get(identity)).toBe(second.id);
  });

  it('registers a callback before its job is queued, so that no end goes unnoticed', async () => {
    const outcome = await service().submit(data, {
      reuse: true,
      callbackUrl: 'https://hooks.example/done',
    });

    expect(outcome.webhook).toEqual({ deliveryId: `delivery-${outcome.id}` });
    expect(stores.events).toEqual([
      `claim ${outcome.id}`,
      `subscribe ${outcome.id} https://hooks.example/done`,
      `add ${outcome.id}`,
    ]);
  });

  it('attaches the callback of an identical request to the running job', async () => {
    const first = await service().submit(data, { reuse: true });
    stores.jobs.set(first.id, view(first.id, 'queued'));

    const second = await service().submit(data, { reuse: true, callbackUrl: 'https://b.example' });

    expect(second.webhook).toEqual({ deliveryId: `delivery-${first.id}` });
  });

  it('delivers at once to the callback of an identical request whose job has ended', async () => {
    const first = await service().submit(data, { reuse: true });
    stores.jobs.set(first.id, view(first.id, 'completed'));
    filesOfEarlierJobs.add(first.id);

    const second = await service().submit(data, { reuse: true, callbackUrl: 'https://b.example' });

    expect(second.webhook).toEqual({ deliveryId: `now-${first.id}` });
    expect(stores.events).toContain(`deliver ${first.id} https://b.example`);
  });

  it('delivers at once when the running job ends while the callback is being attached', async () => {
    const first = await service().submit(data, { reuse: true });
    stores.jobs.set(first.id, view(first.id, 'active'));
    stores.endedMeanwhile.add(first.id);
    const ports = stores.ports();
    // Read once to find the job running, and again after the subscription to find it completed.
    const reads = [view(first.id, 'active'), view(first.id, 'completed')];
    const submitter = createSubmitService(
      { ...ports, jobs: { find: async () => ({ view: reads.shift()!, owner: data.owner }) } },
      {
        maxQueuedJobs: 10,
        minFreeMb: 0,
        imageOf: () => IMAGE,
        resultAvailable: async () => true,
        cacheScope: 'tenant',
        copyResult: stores.copyResult,
      },
    );

    const second = await submitter.submit(data, { reuse: true, callbackUrl: 'https://b.example' });

    expect(second.webhook).toEqual({ deliveryId: `now-${first.id}` });
  });

  it("keeps a request's files under its job id, and removes them when the job cannot be queued", async () => {
    const files: JobFile[] = [{ path: 'logo.png', content: Buffer.from('png') }];
    const outcome = await service().submit(data, { reuse: true, files });
    expect(stores.files.get(outcome.id)).toEqual(files);

    stores.failAdd = true;
    const failure = await refusal(service().submit(data, { reuse: false, files }));
    expect(failure.code).toBe('queue_unavailable');
    expect([...stores.files.keys()]).toEqual([outcome.id]);
  });
});

describe('the submit service between tenants', () => {
  /** A's render, completed with its file still kept. */
  async function completedRenderOfA(cacheScope: SubmitPolicy['cacheScope']): Promise<string> {
    const first = await service({ cacheScope }).submit(data, { reuse: true });
    stores.jobs.set(first.id, {
      ...view(first.id, 'completed'),
      result: {
        fileName: 'Hello.mp4',
        contentType: 'video/mp4',
        sizeBytes: 2048,
        url: `/api/animation/jobs/${first.id}/video`,
        posterUrl: `/api/animation/jobs/${first.id}/poster`,
        chunks: 2,
        reusedPlays: 1,
      },
    });
    filesOfEarlierJobs.add(first.id);
    return first.id;
  }

  it('never answers one tenant with the job of another by default, running or completed', async () => {
    const first = await service().submit(data, { reuse: true });
    stores.jobs.set(first.id, view(first.id, 'active'));

    const second = await service().submit(dataOfB, { reuse: true });
    expect(second).toEqual({ id: expect.any(String) });
    expect(second.id).not.toBe(first.id);

    const completed = await completedRenderOfA('tenant');
    const third = await service().submit(dataOfB, { reuse: true });
    expect(third.reused).toBeUndefined();
    expect(third.id).not.toBe(completed);
    expect(stores.copies).toEqual([]);
  });

  it('with a global cache, answers another tenant with a completed job of its own holding a copy', async () => {
    const earlier = await completedRenderOfA('global');
    const at = Date.now();

    const outcome = await service({ cacheScope: 'global' }).submit(dataOfB, { reuse: true });

    expect(outcome.id).not.toBe(earlier);
    expect(outcome.reused).toMatchObject({
      id: outcome.id,
      status: 'completed',
      options: dataOfB.options,
      result: {
        fileName: 'Hello.mp4',
        sizeBytes: 2048,
        url: `/api/animation/jobs/${outcome.id}/video`,
        posterUrl: `/api/animation/jobs/${outcome.id}/poster`,
      },
    });
    expect(Date.parse(outcome.reused?.createdAt ?? '')).toBeGreaterThanOrEqual(at - 1000);
    // Nothing of the other tenant's job shows: not its id, nor how it was rendered.
    expect(JSON.stringify(outcome)).not.toContain(earlier);
    expect(outcome.reused?.result).not.toHaveProperty('chunks');
    expect(outcome.reused?.result).not.toHaveProperty('reusedPlays');
    expect(stores.copies).toEqual([`${earlier} -> ${outcome.id}`]);
    expect(stores.ended.get(outcome.id)).toEqual({ view: outcome.reused, owner: 'key-b' });
    expect(stores.queued.size).toBe(1);
  });

  it('with a global cache, sends the webhook of the copy, not of the other job', async () => {
    await completedRenderOfA('global');

    const outcome = await service({ cacheScope: 'global' }).submit(dataOfB, {
      reuse: true,
      callbackUrl: 'https://b.example',
    });

    expect(outcome.webhook).toEqual({ deliveryId: `now-${outcome.id}` });
    expect(stores.events).toContain(`deliver ${outcome.id} https://b.example`);
  });

  it('with a global cache, still answers a tenant with its own earlier job', async () => {
    const earlier = await completedRenderOfA('global');

    const again = await service({ cacheScope: 'global' }).submit(data, { reuse: true });

    expect(again.id).toBe(earlier);
    expect(stores.copies).toEqual([]);
  });

  it("with a global cache, renders anew beside another tenant's running job, or when the copy fails", async () => {
    const first = await service({ cacheScope: 'global' }).submit(data, { reuse: true });
    stores.jobs.set(first.id, view(first.id, 'active'));
    const beside = await service({ cacheScope: 'global' }).submit(dataOfB, { reuse: true });
    expect(beside).toEqual({ id: expect.any(String) });
    expect(stores.queued.get(beside.id)?.owner).toBe('key-b');

    stores.jobs.clear();
    const earlier = await completedRenderOfA('global');
    stores.copyFails = true;
    const anew = await service({ cacheScope: 'global' }).submit(dataOfB, { reuse: true });
    expect(anew.reused).toBeUndefined();
    expect(anew.id).not.toBe(earlier);
    expect(stores.queued.has(anew.id)).toBe(true);
  });
});
