import { z } from 'zod';
import { timestampSchema } from '../job/timestamp';

/**
 * What a worker tells the rest of the service about itself. Each worker keeps its status in Redis
 * next to its presence key, so that the API can say whether anything can render.
 */
export const renderImageStatusSchema = z.object({
  manimVersion: z.string().meta({ description: 'The Manim version it renders with.' }),
  name: z.string().meta({ description: 'The render image.' }),
  present: z.boolean(),
  pulling: z.boolean().optional().meta({
    description:
      'The worker pulls the missing image now and takes no jobs until it is there (only for a RENDER_IMAGE it may pull).',
  }),
  error: z
    .string()
    .optional()
    .meta({ description: 'Why the last pull failed; kept until a pull succeeds.' }),
  hint: z.string().optional().meta({ description: 'How to fix it.' }),
  retryAt: timestampSchema('When the worker tries the pull again.').optional(),
});
export type RenderImageStatus = z.infer<typeof renderImageStatusSchema>;

export const workerStatusSchema = z
  .object({
    workerId: z.string(),
    hostname: z.string(),
    pid: z.int(),
    startedAt: timestampSchema('When the worker started.'),
    engine: z.object({
      ok: z.boolean(),
      error: z.string().optional().meta({ description: 'Why the engine does not answer.' }),
      hint: z.string().optional().meta({ description: 'How to fix it.' }),
      checkedAt: timestampSchema('When the worker last asked the engine.').optional(),
    }),
    images: z.array(renderImageStatusSchema).meta({
      description: 'The render image of each Manim version the worker serves, newest first.',
    }),
    paused: z.boolean().meta({
      description:
        'True while the worker takes no new jobs (starting, engine away, or pulling its render image).',
    }),
    capacity: z
      .object({
        engineId: z.string().meta({ description: "The engine's ID (`docker info`)." }),
        cpus: z.int().min(0).meta({ description: 'CPUs of the engine (`docker info` NCPU).' }),
        concurrency: z.int().min(1).meta({ description: 'WORKER_CONCURRENCY of the worker.' }),
      })
      .optional()
      .meta({
        description:
          'What the worker can render at once, for split rendering to know how many ranges can run side by side.',
      }),
    warmPool: z
      .object({
        size: z
          .int()
          .min(0)
          .meta({ description: 'Warm render containers the worker keeps (WARM_POOL_SIZE).' }),
        ready: z.int().min(0).meta({ description: 'How many of them are ready for a job now.' }),
      })
      .optional(),
  })
  .meta({ id: 'WorkerStatus' });
export type WorkerStatus = z.infer<typeof workerStatusSchema>;

/** The statuses of the workers of one queue that are alive now. */
export interface WorkerStatusReader {
  listWorkerStatuses(): Promise<WorkerStatus[]>;
}

/** A stored status, or undefined for a value that is not one (e.g. an older worker's `1`). */
export function parseWorkerStatus(text: string | null): WorkerStatus | undefined {
  if (!text) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = workerStatusSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}
