import { redisKeyspace } from '../../src/config/redis-settings';
import { createHmac } from 'node:crypto';
import { Redis } from 'ioredis';
import { createLogger } from '../../src/logging/logger';
import { BullmqWebhooks } from '../../src/webhooks/bullmq-webhooks';
import type { JobView } from '../../src/job/render-job';
import { FOUR_STEP_SCENE } from './support/scenes';
import { startTestService, type TestService } from './support/test-service';
import { waitUntil } from './support/wait-until';
import {
  startWebhookReceiver,
  type ReceivedWebhook,
  type WebhookReceiver,
} from './support/webhook-receiver';

const SECRET = 'webhook-test-secret-0123456789';
const QUICK_SCENE =
  'from manim import *\nclass Quick(Scene):\n    def construct(self):\n        self.play(Create(Circle()))\n';
const OTHER_QUICK_SCENE =
  'from manim import *\nclass Other(Scene):\n    def construct(self):\n        self.play(Create(Square()))\n';
const TRIANGLE_SCENE =
  'from manim import *\nclass Tri(Scene):\n    def construct(self):\n        self.play(Create(Triangle()))\n';
const BROKEN_SCENE =
  'from manim import *\nclass Broken(Scene):\n    def construct(self)\n        pass\n';
const ENDLESS_SCENE =
  'from manim import *\nclass Endless(Scene):\n    def construct(self):\n        while True:\n            pass\n';

type Submitted = { id: string; status: string; reused?: boolean; webhook?: { deliveryId: string } };

function signatureOf(webhook: ReceivedWebhook): string {
  const timestamp = String(webhook.headers['x-manim-timestamp']);
  const digest = createHmac('sha256', SECRET)
    .update(`${timestamp}.${webhook.rawBody}`)
    .digest('hex');
  return `sha256=${digest}`;
}

