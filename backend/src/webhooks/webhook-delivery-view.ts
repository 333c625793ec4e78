import { z } from 'zod';
import { timestampSchema } from '../job/timestamp';

/**
 * `pending`: the job has not ended yet, or attempts are still being made; `delivered`: a 2xx
 * answer; `failed`: every attempt failed, or the target was refused.
 */
export const WEBHOOK_DELIVERY_STATES = ['pending', 'delivered', 'failed'] as const;
export type WebhookDeliveryState = (typeof WEBHOOK_DELIVERY_STATES)[number];

/** How many deliveries a job view lists at most (the latest). */
export const MAX_LISTED_DELIVERIES = 20;

/** How a delivery is shown in the job view: the target without path and query. */
export const webhookDeliveryViewSchema = z
  .strictObject({
    deliveryId: z.string(),
    target: z.string().meta({
      description:
        'Scheme, host and port of the callback URL (its path and query may hold secrets).',
    }),
    state: z.enum(WEBHOOK_DELIVERY_STATES),
    attempts: z.int().min(0),
    lastStatus: z.int().optional().meta({ description: 'HTTP status of the last attempt.' }),
    lastError: z.string().optional().meta({ description: 'Why the last attempt failed.' }),
    updatedAt: timestampSchema('When the delivery last changed.').optional(),
  })
  .meta({ id: 'WebhookDelivery', description: 'One webhook delivery of a job.' });
export type WebhookDeliveryView = z.infer<typeof webhookDeliveryViewSchema>;
