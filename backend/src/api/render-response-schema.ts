import { z } from 'zod';
import { browserLinksSchema, jobLinksSchema, jobViewSchema } from '../job/job-view-schema';
import { JOB_ID_PATTERN } from './job-id';

/**
 * What `POST /api/animation/render` answers, as zod schemas: the type of each answer and, in the
 * OpenAPI document, its description.
 */

export const webhookReceiptSchema = z
  .strictObject({
    deliveryId: z
      .string()
      .meta({ description: 'Also sent with every attempt, in X-Manim-Delivery.' }),
  })
  .meta({
    id: 'WebhookReceipt',
    description: "The delivery that will tell this request's callbackUrl about the job's end.",
  });

export const submittedJobSchema = z
  .strictObject({
    id: z.string().regex(JOB_ID_PATTERN),
    status: z.literal('queued'),
    links: jobLinksSchema,
    browserLinks: browserLinksSchema,
    webhook: webhookReceiptSchema.optional(),
  })
  .meta({ id: 'SubmittedJob', description: 'A new job.' });
export type SubmittedJob = z.infer<typeof submittedJobSchema>;

export const reusedJobSchema = jobViewSchema
  .extend({
    links: jobLinksSchema,
    browserLinks: browserLinksSchema,
    reused: z.literal(true),
    webhook: webhookReceiptSchema.optional(),
  })
  .meta({
    id: 'ReusedJob',
    description: 'An identical earlier job that answers this request instead of a new render.',
  });
export type ReusedJob = z.infer<typeof reusedJobSchema>;
