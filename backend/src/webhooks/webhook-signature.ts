import { createHmac } from 'node:crypto';
import type { WebhookEvent } from './webhook-payload';

/** The headers of a webhook request, lower-case as they appear on the wire in Node. */
export const WEBHOOK_HEADERS = {
  event: 'x-manim-event',
  delivery: 'x-manim-delivery',
  attempt: 'x-manim-attempt',
  timestamp: 'x-manim-timestamp',
  signature: 'x-manim-signature',
} as const;

export const WEBHOOK_USER_AGENT = 'manim-render-webhook/1';

/**
 * `sha256=<hex>`: HMAC-SHA256 with the shared secret over `<timestamp>.<body>`, the timestamp
 * being the value of the timestamp header (Unix seconds) and the body the exact bytes sent.
 * Signing the timestamp lets a receiver refuse old requests replayed later.
 */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  const digest = createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');
  return `sha256=${digest}`;
}

/** The headers of one delivery attempt; unsigned when no secret is configured. */
export function webhookHeaders(attempt: {
  event: WebhookEvent;
  deliveryId: string;
  attempt: number;
  /** Unix seconds when this attempt was made. */
  timestamp: number;
  body: string;
  secret: string;
}): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/json; charset=utf-8',
    'user-agent': WEBHOOK_USER_AGENT,
    [WEBHOOK_HEADERS.event]: attempt.event,
    [WEBHOOK_HEADERS.delivery]: attempt.deliveryId,
    [WEBHOOK_HEADERS.attempt]: String(attempt.attempt),
    [WEBHOOK_HEADERS.timestamp]: String(attempt.timestamp),
  };
  if (attempt.secret !== '') {
    headers[WEBHOOK_HEADERS.signature] = signWebhook(
      attempt.secret,
      attempt.timestamp,
      attempt.body,
    );
  }
  return headers;
}