describe('webhooks', () => {
  let service: TestService;
  const receivers: WebhookReceiver[] = [];
  const receiver = async (...args: Parameters<typeof startWebhookReceiver>) => {
    const started = await startWebhookReceiver(...args);
    receivers.push(started);
    return started;
  };

  beforeAll(async () => {
    service = await startTestService({
      env: {
        // The receivers listen on 127.0.0.1.
        WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
        WEBHOOK_SECRET: SECRET,
        WEBHOOK_MAX_ATTEMPTS: '3',
        WEBHOOK_RETRY_BASE_SECONDS: '0.2',
        WEBHOOK_TIMEOUT_SECONDS: '5',
        // One render at a time, so that a second job stays queued behind a running one.
        WORKER_CONCURRENCY: '1',
        RENDER_TIMEOUT_SECONDS: '120',
      },
    });
  });
  afterAll(async () => {
    await service?.close();
    await Promise.all(receivers.map((started) => started.close()));
  });

  const submit = async (body: Record<string, unknown>) => {
    const submitted = await service.submit(body);
    return { status: submitted.status, body: submitted.body as unknown as Submitted };
  };
  const deliveryOf = async (jobId: string, deliveryId: string) =>
    ((await service.getJob(jobId)).webhooks ?? []).find(
      (delivery) => delivery.deliveryId === deliveryId,
    );
  const settledDelivery = (jobId: string, deliveryId: string) =>
    waitUntil(
      `delivery ${deliveryId} of job ${jobId} has settled`,
      () => deliveryOf(jobId, deliveryId),
      (delivery) => delivery !== undefined && delivery.state !== 'pending',
    );

  it('posts a signed job.completed webhook when a render completes', async () => {
    const hooks = await receiver();
    const submitted = await submit({
      code: QUICK_SCENE,
      quality: 'low',
      callbackUrl: hooks.url('/done?token=abc'),
    });
    expect(submitted.status).toBe(202);
    const deliveryId = submitted.body.webhook?.deliveryId;
    expect(deliveryId).toEqual(expect.any(String));

    const [webhook] = await hooks.waitFor(1);
    expect(webhook?.path).toBe('/done?token=abc');
    expect(webhook?.headers).toMatchObject({
      'content-type': 'application/json; charset=utf-8',
      'user-agent': 'manim-render-webhook/1',
      'x-manim-event': 'job.completed',
      'x-manim-delivery': deliveryId,
      'x-manim-attempt': '1',
    });
    expect(webhook && webhook.headers['x-manim-signature']).toBe(webhook && signatureOf(webhook));
    const video = `/api/animation/jobs/${submitted.body.id}/video`;
    expect(webhook?.body).toMatchObject({
      event: 'job.completed',
      jobId: submitted.body.id,
      deliveryId,
      timestamp: expect.any(String),
      links: { self: `/api/animation/jobs/${submitted.body.id}`, video },
      job: {
        id: submitted.body.id,
        status: 'completed',
        result: { fileName: 'Quick.mp4', contentType: 'video/mp4', url: video },
      },
    });

    const delivery = await settledDelivery(submitted.body.id, deliveryId ?? '');
    expect(delivery).toMatchObject({
      target: hooks.url('').replace(/\/$/, ''),
      state: 'delivered',
      attempts: 1,
      lastStatus: 200,
    });
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    expect(metrics).toMatch(/manim_webhook_deliveries_total\{outcome="delivered"\} [1-9]/);
  });

  it('posts job.failed with the error code, message and hint when a render fails', async () => {
    const hooks = await receiver();
    const submitted = await submit({
      code: BROKEN_SCENE,
      quality: 'low',
      callbackUrl: hooks.url(),
    });
    const [webhook] = await hooks.waitFor(1);
    expect(webhook?.headers['x-manim-event']).toBe('job.failed');
    expect(webhook && webhook.headers['x-manim-signature']).toBe(webhook && signatureOf(webhook));
    expect(webhook?.body).toMatchObject({
      event: 'job.failed',
      jobId: submitted.body.id,
      job: {
        status: 'failed',
        error: {
          code: 'syntax_error',
          message: expect.stringContaining('line 3'),
          hint: expect.any(String),
        },
      },
    });
  });

  it('delivers at once for a request answered with a completed render, retrying until 2xx', async () => {
    // The render of the first test has completed: an identical request is answered with it.
    const flaky = await receiver((res, index) => res.writeHead(index < 2 ? 500 : 200).end());
    const submitted = await submit({ code: QUICK_SCENE, quality: 'low', callbackUrl: flaky.url() });
    expect(submitted.status).toBe(200);
    expect(submitted.body.reused).toBe(true);
    const deliveryId = submitted.body.webhook?.deliveryId ?? '';

    const attempts = await flaky.waitFor(3);
    expect(attempts.map((attempt) => attempt.headers['x-manim-attempt'])).toEqual(['1', '2', '3']);
    expect(new Set(attempts.map((attempt) => attempt.headers['x-manim-delivery']))).toEqual(
      new Set([deliveryId]),
    );
    expect(new Set(attempts.map((attempt) => attempt.rawBody)).size).toBe(1);
    for (const attempt of attempts) {
      expect(attempt.headers['x-manim-signature']).toBe(signatureOf(attempt));
    }
    expect(attempts[0]?.body).toMatchObject({ event: 'job.completed', jobId: submitted.body.id });

    expect(await settledDelivery(submitted.body.id, deliveryId)).toMatchObject({
      state: 'delivered',
      attempts: 3,
      lastStatus: 200,
    });
  });

  it('does not follow a redirect: every attempt counts as failed', async () => {
    const elsewhere = await receiver();
    const redirecting = await receiver((res) =>
      res.writeHead(302, { location: elsewhere.url('/elsewhere') }).end(),
    );
    const submitted = await submit({
      code: QUICK_SCENE,
      quality: 'low',
      callbackUrl: redirecting.url(),
    });
    const deliveryId = submitted.body.webhook?.deliveryId ?? '';
    await redirecting.waitFor(3);
    expect(await settledDelivery(submitted.body.id, deliveryId)).toMatchObject({
      state: 'failed',
      attempts: 3,
      lastStatus: 302,
      lastError: 'answered 302; redirects are not followed',
    });
    expect(redirecting.received).toHaveLength(3);
    expect(elsewhere.received).toHaveLength(0);
  });

  it('gives a request attached to a running identical job the webhook when that job ends', async () => {
    const first = await receiver();
    const second = await receiver();
    const original = await submit({
      code: FOUR_STEP_SCENE,
      quality: 'low',
      callbackUrl: first.url(),
    });
    const attached = await submit({
      code: FOUR_STEP_SCENE,
      quality: 'low',
      callbackUrl: second.url(),
    });
    expect(attached.status).toBe(202);
    expect(attached.body).toMatchObject({ id: original.body.id, reused: true });

    const [toFirst] = await first.waitFor(1);
    const [toSecond] = await second.waitFor(1);
    for (const webhook of [toFirst, toSecond]) {
      expect(webhook?.body).toMatchObject({
        event: 'job.completed',
        jobId: original.body.id,
        job: { status: 'completed' },
      });
    }
    expect(toFirst?.headers['x-manim-delivery']).toBe(original.body.webhook?.deliveryId);
    expect(toSecond?.headers['x-manim-delivery']).toBe(attached.body.webhook?.deliveryId);
    const job: JobView = await service.getJob(original.body.id);
    expect(job.webhooks?.map((delivery) => delivery.deliveryId).sort()).toEqual(
      [original.body.webhook?.deliveryId, attached.body.webhook?.deliveryId].sort(),
    );
  });

  it('sends the webhook of a job whose end its worker never announced', async () => {
    const hooks = await receiver();
    const submitted = await submit({ code: TRIANGLE_SCENE, quality: 'low' });
    const job = await service.waitForEnd(submitted.body.id);
    expect(job.status).toBe('completed');
    // A callback that was waiting when the job ended, on a worker that died before it could
    // announce the end: the end marker is gone, the callback still pending.
    const redis = new Redis(service.config.REDIS_URL);
    const webhooks = new BullmqWebhooks(
      redis,
      redisKeyspace(service.config),
      1,
      { maxAttempts: 3, retryBaseSeconds: 0.2 },
      createLogger({ level: 'error', service: 'test', silent: true }),
    );
    try {
      await redis.del(`${redisKeyspace(service.config).root}:webhooks:${job.id}`);
      const { attached } = await webhooks.subscribe(job.id, hooks.url('/late'));
      expect(attached).toBe(true);

      const announced = await webhooks.announceMissedEnds((id) => service.getJob(id), {
        minAgeMs: 0,
      });

      expect(announced).toBe(1);
      const [webhook] = await hooks.waitFor(1);
      expect(webhook?.body).toMatchObject({ event: 'job.completed', jobId: job.id });
      // Announcing again sends nothing twice.
      await webhooks.announceMissedEnds((id) => service.getJob(id), { minAgeMs: 0 });
      await settledDelivery(job.id, String(webhook?.headers['x-manim-delivery']));
      expect(hooks.received).toHaveLength(1);
    } finally {
      await webhooks.close();
      redis.disconnect();
    }
  });

  it('posts job.cancelled for a cancelled queued job and a cancelled running one', async () => {
    const runningHooks = await receiver();
    const queuedHooks = await receiver();
    const running = await submit({
      code: ENDLESS_SCENE,
      quality: 'low',
      callbackUrl: runningHooks.url(),
    });
    await service.waitForActive(running.body.id);
    const queued = await submit({
      code: OTHER_QUICK_SCENE,
      quality: 'low',
      callbackUrl: queuedHooks.url(),
    });
    expect((await service.getJob(queued.body.id)).status).toBe('queued');

    const cancelQueued = await fetch(`${service.url}/api/animation/jobs/${queued.body.id}`, {
      method: 'DELETE',
    });
    expect(cancelQueued.status).toBe(200);
    const [queuedCancelled] = await queuedHooks.waitFor(1);
    expect(queuedCancelled?.body).toMatchObject({
      event: 'job.cancelled',
      jobId: queued.body.id,
      job: { status: 'cancelled', error: { code: 'cancelled' } },
    });

    const cancelRunning = await fetch(`${service.url}/api/animation/jobs/${running.body.id}`, {
      method: 'DELETE',
    });
    expect([200, 202]).toContain(cancelRunning.status);
    const [runningCancelled] = await runningHooks.waitFor(1);
    expect(runningCancelled?.headers['x-manim-event']).toBe('job.cancelled');
    expect(runningCancelled?.body).toMatchObject({
      event: 'job.cancelled',
      jobId: running.body.id,
      job: { status: 'cancelled', error: { code: 'cancelled' } },
    });
  });
});

