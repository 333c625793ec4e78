import express, { type Router } from 'express';

/** Liveness only: answers while the process runs, whether or not Redis or Docker are up. */
export function healthRoutes(): Router {
  const router = express.Router();
  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  return router;
}
