import { z } from 'zod';
import {
  browserLinksSchema,
  errorBodySchema,
  jobStatusSchema,
  jobLinksSchema,
  jobLogsSchema,
  jobViewSchema,
  outputFormatSchema,
  qualitySchema,
  renderOptionsSchema,
  renderResultViewSchema,
  resolutionSchema,
} from '../../job/job-view-schema';
import { renderProgressSchema, renderStageSchema } from '../../job/job-progress';
import { webhookDeliveryViewSchema } from '../../webhooks/webhook-delivery-view';
import {
  reusedJobSchema,
  submittedJobSchema,
  webhookReceiptSchema,
} from '../render-response-schema';
import { workerStatusSchema } from '../../worker-upkeep/worker-status';
import { webhookPayloadSchema } from '../../webhooks/webhook-payload';
import { readinessSchema } from '../readiness';
import { healthSchema } from '../routes/health-routes';
import { limitsSchema } from '../routes/limits-routes';
import { sceneClassSchema, sceneListSchema } from '../routes/scene-routes';
import type { SchemaObject } from './openapi-types';

/** The parts of the contract the API answers with, each from its zod schema (job/, api/). */
const CONTRACT = {
  ErrorCode: errorBodySchema.shape.code,
  ErrorBody: errorBodySchema,
  Quality: qualitySchema,
  OutputFormat: outputFormatSchema,
  JobStatus: jobStatusSchema,
  RenderStage: renderStageSchema,
  RenderProgress: renderProgressSchema,
  Resolution: resolutionSchema,
  RenderOptions: renderOptionsSchema,
  RenderResult: renderResultViewSchema,
  JobView: jobViewSchema,
  WebhookDelivery: webhookDeliveryViewSchema,
  JobLinks: jobLinksSchema,
  BrowserLinks: browserLinksSchema,
  WebhookReceipt: webhookReceiptSchema,
  SubmittedJob: submittedJobSchema,
  ReusedJob: reusedJobSchema,
  JobLogs: jobLogsSchema,
  SceneClass: sceneClassSchema,
  SceneList: sceneListSchema,
  Limits: limitsSchema,
  Health: healthSchema,
  WorkerStatus: workerStatusSchema,
  Readiness: readinessSchema,
  WebhookPayload: webhookPayloadSchema,
} as const;

export type ContractSchemaName = keyof typeof CONTRACT;

/**
 * The component schemas of every answer, with references between them, as zod writes them
 * for OpenAPI 3.0 (every schema with an `id` becomes a component of that name).
 */
export function contractComponents(): Record<ContractSchemaName, SchemaObject> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(CONTRACT)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, {
    target: 'openapi-3.0',
    io: 'output',
    metadata: z.globalRegistry,
    uri: (id) => `#/components/schemas/${id}`,
  });
  return Object.fromEntries(
    (Object.keys(CONTRACT) as ContractSchemaName[]).map((name) => [
      name,
      withoutNoise(schemas[name] as SchemaObject & Record<string, unknown>),
    ]),
  ) as Record<ContractSchemaName, SchemaObject>;
}

/** Drops what zod adds that says nothing here: `$id`, and the bounds of a safe integer. */
function withoutNoise(schema: unknown): SchemaObject {
  if (Array.isArray(schema)) return schema.map(withoutNoise) as unknown as SchemaObject;
  if (typeof schema !== 'object' || schema === null) return schema as SchemaObject;
  const entries = Object.entries(schema).filter(
    ([key, value]) =>
      key !== '$id' &&
      !(key === 'maximum' && value === Number.MAX_SAFE_INTEGER) &&
      !(key === 'minimum' && value === Number.MIN_SAFE_INTEGER),
  );
  return Object.fromEntries(
    entries.map(([key, value]) => [key, withoutNoise(value)]),
  ) as SchemaObject;
}
