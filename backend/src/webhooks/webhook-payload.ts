import { jobLinks, type JobStatus, type JobView } from '../job/render-job';

export const WEBHOOK_EVENTS = ['job.completed', 'job.failed', 'job.cancelled'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** The body of a webhook request. */
export interface WebhookPayload {
  event: WebhookEvent;
  /** The same for every attempt of one delivery; receivers use it to drop repeats. */
  deliveryId: string;
  jobId: string;
  /** When the event was created (ISO 8601); the same for every attempt. */
  timestamp: string;
  /** The job as `GET /api/animation/jobs/:id` shows it when it ended. */
  job: JobView;
  links: { self: string; video: string };
}

/** The event of a job that has ended; undefined while it is queued or active. */
export function webhookEventOf(status: JobStatus): WebhookEvent | undefined {
  switch (status) {
    case 'completed':
      return 'job.completed';
    case 'failed':
      return 'job.failed';
    case 'cancelled':
      return 'job.cancelled';
    default:
      return undefined;
  }
}

/**
 * The payload for a job that has ended. The job's own list of webhook deliveries is left out:
 * it changes while deliveries run and names other callers' targets.
 */
export function buildWebhookPayload(job: JobView, deliveryId: string, now: Date): WebhookPayload {
  const event = webhookEventOf(job.status);
  if (event === undefined) {
    throw new Error(`Job ${job.id} is ${job.status}; only jobs that have ended have a webhook`);
  }
  const { webhooks: _webhooks, position: _position, ...view } = job;
  return {
    event,
    deliveryId,
    jobId: job.id,
    timestamp: now.toISOString(),
    job: view,
    links: jobLinks(job.id),
  };
}
