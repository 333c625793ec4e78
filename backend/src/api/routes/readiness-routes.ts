import express, { type Router } from 'express';
import type { WorkerStatusReader } from '../../queue/worker-status';
import { readinessVerdict, type ReadinessProbes } from '../readiness';

/** Readiness: whether a render submitted now can finish, and what to fix when it cannot. */
export function readinessRoutes(deps: {
  queueName: string;
  minFreeMb: number;
  pingRedis: () => Promise<unknown>;
  freeDiskBytes: () => Promise<number>;
  workers: WorkerStatusReader;
}): Router {
  const router = express.Router();
  router.get('/ready', async (_req, res) => {
    const [redis, disk, workers] = await Promise.all([
      deps.pingRedis().then(
        (): ReadinessProbes['redis'] => ({ ok: true }),
        (error: unknown): ReadinessProbes['redis'] => ({ ok: false, error: messageOf(error) }),
      ),
      deps.freeDiskBytes().then(
        (freeBytes): ReadinessProbes['disk'] => ({ freeBytes }),
        (error: unknown): ReadinessProbes['disk'] => ({ error: messageOf(error) }),
      ),
      deps.workers.listWorkerStatuses().then(
        (statuses): ReadinessProbes['workers'] => ({ statuses }),
        (error: unknown): ReadinessProbes['workers'] => ({ error: messageOf(error) }),
      ),
    ]);
    const verdict = readinessVerdict({
      redis,
      disk,
      workers,
      minFreeMb: deps.minFreeMb,
      queueName: deps.queueName,
    });
    res.setHeader('Cache-Control', 'no-store');
    res.status(verdict.status === 'ready' ? 200 : 503).json(verdict);
  });
  return router;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
