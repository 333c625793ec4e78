import { formatWebhookCounts } from '../../../src/api/metrics';
import { parseWebhookStatistics } from '../../../src/webhooks/webhook-statistics';
import { MAX_LISTED_DELIVERIES } from '../../../src/webhooks/webhook-delivery-view';
import {
  listDeliveries,
  recordAttempt,
  retryDelaySeconds,
  type WebhookDeliveryRecord,
} from '../../../src/webhooks/webhook-delivery';

const record: WebhookDeliveryRecord = {
  deliveryId: 'd-1',
  url: 'https://hooks.example.com/render?token=secret',
  createdAt: '2026-01-01T00:00:00.000Z',
  state: 'pending',
  attempts: 0,
};
const at = new Date('2026-01-01T00:01:00.000Z');

describe('recordAttempt', () => {
  it('marks a 2xx answer as delivered', () => {
    expect(
      recordAttempt(record, { kind: 'delivered', status: 204 }, { number: 1, maxAttempts: 5, at }),
    ).toEqual({
      ...record,
      state: 'delivered',
      attempts: 1,
      lastStatus: 204,
      updatedAt: at.toISOString(),
    });
  });

  it('keeps a failed attempt pending while attempts are left, and fails the last one', () => {
    const failing = { kind: 'http_status', status: 500 } as const;
    const second = recordAttempt(record, failing, { number: 2, maxAttempts: 3, at });
    expect(second).toMatchObject({
      state: 'pending',
      attempts: 2,
      lastStatus: 500,
      lastError: 'answered 500',
    });
    expect(recordAttempt(second, failing, { number: 3, maxAttempts: 3, at }).state).toBe('failed');
  });

  it('says that a redirect was not followed', () => {
    const next = recordAttempt(
      record,
      { kind: 'http_status', status: 302 },
      { number: 1, maxAttempts: 3, at },
    );
    expect(next.lastError).toBe('answered 302; redirects are not followed');
  });

  it('fails a refused target at once, and forgets the status of an earlier attempt', () => {
    const earlier = { ...record, lastStatus: 500 };
    const next = recordAttempt(
      earlier,
      { kind: 'blocked', message: 'hooks.example.com resolves to a loopback address (127.0.0.1)' },
      { number: 1, maxAttempts: 10, at },
    );
    expect(next.state).toBe('failed');
    expect(next).not.toHaveProperty('lastStatus');
    expect(next.lastError).toContain('loopback');
  });
});

describe('listDeliveries', () => {
  it('shows the target without path and query, oldest first, the latest ones only', () => {
    const records = Array.from({ length: MAX_LISTED_DELIVERIES + 5 }, (_, index) => ({
      ...record,
      deliveryId: `d-${index}`,
      createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, index)).toISOString(),
    })).reverse();
    const listed = listDeliveries(records);
    expect(listed).toHaveLength(MAX_LISTED_DELIVERIES);
    expect(listed[0]).toEqual({
      deliveryId: 'd-5',
      target: 'https://hooks.example.com',
      state: 'pending',
      attempts: 0,
    });
    expect(listed.at(-1)?.deliveryId).toBe(`d-${MAX_LISTED_DELIVERIES + 4}`);
  });
});

describe('retryDelaySeconds', () => {
  it('doubles from the base', () => {
    expect([1, 2, 3, 4].map((attempt) => retryDelaySeconds(attempt, 10))).toEqual([10, 20, 40, 80]);
  });
});

describe('webhook metrics', () => {
  it('reads the counters from their Redis fields and writes them as Prometheus counters', () => {
    const text = formatWebhookCounts(
      parseWebhookStatistics({
        'attempts:delivered': '4',
        'attempts:http_status': '2',
        'deliveries:delivered': '4',
        'deliveries:failed': '1',
      }),
    );
    expect(text).toContain('# TYPE manim_webhook_attempts_total counter');
    expect(text).toContain('manim_webhook_attempts_total{result="http_status"} 2');
    expect(text).toContain('manim_webhook_deliveries_total{outcome="delivered"} 4');
    expect(text).toContain('manim_webhook_deliveries_total{outcome="failed"} 1');
  });
});
