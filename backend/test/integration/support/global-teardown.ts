import type { ChildProcess } from 'node:child_process';
import Docker from 'dockerode';
import { MANAGED_LABEL, QUEUE_LABEL } from '../../../src/render-engine/container-labels';
import { stopRedisServer } from './redis-server';

export default async function globalTeardown(): Promise<void> {
  const redis = (globalThis as { testRedisServer?: ChildProcess }).testRedisServer;
  if (redis) await stopRedisServer(redis);
  const prefix = (globalThis as { testQueuePrefix?: string }).testQueuePrefix;
  if (prefix) await removeTestRenderContainers(prefix);
}

/**
 * Every queue of this run starts with the run's prefix and is gone once the run ends, so no worker
 * will ever sweep a render container left on one. Other runs on the same engine keep theirs.
 */
async function removeTestRenderContainers(prefix: string): Promise<void> {
  const docker = new Docker();
  const containers = await docker.listContainers({
    all: true,
    filters: { label: [`${MANAGED_LABEL}=true`] },
  });
  for (const container of containers) {
    if (!container.Labels[QUEUE_LABEL]?.startsWith(prefix)) continue;
    await docker
      .getContainer(container.Id)
      .remove({ force: true, v: true })
      .catch(() => undefined);
  }
}
