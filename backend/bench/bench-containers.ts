import type { DockerClient } from '../src/render-engine/docker-client/docker-client';
import {
  JOB_ID_LABEL,
  MANAGED_LABEL,
  QUEUE_LABEL,
  WARM_LABEL,
} from '../src/render-engine/container-labels';

/** Every container the bench creates itself carries this label with the run's id. */
export const BENCH_RUN_LABEL = 'org.manim-render.bench-run';

/**
 * Removes what is left of this run: its own bare containers, the service's containers of the
 * jobs it submitted and the warm containers on its queues (the service removes them itself; this
 * covers an interrupted run).
 */
export async function removeLeftoverContainers(
  docker: DockerClient,
  runId: string,
  serviceJobIds: ReadonlySet<string>,
  serviceQueues: ReadonlySet<string> = new Set(),
): Promise<number> {
  const own = await docker.listContainers({
    all: true,
    filters: { label: [`${BENCH_RUN_LABEL}=${runId}`] },
  });
  const managed = await docker.listContainers({
    all: true,
    filters: { label: [`${MANAGED_LABEL}=true`] },
  });
  const leftovers = [
    ...own,
    ...managed.filter(
      (info) =>
        serviceJobIds.has(info.Labels[JOB_ID_LABEL] ?? '') ||
        (info.Labels[WARM_LABEL] === 'true' && serviceQueues.has(info.Labels[QUEUE_LABEL] ?? '')),
    ),
  ];
  await Promise.all(
    leftovers.map((info) =>
      docker
        .getContainer(info.Id)
        .remove({ force: true, v: true })
        .catch(() => undefined),
    ),
  );
  return leftovers.length;
}
