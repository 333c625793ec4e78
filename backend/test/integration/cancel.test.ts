import type { JobView } from '../../src/job/render-job';
import { containersOfJob } from './support/job-containers';
import { startTestService, type TestService } from './support/test-service';

const QUICK_SCENE =
  'from manim import *\nclass Quick(Scene):\n    def construct(self):\n        self.play(Create(Circle()))\n';
const ENDLESS_SCENE =
  'from manim import *\nclass Endless(Scene):\n    def construct(self):\n        while True:\n            pass\n';

async function cancel(
  service: TestService,
  id: string,
): Promise<{ status: number; body: JobView & { error: { code: string } } }> {
  const response = await fetch(`${service.url}/api/animation/jobs/${id}`, { method: 'DELETE' });
  return {
    status: response.status,
    body: (await response.json()) as JobView & { error: { code: string } },
  };
}

describe('cancelling a queued job', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService({ worker: false });
  });
  afterAll(async () => {
    await service?.close();
  });

  it('removes it from the queue and shows it as cancelled', async () => {
    const submitted = await service.submit({ code: QUICK_SCENE });
    const cancelled = await cancel(service, submitted.body.id);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({
      id: submitted.body.id,
      status: 'cancelled',
      error: { code: 'cancelled' },
    });
    expect(await service.getJob(submitted.body.id)).toMatchObject({ status: 'cancelled' });

    const video = await fetch(`${service.url}${submitted.body.links.video}`);
    expect(video.status).toBe(409);
  });

  it('answers 409 when the job has already ended and 404 for an unknown job', async () => {
    const submitted = await service.submit({ code: QUICK_SCENE });
    await cancel(service, submitted.body.id);
    const again = await cancel(service, submitted.body.id);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('job_already_finished');

    expect((await cancel(service, 'no-such-job')).status).toBe(404);
  });
});

describe('cancelling a running job', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService({ env: { RENDER_TIMEOUT_SECONDS: '120' } });
  });
  afterAll(async () => {
    await service?.close();
  });

  it('kills its container and ends it as cancelled', async () => {
    const submitted = await service.submit({ code: ENDLESS_SCENE, quality: 'low' });
    await service.waitForActive(submitted.body.id);

    const cancelled = await cancel(service, submitted.body.id);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', error: { code: 'cancelled' } });
    const left = await containersOfJob(submitted.body.id);
    expect(left).toEqual([]);
  });

  it('keeps rendering other jobs afterwards', async () => {
    const submitted = await service.submit({ code: QUICK_SCENE, quality: 'low' });
    expect(await service.waitForEnd(submitted.body.id)).toMatchObject({ status: 'completed' });
  });
});
