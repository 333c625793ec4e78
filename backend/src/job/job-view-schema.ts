import { z } from 'zod';
import { FORMATS, QUALITIES } from '../config/config-schema';
import { ERROR_CATALOGUE, type ErrorBody, type ErrorCode } from '../errors/app-error';
import { DELIVERED_CONTENT_TYPES } from './output-files';
import { renderProgressSchema } from './job-progress';
import { timestampSchema } from './timestamp';
import {
  MAX_LISTED_DELIVERIES,
  webhookDeliveryViewSchema,
} from '../webhooks/webhook-delivery-view';

/**
 * How a job is shown to clients (`GET /api/animation/jobs/:id`, events, webhooks), as zod schemas:
 * each is the TypeScript type (z.infer) and, in the OpenAPI document, the description (its `id`
 * names the component). Timestamps are ISO 8601 strings.
 */

/** The limits clients can rely on; the configured caps are narrower. */
export const MIN_FPS = 1;
export const MIN_DIMENSION = 16;

export const qualitySchema = z
  .enum(QUALITIES)
  .meta({ id: 'Quality', description: 'Render quality, lowest first.' });
export const outputFormatSchema = z
  .enum(FORMATS)
  .meta({ id: 'OutputFormat', description: 'Output file format.' });

export const JOB_STATUSES = ['queued', 'active', 'completed', 'failed', 'cancelled'] as const;
export const jobStatusSchema = z.enum(JOB_STATUSES).meta({
  id: 'JobStatus',
  description:
    'queued and active jobs are under way; completed, failed and cancelled ones have ended.',
});
export type JobStatus = z.infer<typeof jobStatusSchema>;

export const resolutionSchema = z
  .strictObject({ width: z.int().min(MIN_DIMENSION), height: z.int().min(MIN_DIMENSION) })
  .meta({ id: 'Resolution' });
export type Resolution = z.infer<typeof resolutionSchema>;

export const chunksSchema = z.union([z.literal('auto'), z.int().min(1)]);
export type Chunks = z.infer<typeof chunksSchema>;

/** Render options after validation and defaulting; `scene` is always resolved to one class. */
export const renderOptionsSchema = z
  .strictObject({
    scene: z.string().meta({ description: 'The resolved Scene class.' }),
    manimVersion: z.string().optional().meta({
      description:
        'The Manim version that renders it (absent only in jobs queued before versions existed).',
    }),
    quality: qualitySchema,
    format: outputFormatSchema,
    fps: z.int().min(MIN_FPS).optional(),
    resolution: resolutionSchema.optional(),
    transparent: z.boolean(),
    timeoutSeconds: z
      .int()
      .min(1)
      .meta({ description: 'Wall-clock limit of the render, within MAX_RENDER_TIMEOUT_SECONDS.' }),
    chunks: chunksSchema.optional().meta({
      description:
        'How many containers may render ranges of the plays: "auto" or at most this many (absent in jobs queued before split rendering: 1).',
    }),
    preview: z.literal(true).optional().meta({
      description: 'Present in a quick preview: only the last frame was rendered, as PNG.',
    }),
  })
  .meta({
    id: 'RenderOptions',
    description: 'The render options after defaults, with the scene resolved.',
  });
export type RenderOptions = z.infer<typeof renderOptionsSchema>;

/** Why a render ran a second time as root, and how the first attempt failed. */
export const rootRetrySchema = z
  .strictObject({
    reason: z.string().meta({ description: 'Why the render was run again.' }),
    firstFailure: z.strictObject({ code: z.string(), message: z.string() }),
  })
  .meta({
    description:
      'Present when the render could not write its job folder as its user and was run again as root.',
  });
export type RootRetryRecord = z.infer<typeof rootRetrySchema>;

export const renderResultViewSchema = z
  .strictObject({
    fileName: z.string().meta({ description: 'e.g. Intro.mp4' }),
    contentType: z.enum(DELIVERED_CONTENT_TYPES),
    sizeBytes: z.int().min(0),
    url: z.string().meta({ description: 'The video route of the job.' }),
    posterUrl: z.string().optional().meta({
      description:
        'The poster route of the job: the last frame as PNG. Absent when no poster could be made (the log says why).',
    }),
    ranAsRoot: rootRetrySchema.optional(),
    chunks: z.int().min(1).optional().meta({
      description:
        'How many containers rendered it: more than 1 when its plays were rendered in ranges and joined.',
    }),
    reusedPlays: z.int().min(0).optional().meta({
      description:
        'Plays taken from earlier renders of the same API key instead of being drawn again (PLAY_REUSE); absent when the render reuses none by design.',
    }),
    oneContainerReason: z.string().optional().meta({
      description:
        'Why a render that could have been split was rendered in one container (too short to pay, a scene whose frames differ between runs, a format that cannot be joined).',
    }),
  })
  .meta({ id: 'RenderResult', description: 'The file a completed job produced.' });