describe('callbackUrl on a server that keeps webhooks to public addresses', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService({ worker: false });
  });
  afterAll(async () => {
    await service?.close();
  });

  it('refuses a loopback target in JSON with a 400 naming the field and the rule', async () => {
    const submitted = await service.submit({
      code: QUICK_SCENE,
      callbackUrl: 'http://127.0.0.1:8080/hook',
    });
    expect(submitted.status).toBe(400);
    expect(submitted.body.error).toMatchObject({
      code: 'validation_failed',
      details: {
        problems: [
          {
            field: 'callbackUrl',
            message: expect.stringContaining('must not point to a loopback address'),
          },
        ],
      },
    });
    expect(submitted.body.error?.message).toContain('WEBHOOK_ALLOW_PRIVATE_TARGETS');
  });

  it('refuses an IPv4-mapped IPv6 loopback target in a multipart form', async () => {
    const form = new FormData();
    form.append('file', new Blob([QUICK_SCENE]), 'scene.py');
    form.append('callbackUrl', 'http://[::ffff:127.0.0.1]/hook');
    const response = await fetch(`${service.url}/api/animation/render`, {
      method: 'POST',
      body: form,
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as {
      error: { details: { problems: Array<{ field: string; message: string }> } };
    };
    expect(body.error.details.problems).toEqual([
      {
        field: 'callbackUrl',
        message: expect.stringContaining('must not point to a loopback address'),
      },
    ]);
  });
});
