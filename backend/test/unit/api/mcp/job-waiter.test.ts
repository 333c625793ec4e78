import type { RenderProgress } from '../../../../src/job/job-progress';
import { waitForJob } from '../../../../src/api/mcp/job-waiter';
import { FakeJobEvents, FakeJobStore, jobViewOf as view } from '../../../support/fake-jobs';

describe('waiting for a job in a tool call', () => {
  let jobs: FakeJobStore;
  let events: FakeJobEvents;

  beforeEach(() => {
    jobs = new FakeJobStore();
    events = new FakeJobEvents();
  });

  it('passes on progress as it comes and answers with the job once it has ended', async () => {
    jobs.views.set('job-1', view('active', 10));
    const seen: number[] = [];
    const waiting = waitForJob({ jobs, events }, 'job-1', {
      waitMs: 60_000,
      signal: new AbortController().signal,
      onProgress: (progress: RenderProgress) => seen.push(progress.percent),
    });
    await new Promise((resolve) => setImmediate(resolve));
    events.emit('job-1', { kind: 'progress', progress: { stage: 'rendering', percent: 40 } });
    events.emit('job-1', { kind: 'progress', progress: { stage: 'rendering', percent: 30 } });
    jobs.views.set('job-1', view('completed', 100));
    events.emit('job-1', { kind: 'ended' });

    expect((await waiting)?.status).toBe('completed');
    expect(seen).toEqual([10, 40]);
    expect(events.subscriberCount('job-1')).toBe(0);
  });

  it('answers with the job under way once the wait is over, or at once for a wait of 0', async () => {
    jobs.views.set('job-1', view('queued', 0));
    const signal = new AbortController().signal;
    expect((await waitForJob({ jobs, events }, 'job-1', { waitMs: 0, signal }))?.status).toBe(
      'queued',
    );
    expect((await waitForJob({ jobs, events }, 'job-1', { waitMs: 20, signal }))?.status).toBe(
      'queued',
    );
  });

  it('stops waiting when the caller goes away', async () => {
    jobs.views.set('job-1', view('active', 5));
    const caller = new AbortController();
    const waiting = waitForJob({ jobs, events }, 'job-1', {
      waitMs: 60_000,
      signal: caller.signal,
    });
    await new Promise((resolve) => setImmediate(resolve));
    caller.abort();
    expect((await waiting)?.status).toBe('active');
  });

  it('answers undefined for a job that does not exist', async () => {
    const signal = new AbortController().signal;
    expect(await waitForJob({ jobs, events }, 'nope', { waitMs: 1000, signal })).toBeUndefined();
  });
});
