import type { JobView } from '../../src/job/render-job';
import type { TenantJobs } from '../../src/tenants/tenant-jobs';
import type { JobEventListener, JobEventSource, JobEvent } from '../../src/job/job-event-source';

/** Job views by id, as one caller sees them; `upcoming` lets a test change what the next reads return. */
export class FakeJobStore implements TenantJobs {
  readonly views = new Map<string, JobView>();
  /** Called at the start of every find, e.g. to emit a notice "while the job is read". */
  onFind: (id: string) => void = () => undefined;
  /** Views to return from the next finds, before falling back to `views`. */
  readonly upcoming: Array<JobView | undefined> = [];

  async logs(): Promise<never> {
    throw new Error('not used by this test');
  }

  async cancel(): Promise<never> {
    throw new Error('not used');
  }
  async find(id: string): Promise<JobView | undefined> {
    this.onFind(id);
    if (this.upcoming.length > 0) return this.upcoming.shift();
    return this.views.get(id);
  }
}

/** Notices pushed by the test; tells when the last subscriber of a job has left. */
export class FakeJobEvents implements JobEventSource {
  private readonly listeners = new Map<string, Set<JobEventListener>>();
  private readonly released = new Map<string, () => void>();

  subscriberCount(id: string): number {
    return this.listeners.get(id)?.size ?? 0;
  }

  /** Resolves once job `id` has no subscriber left. */
  allLeft(id: string): Promise<void> {
    if (this.subscriberCount(id) === 0) return Promise.resolve();
    return new Promise((resolve) => this.released.set(id, resolve));
  }

  emit(id: string, event: JobEvent): void {
    for (const listener of [...(this.listeners.get(id) ?? [])]) listener(event);
  }

  subscribe(id: string, listener: JobEventListener): () => void {
    const forJob = this.listeners.get(id) ?? new Set();
    forJob.add(listener);
    this.listeners.set(id, forJob);
    return () => {
      forJob.delete(listener);
      if (forJob.size === 0) this.released.get(id)?.();
    };
  }

  async close(): Promise<void> {
    for (const [id] of this.listeners) this.emit(id, { kind: 'closed' });
  }
}

/** A job `job-1` of scene Intro at low quality, in `status` at `percent`. */
export function jobViewOf(
  status: JobView['status'],
  percent: number,
  extra: Partial<JobView> = {},
): JobView {
  return {
    id: 'job-1',
    status,
    progress: { stage: status === 'completed' ? 'done' : 'rendering', percent },
    createdAt: '2025-01-20T10:15:02.118Z',
    options: {
      scene: 'Intro',
      quality: 'low',
      format: 'mp4',
      transparent: false,
      timeoutSeconds: 300,
    },
    ...extra,
  };
}
