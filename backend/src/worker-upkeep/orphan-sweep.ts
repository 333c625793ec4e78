import type { Logger } from '../logging/logger';

export interface OrphanSweepPorts {
  listContainers(): Promise<
    Array<{ id: string; jobId: string | undefined; workerId: string | undefined }>
  >;
  isWorkerAlive(workerId: string): Promise<boolean>;
  removeContainer(id: string): Promise<void>;
}

/**
 * Removes render containers whose worker is gone (killed, crashed, or its machine lost). Their
 * jobs are not lost: the queue hands a job whose worker stopped renewing its lock to another
 * worker, which renders it again.
 */
export async function sweepOrphans(ports: OrphanSweepPorts, logger: Logger): Promise<number> {
  let removed = 0;
  for (const container of await ports.listContainers()) {
    if (container.workerId !== undefined && (await ports.isWorkerAlive(container.workerId)))
      continue;
    await ports.removeContainer(container.id);
    removed += 1;
    logger.warn('removed a render container left by a worker that is gone', {
      containerId: container.id.slice(0, 12),
      jobId: container.jobId,
      workerId: container.workerId,
    });
  }
  return removed;
}
