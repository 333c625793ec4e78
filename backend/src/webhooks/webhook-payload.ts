import { z } from 'zod';
import { jobLinksSchema, jobViewSchema } from '../job/job-view-schema';
import { timestampSchema } from '../job/timestamp';
import { jobLinks, type JobStatus, type JobView } from '../job/render-job';

export const WEBHOOK_EVENTS = ['job.completed', 'job.failed', 'job.cancelled'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export const webhookPayloadSchema = z
  .strictObject({
    event: z.enum(WEBHOOK_EVENTS),
    deliveryId: z
      .string()
      .meta({ description: 'The same for every attempt; receivers use it to drop repeats.' }),
    jobId: z.string(),
    timestamp: timestampSchema('When the event was created; the same for every attempt.'),
    job: jobViewSchema,
    links: jobLinksSchema,
  })
  .meta({
    id: 'WebhookPayload',
    description:
      'The body of a webhook request: the job as it ended (without its own webhooks list or position).',
  });
/** The body of a webhook request. */
export type WebhookPayload = z.infer<typeof webhookPayloadSchema>;

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
