import type { JobView } from '../../../src/job/render-job';
import { buildWebhookPayload, webhookEventOf } from '../../../src/webhooks/webhook-payload';

const base: JobView = {
  id: 'job-1',
  status: 'completed',
  progress: { stage: 'done', percent: 100 },
  createdAt: '2026-01-01T00:00:00.000Z',
  startedAt: '2026-01-01T00:00:01.000Z',
  finishedAt: '2026-01-01T00:00:09.000Z',
  options: {
    scene: 'Intro',
    quality: 'low',
    format: 'mp4',
    transparent: false,
    timeoutSeconds: 60,
  },
  result: {
    fileName: 'Intro.mp4',
    contentType: 'video/mp4',
    sizeBytes: 1234,
    url: '/api/animation/jobs/job-1/video',
  },
  webhooks: [
    { deliveryId: 'other', target: 'https://someone.example', state: 'pending', attempts: 0 },
  ],
};
const now = new Date('2026-01-01T00:00:10.000Z');

describe('buildWebhookPayload', () => {
  it('carries the event, the ids, the time, the job view and its links', () => {
    const payload = buildWebhookPayload(base, 'delivery-1', now);
    const { webhooks: _webhooks, ...job } = base;
    expect(payload).toEqual({
      event: 'job.completed',
      deliveryId: 'delivery-1',
      jobId: 'job-1',
      timestamp: '2026-01-01T00:00:10.000Z',
      job,
      links: {
        self: '/api/animation/jobs/job-1',
        video: '/api/animation/jobs/job-1/video',
        poster: '/api/animation/jobs/job-1/poster',
      },
    });
    expect(payload.job.result?.url).toBe('/api/animation/jobs/job-1/video');
  });

  it('leaves out the deliveries of other callers', () => {
    expect(buildWebhookPayload(base, 'delivery-1', now).job).not.toHaveProperty('webhooks');
  });

  it('carries the error of a failed job', () => {
    const failed: JobView = {
      ...base,
      status: 'failed',
      result: undefined,
      error: {
        code: 'syntax_error',
        message: 'SyntaxError: invalid syntax (scene.py line 3)',
        hint: 'Fix the Python syntax at the reported line.',
        details: { line: 3 },
      },
    };
    const payload = buildWebhookPayload(failed, 'delivery-2', now);
    expect(payload.event).toBe('job.failed');
    expect(payload.job.error).toEqual(failed.error);
  });

  it('names a cancelled job as such', () => {
    const payload = buildWebhookPayload({ ...base, status: 'cancelled' }, 'delivery-3', now);
    expect(payload.event).toBe('job.cancelled');
  });

  it('refuses a job that has not ended', () => {
    expect(() => buildWebhookPayload({ ...base, status: 'active' }, 'd', now)).toThrow(
      'only jobs that have ended',
    );
    expect(webhookEventOf('queued')).toBeUndefined();
  });
});
