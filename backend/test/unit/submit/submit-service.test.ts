import { AppError } from '../../../src/errors/app-error';
import type { JobFile } from '../../../src/job-files/job-files';
import type { JobView, RenderJobData } from '../../../src/job/render-job';
import { renderIdentity } from '../../../src/submit/render-identity';
import type {
  CallbackRegistry,
  RenderIdentities,
  SubmitPorts,
} from '../../../src/submit/submit-ports';
import { createSubmitService, type SubmitPolicy } from '../../../src/submit/submit-service';
import { refusal } from '../../support/refusal';
import { HELLO_JOB as data } from '../../support/render-jobs';

const IMAGE = 'manim-render:test';
const identity = renderIdentity(data, IMAGE);

/** The datastores in memory, keeping what was done to them in order. */
class FakeStores {
  readonly events: string[] = [];
  readonly queued = new Map<string, RenderJobData>();
  readonly jobs = new Map<string, JobView>();
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
        waitingCount: async () => this.waiting,
      },
      jobs: { find: async (id) => this.jobs.get(id) },
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
      { ...ports, jobs: { find: async () => reads.shift() } },
      { maxQueuedJobs: 10, minFreeMb: 0, imageOf: () => IMAGE, resultAvailable: async () => true },
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
