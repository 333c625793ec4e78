import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  signWebhook,
  WEBHOOK_HEADERS,
  webhookHeaders,
} from '../../../src/webhooks/webhook-signature';

const secret = 'whsec-test-0123456789abcdef';
const body = '{"event":"job.completed","jobId":"5b0e7c1e","deliveryId":"d-1"}';
const timestamp = 1_767_225_600;

describe('signWebhook', () => {
  it('is HMAC-SHA256 in hex over "<timestamp>.<body>", prefixed with sha256=', () => {
    const expected = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
    expect(signWebhook(secret, timestamp, body)).toBe(`sha256=${expected}`);
  });

  it('matches a fixed vector', () => {
    // printf '1.{}' | openssl dgst -sha256 -hmac key
    expect(signWebhook('key', 1, '{}')).toBe(
      'sha256=1ba6b8171186efc613e8bcc0cbdab2748f24984d7c5a84faa2637afa0e40d224',
    );
  });

  it('changes with the timestamp and with any byte of the body', () => {
    const signature = signWebhook(secret, timestamp, body);
    expect(signWebhook(secret, timestamp + 1, body)).not.toBe(signature);
    expect(signWebhook(secret, timestamp, body.replace('d-1', 'd-2'))).not.toBe(signature);
  });

  it('verifies the way the documentation tells receivers to', () => {
    const headers = webhookHeaders({
      event: 'job.completed',
      deliveryId: 'd-1',
      attempt: 1,
      timestamp,
      body,
      secret,
    });
    const received = headers[WEBHOOK_HEADERS.signature] ?? '';
    const computed = `sha256=${createHmac('sha256', secret)
      .update(`${headers[WEBHOOK_HEADERS.timestamp]}.${body}`)
      .digest('hex')}`;
    expect(timingSafeEqual(Buffer.from(received), Buffer.from(computed))).toBe(true);
  });
});

describe('webhookHeaders', () => {
  it('names the event, the delivery, the attempt and the time', () => {
    const headers = webhookHeaders({
      event: 'job.failed',
      deliveryId: 'd-1',
      attempt: 3,
      timestamp,
      body,
      secret,
    });
    expect(headers).toMatchObject({
      'content-type': 'application/json; charset=utf-8',
      'user-agent': 'manim-render-webhook/1',
      'x-manim-event': 'job.failed',
      'x-manim-delivery': 'd-1',
      'x-manim-attempt': '3',
      'x-manim-timestamp': String(timestamp),
    });
    expect(headers['x-manim-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
  });

  it('leaves the signature out when no secret is configured', () => {
    const headers = webhookHeaders({
      event: 'job.failed',
      deliveryId: 'd-1',
      attempt: 1,
      timestamp,
      body,
      secret: '',
    });
    expect(headers).not.toHaveProperty('x-manim-signature');
  });
});
