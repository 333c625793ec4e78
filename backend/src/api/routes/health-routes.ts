import express, { type Router } from 'express';
import { z } from 'zod';

export const healthSchema = z.strictObject({ status: z.literal('ok') }).meta({ id: 'Health' });

/** Liveness only: answers while the process runs, whether or not Redis or Docker are up. */
export function healthRoutes(): Router {
  const router = express.Router();
  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' } satisfies z.infer<typeof healthSchema>);
  });
  return router;
}
