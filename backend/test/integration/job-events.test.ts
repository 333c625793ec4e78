import type { JobView } from '../../src/job/render-job';
import type { RenderProgress } from '../../src/job/job-progress';
import { EventStreamReader, readEventStream } from '../support/event-stream-client';
import { FOUR_STEP_SCENE } from './support/scenes';
import { startTestService, type TestService } from './support/test-service';

const QUICK_SCENE =
  'from manim import *\nclass Quick(Scene):\n    def construct(self):\n        self.play(Create(Circle()))\n';

describe('GET /api/animation/jobs/:id/events', () => {
  let service: TestService;
  const eventsUrl = (id: string) => `${service.url}/api/animation/jobs/${id}/events`;

  beforeAll(async () => {
    service = await startTestService();
  });
  afterAll(async () => {
    await service?.close();
  });

  it('streams the state, rising progress and the completed job of a real render, then ends', async () => {
    const submitted = await service.submit({ code: FOUR_STEP_SCENE, quality: 'low' });
    expect(submitted.status).toBe(202);

    const stream = await readEventStream(eventsUrl(submitted.body.id));
    expect(stream.status).toBe(200);
    expect(stream.contentType).toMatch(/^text\/event-stream/);

    const names = stream.events.map((event) => event.event);
    expect(names[0]).toBe('state');
    expect(names[names.length - 1]).toBe('completed');
    expect(names.filter((name) => name === 'completed')).toHaveLength(1);
    expect(new Set(names)).toEqual(
      new Set(['state', 'progress', 'completed', ...(names.includes('active') ? ['active'] : [])]),
    );

    const initial = stream.events[0]?.data as JobView;
    expect(initial).toMatchObject({ id: submitted.body.id, options: { scene: 'Steps' } });
    expect(['queued', 'active']).toContain(initial.status);

    const progress = stream.events
      .filter((event) => event.event === 'progress')
      .map((event) => event.data as RenderProgress);
    expect(progress.length).toBeGreaterThanOrEqual(3);
    const percents = progress.map((update) => update.percent);
    for (let i = 1; i < percents.length; i += 1) {
      expect(percents[i]).toBeGreaterThanOrEqual(percents[i - 1] ?? 0);
    }
    expect(new Set(percents).size).toBeGreaterThanOrEqual(3);
    expect(progress.some((update) => update.stage === 'rendering' && update.animation)).toBe(true);

    const final = stream.events[stream.events.length - 1]?.data as JobView;
    expect(final).toMatchObject({
      id: submitted.body.id,
      status: 'completed',
      progress: { stage: 'done', percent: 100 },
      result: { fileName: 'Steps.mp4', contentType: 'video/mp4' },
    });
    expect(final).toEqual(await service.getJob(submitted.body.id));
  });

  it('sends only the final event of a job that has already ended, and ends at once', async () => {
    const submitted = await service.submit({ code: QUICK_SCENE, quality: 'low' });
    const ended = await service.waitForEnd(submitted.body.id);
    expect(ended.status).toBe('completed');

    const stream = await readEventStream(eventsUrl(submitted.body.id));
    expect(stream.status).toBe(200);
    expect(stream.events).toEqual([{ event: 'completed', data: ended }]);
  });

  it('ends with a cancelled event when the job is cancelled while queued', async () => {
    const idle = await startTestService({ worker: false });
    try {
      const submitted = await idle.submit({ code: QUICK_SCENE });
      const stream = await EventStreamReader.open(
        `${idle.url}/api/animation/jobs/${submitted.body.id}/events`,
      );
      expect(await stream.next()).toMatchObject({ event: 'state', data: { status: 'queued' } });

      const cancel = await fetch(`${idle.url}/api/animation/jobs/${submitted.body.id}`, {
        method: 'DELETE',
      });
      expect(cancel.status).toBe(200);
      const rest = await stream.rest();
      expect(rest).toHaveLength(1);
      expect(rest[0]).toMatchObject({
        event: 'cancelled',
        data: { status: 'cancelled', error: { code: 'cancelled' } },
      });
    } finally {
      await idle.close();
    }
  });

  it('answers 404 job_not_found in JSON for an unknown or implausible id', async () => {
    for (const id of ['no-such-job', 'x'.repeat(200), encodeURIComponent('bad id!')]) {
      const response = await fetch(eventsUrl(id), { headers: { accept: 'text/event-stream' } });
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('job_not_found');
    }
  });
});