export type RenderResultView = z.infer<typeof renderResultViewSchema>;

export const errorCodeSchema = z
  .enum(Object.keys(ERROR_CATALOGUE) as [ErrorCode, ...ErrorCode[]])
  .meta({ id: 'ErrorCode', description: errorCodeDescription() });

export const errorBodySchema = z
  .strictObject({
    code: errorCodeSchema,
    message: z.string().meta({ description: 'One line saying what is wrong and where.' }),
    hint: z.string().meta({ description: 'How to fix it.' }),
    details: z.record(z.string(), z.unknown()).optional().meta({
      description:
        'Code-specific facts: `problems: [{field, message}]` for validation_failed, `limitBytes` and `sizeBytes` for payload_too_large, `found` for scene_not_found, `id` and `status` for job errors, the exception, line and `logTail` for failed renders.',
    }),
  })
  .meta({
    id: 'ErrorBody',
    description: 'What went wrong, the same shape for HTTP errors and failed jobs.',
  });

export const browserLinksSchema = z
  .strictObject({
    video: z.string().meta({
      description:
        'The rendered file, once the job has completed, for a <video> or <img> source; add `&download=1` for a download link.',
    }),
    poster: z.string().meta({ description: 'The last frame as PNG, once the job has completed.' }),
    events: z.string().meta({ description: "The job's event stream, for an EventSource." }),
    expiresAt: timestampSchema('When the tokens of these links stop opening their routes.'),
  })
  .meta({
    id: 'BrowserLinks',
    description:
      'Present in answers of the API (not in webhooks): URLs of the job that a browser may load by itself. Each carries a signed token (`?token=`) instead of an API key, which opens that one route of this job until expiresAt; read the job again for fresh ones.',
  });
export type BrowserLinks = z.infer<typeof browserLinksSchema>;

export const jobViewSchema = z
  .strictObject({
    id: z.string().meta({ description: 'The job id.' }),
    status: jobStatusSchema,
    position: z.int().min(1).optional().meta({
      description: 'Queued jobs only: the place in line, 1 being the next job a worker takes.',
    }),
    progress: renderProgressSchema,
    createdAt: timestampSchema('When the job was submitted.'),
    startedAt: timestampSchema('When a worker took the job.').optional(),
    finishedAt: timestampSchema('When the job completed, failed or was cancelled.').optional(),
    options: renderOptionsSchema,
    sceneFile: z
      .string()
      .optional()
      .meta({ description: 'For a project: the path of its scene file.' }),
    assets: z
      .array(
        z.strictObject({
          path: z.string().meta({ description: 'Its path next to the scene.' }),
          sizeBytes: z.int().min(0),
        }),
      )
      .optional()
      .meta({ description: 'The files sent beside the scene (assets, or the rest of a project).' }),
    result: renderResultViewSchema.optional(),
    error: errorBodySchema.optional(),
    browserLinks: browserLinksSchema.optional(),
    webhooks: z
      .array(webhookDeliveryViewSchema)
      .optional()
      .meta({
        description: `Deliveries of the webhooks (callbackUrl) requested for this job, the latest ${MAX_LISTED_DELIVERIES}.`,
      }),
  })
  .meta({ id: 'JobView', description: 'A render job as it is now.' });
export type JobView = z.infer<typeof jobViewSchema>;

export const jobLinksSchema = z
  .strictObject({
    self: z.string().meta({ description: 'The job view.' }),
    video: z.string().meta({ description: 'The rendered file, once the job has completed.' }),
    poster: z.string().meta({
      description: 'The last frame as PNG, once the job has completed (the file itself for a PNG).',
    }),
  })
  .meta({ id: 'JobLinks' });
export type JobLinks = z.infer<typeof jobLinksSchema>;

export const jobLogsSchema = z
  .strictObject({
    id: z.string(),
    status: jobStatusSchema,
    lines: z.array(z.string()).meta({
      description:
        "Manim's output: its log, then its tracebacks and warnings, the last lines of each; empty until the render has run.",
    }),
  })
  .meta({ id: 'JobLogs' });
export type JobLogs = z.infer<typeof jobLogsSchema>;

// The error body is defined in errors/ for every part of the service; its schema must match it.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const errorBodyMatches: Same<z.infer<typeof errorBodySchema>, ErrorBody> = true;
void errorBodyMatches;

function errorCodeDescription(): string {
  const lines = (Object.keys(ERROR_CATALOGUE) as ErrorCode[]).map(
    (code) => `- \`${code}\` (${ERROR_CATALOGUE[code].status}): ${ERROR_CATALOGUE[code].hint}`,
  );
  return [
    'A stable, machine-readable error code; branch on it, not on the message. The HTTP status each code is answered with, and its default hint:',
    '',
    ...lines,
  ].join('\n');
}
