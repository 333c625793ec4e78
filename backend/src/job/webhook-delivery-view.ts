/**
 * `pending`: the job has not ended yet, or attempts are still being made; `delivered`: a 2xx
 * answer; `failed`: every attempt failed, or the target was refused.
 */
export type WebhookDeliveryState = 'pending' | 'delivered' | 'failed';

/** How a delivery is shown in the job view: the target without path and query. */
export interface WebhookDeliveryView {
  deliveryId: string;
  /** Scheme, host and port of the callback URL; its path and query may hold secrets. */
  target: string;
  state: WebhookDeliveryState;
  attempts: number;
  lastStatus?: number;
  lastError?: string;
  updatedAt?: string;
}
