import { z } from 'zod';

/**
 * The progress of a job as clients see it (job view, events, webhooks): part of the job contract.
 * manim/render-progress.ts reads it from Manim's output. The schema is the type and, in the
 * OpenAPI document, the description.
 */

/** The stages in the only order a render goes through them. */
export const RENDER_STAGES = [
  'queued',
  'preparing',
  'rendering',
  'encoding',
  'finalizing',
  'done',
] as const;

export const renderStageSchema = z.enum(RENDER_STAGES).meta({
  id: 'RenderStage',
  description: 'The stages in the only order a render goes through them.',
});
export type RenderStage = z.infer<typeof renderStageSchema>;

export const renderProgressSchema = z
  .strictObject({
    stage: renderStageSchema,
    percent: z
      .int()
      .min(0)
      .max(100)
      .meta({ description: '0 to 100; never goes back; 100 only when the stage is done.' }),
    animation: z
      .strictObject({
        index: z.int().min(0).meta({ description: '0-based, as Manim numbers them.' }),
        name: z
          .string()
          .optional()
          .meta({ description: 'From its progress bar, e.g. Create(Circle).' }),
      })
      .optional()
      .meta({ description: 'The play() or wait() being rendered.' }),
    frames: z
      .strictObject({ done: z.int().min(0), total: z.int().min(0) })
      .optional()
      .meta({ description: 'Frames of that animation; absent for a static wait().' }),
    etaSeconds: z.number().min(0).optional().meta({
      description:
        'Seconds of rendering left; only when the number of animations is known (see manim/render-progress.ts).',
    }),
  })
  .meta({ id: 'RenderProgress', description: "Progress read live from Manim's own output." });
export type RenderProgress = z.infer<typeof renderProgressSchema>;
