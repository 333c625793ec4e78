import express, { type Router } from 'express';
import type { OutputStore } from '../../outputs/output-store';
import type { WorkerStatusReader } from '../../worker-upkeep/worker-status';
import { readinessVerdict, type ReadinessProbes } from '../readiness';

/** Readiness: whether a render submitted now can finish, and what to fix when it cannot. */
export function readinessRoutes(deps: {
  queueName: string;
  minFreeMb: number;
  pingRedis: () => Promise<unknown>;
  outputs: Pick<OutputStore, 'backend' | 'location' | 'freeBytes' | 'check'>;
  workers: WorkerStatusReader;
}): Router {
  const router = express.Router();
  const { outputs } = deps;
  const where = { backend: outputs.backend, location: outputs.location };
  router.get('/ready', async (_req, res) => {
    const [redis, storage, disk, workers] = await Promise.all([
      deps.pingRedis().then(
        (): ReadinessProbes['redis'] => ({ ok: true }),
        (error: unknown): ReadinessProbes['redis'] => ({ ok: false, error: messageOf(error) }),
      ),
      outputs.check().then(
        (): ReadinessProbes['storage'] => ({ ...where, ok: true }),
        (error: unknown): ReadinessProbes['storage'] => ({
          ...where,
          ok: false,
          error: messageOf(error),
        }),
      ),
      outputs.freeBytes().then(
        (freeBytes): ReadinessProbes['disk'] =>
          freeBytes === undefined ? undefined : { freeBytes },
        (error: unknown): ReadinessProbes['disk'] => ({ error: messageOf(error) }),
      ),
      deps.workers.listWorkerStatuses().then(
        (statuses): ReadinessProbes['workers'] => ({ statuses }),
        (error: unknown): ReadinessProbes['workers'] => ({ error: messageOf(error) }),
      ),
    ]);
    const verdict = readinessVerdict({
      redis,
      storage,
      ...(disk ? { disk } : {}),
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
