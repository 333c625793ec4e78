import {
  MAX_LISTED_DELIVERIES,
  type WebhookDeliveryState,
  type WebhookDeliveryView,
} from './webhook-delivery-view';
import { callbackTarget } from './callback-url';

/** What the service keeps about one webhook delivery (one callback URL for one job). */
export interface WebhookDeliveryRecord {
  deliveryId: string;
  url: string;
  createdAt: string;
  state: WebhookDeliveryState;
  attempts: number;
  lastStatus?: number;
  lastError?: string;
  updatedAt?: string;
}

export function toDeliveryView(record: WebhookDeliveryRecord): WebhookDeliveryView {
  const view: WebhookDeliveryView = {
    deliveryId: record.deliveryId,
    target: callbackTarget(record.url),
    state: record.state,
    attempts: record.attempts,
  };
  if (record.lastStatus !== undefined) view.lastStatus = record.lastStatus;
  if (record.lastError !== undefined) view.lastError = record.lastError;
  if (record.updatedAt !== undefined) view.updatedAt = record.updatedAt;
  return view;
}

/** The latest deliveries, oldest first. */
export function listDeliveries(records: WebhookDeliveryRecord[]): WebhookDeliveryView[] {
  return [...records]
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
    .slice(-MAX_LISTED_DELIVERIES)
    .map(toDeliveryView);
}

/** The outcome of one attempt, as the HTTP sender reports it. */
export type AttemptOutcome =
  | { kind: 'delivered'; status: number }
  | { kind: 'http_status'; status: number }
  | { kind: 'timeout'; message: string }
  | { kind: 'network_error'; message: string }
  | { kind: 'blocked'; message: string };

/**
 * The record after an attempt. A refused target is final at once (retrying cannot change what
 * the policy allows); any other failure is final when no attempt is left.
 */
export function recordAttempt(
  record: WebhookDeliveryRecord,
  outcome: AttemptOutcome,
  attempt: { number: number; maxAttempts: number; at: Date },
): WebhookDeliveryRecord {
  const next: WebhookDeliveryRecord = {
    ...record,
    attempts: attempt.number,
    updatedAt: attempt.at.toISOString(),
  };
  delete next.lastStatus;
  delete next.lastError;
  if (outcome.kind === 'delivered') {
    next.state = 'delivered';
    next.lastStatus = outcome.status;
    return next;
  }
  if (outcome.kind === 'http_status') {
    next.lastStatus = outcome.status;
    next.lastError =
      outcome.status >= 300 && outcome.status < 400
        ? `answered ${outcome.status}; redirects are not followed`
        : `answered ${outcome.status}`;
  } else {
    next.lastError = outcome.message;
  }
  const final = outcome.kind === 'blocked' || attempt.number >= attempt.maxAttempts;
  next.state = final ? 'failed' : 'pending';
  return next;
}

/** The delay before attempt `attempt + 1` (BullMQ's exponential backoff), in seconds. */
export function retryDelaySeconds(attempt: number, baseSeconds: number): number {
  return baseSeconds * 2 ** (attempt - 1);
}
