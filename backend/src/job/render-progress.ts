/**
 * The progress of a job as clients see it (job view, events, webhooks): part of the job contract.
 * render/render-progress.ts reads it from Manim's output.
 */
export type RenderStage = 'queued' | 'preparing' | 'rendering' | 'encoding' | 'finalizing' | 'done';

/** The stages in the only order a render goes through them. */
export const RENDER_STAGES: readonly RenderStage[] = [
  'queued',
  'preparing',
  'rendering',
  'encoding',
  'finalizing',
  'done',
];

export interface RenderProgress {
  stage: RenderStage;
  /** A whole number from 0 to 100 that never goes back; 100 only when the stage is `done`. */
  percent: number;
  /** The play()/wait() being rendered (0-based, as Manim numbers them); name from its bar. */
  animation?: { index: number; name?: string };
  /** Frames of that animation, from its bar; absent for a static wait. */
  frames?: { done: number; total: number };
  /** Seconds of rendering left; only when the number of animations is known (see below). */
  etaSeconds?: number;
}
