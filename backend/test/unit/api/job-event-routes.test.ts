import type { Server } from 'node:http';
import express from 'express';
import { setCaller } from '../../../src/api/middleware/authentication';
import { createErrorHandler } from '../../../src/api/middleware/error-handler';
import { jobEventRoutes } from '../../../src/api/routes/job-event-routes';
import { createLogger } from '../../../src/logging/logger';
import { OPEN_CALLER } from '../../../src/tenants/caller';
import { FakeJobEvents, FakeJobStore, jobViewOf as view } from '../../support/fake-jobs';
import { EventStreamReader } from '../../support/event-stream-client';

describe('GET /api/animation/jobs/:id/events', () => {
  let server: Server;
  let url: string;
  let jobs: FakeJobStore;
  let events: FakeJobEvents;

  beforeEach(async () => {
    jobs = new FakeJobStore();
    events = new FakeJobEvents();
    const logger = createLogger({ level: 'error', service: 'test', silent: true });
    const app = express();
    app.use((_req, res, next) => {
      setCaller(res, OPEN_CALLER);
      next();
    });
    app.use(jobEventRoutes({ logger, jobs: () => jobs, events, heartbeatMs: 50 }));
    app.use(createErrorHandler(logger));
    server = await new Promise<Server>((resolve) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    url = `http://127.0.0.1:${port}/api/animation/jobs/job-1/events`;
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends state, active, rising progress and the final view, then ends and unsubscribes', async () => {
    jobs.views.set('job-1', view('queued', 0));
    const stream = await EventStreamReader.open(url);
    expect(stream.status).toBe(200);
    expect(stream.contentType).toBe('text/event-stream; charset=utf-8');
    expect(await stream.next()).toEqual({ event: 'state', data: view('queued', 0) });

    jobs.views.set('job-1', view('active', 1));
    events.emit('job-1', { kind: 'active' });
    expect(await stream.next()).toEqual({ event: 'active', data: view('active', 1) });

    events.emit('job-1', { kind: 'progress', progress: { stage: 'rendering', percent: 40 } });
    // An older snapshot that arrives late is not shown: percent never goes back.
    events.emit('job-1', { kind: 'progress', progress: { stage: 'rendering', percent: 30 } });
    events.emit('job-1', { kind: 'progress', progress: { stage: 'encoding', percent: 92 } });
    const completed = view('completed', 100);
    jobs.views.set('job-1', completed);
    events.emit('job-1', { kind: 'ended' });

    expect(await stream.rest()).toEqual([
      { event: 'progress', data: { stage: 'rendering', percent: 40 } },
      { event: 'progress', data: { stage: 'encoding', percent: 92 } },
      { event: 'completed', data: completed },
    ]);
    await events.allLeft('job-1');
  });

  it("sends a split job's progress as its ranges move on, read from the store", async () => {
    jobs.views.set('job-1', view('active', 10));
    const stream = await EventStreamReader.open(url);
    expect(await stream.next()).toMatchObject({ event: 'state' });

    jobs.views.set('job-1', view('active', 35));
    events.emit('job-1', { kind: 'ranges' });
    expect(await stream.next()).toEqual({
      event: 'progress',
      data: { stage: 'rendering', percent: 35 },
    });
    // A notice that changes nothing sends nothing: the next event is the end.
    events.emit('job-1', { kind: 'ranges' });
    jobs.views.set('job-1', view('completed', 100));
    events.emit('job-1', { kind: 'ended' });
    expect(await stream.rest()).toEqual([{ event: 'completed', data: view('completed', 100) }]);
  });

  it('sends only the final event of a job that has already ended', async () => {
    const failed = view('failed', 10, {
      error: { code: 'syntax_error', message: 'SyntaxError', hint: 'Fix it', details: { line: 4 } },
    });
    jobs.views.set('job-1', failed);
    const stream = await EventStreamReader.open(url);
    expect(await stream.rest()).toEqual([{ event: 'failed', data: failed }]);
    expect(events.subscriberCount('job-1')).toBe(0);
  });

  it('keeps a notice that arrives while the job is first read, after the state', async () => {
    jobs.views.set('job-1', view('active', 10));
    jobs.onFind = () => {
      jobs.onFind = () => undefined;
      events.emit('job-1', { kind: 'progress', progress: { stage: 'rendering', percent: 20 } });
    };
    const stream = await EventStreamReader.open(url);
    expect(await stream.next()).toMatchObject({ event: 'state' });
    expect(await stream.next()).toEqual({
      event: 'progress',
      data: { stage: 'rendering', percent: 20 },
    });
  });

  it('reads again until the record of a job removed from the queue shows it cancelled', async () => {
    jobs.views.set('job-1', view('queued', 0));
    const stream = await EventStreamReader.open(url);
    expect(await stream.next()).toMatchObject({ event: 'state' });

    const cancelled = view('cancelled', 0, {
      error: { code: 'cancelled', message: 'Job job-1 was cancelled while queued', hint: '-' },
    });
    jobs.upcoming.push(undefined, undefined);
    jobs.views.set('job-1', cancelled);
    events.emit('job-1', { kind: 'ended' });
    expect(await stream.rest()).toEqual([{ event: 'cancelled', data: cancelled }]);
  });

  it('sends heartbeats, and ends a job whose end notice was lost when it next checks', async () => {
    jobs.views.set('job-1', view('active', 50));
    const stream = await EventStreamReader.open(url);
    expect(await stream.next()).toMatchObject({ event: 'state' });

    jobs.views.set('job-1', view('completed', 100));
    expect(await stream.rest()).toEqual([{ event: 'completed', data: view('completed', 100) }]);
    expect(stream.comments).toContain('heartbeat');
  });

  it('releases its subscription when the client goes away', async () => {
    jobs.views.set('job-1', view('active', 50));
    const abort = new AbortController();
    const response = await fetch(url, { signal: abort.signal });
    expect(response.status).toBe(200);
    expect(events.subscriberCount('job-1')).toBe(1);
    abort.abort();
    await events.allLeft('job-1');
  });

  it('ends the stream without a final event when the event source closes', async () => {
    jobs.views.set('job-1', view('active', 50));
    const stream = await EventStreamReader.open(url);
    expect(await stream.next()).toMatchObject({ event: 'state' });
    await events.close();
    expect(await stream.rest()).toEqual([]);
    await events.allLeft('job-1');
  });

  it('answers 404 job_not_found as JSON for an unknown id, leaving no subscription', async () => {
    const response = await fetch(url);
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
      'job_not_found',
    );
    expect(events.subscriberCount('job-1')).toBe(0);
  });
});
