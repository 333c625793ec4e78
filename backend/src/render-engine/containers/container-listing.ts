import type { DockerClient } from '../docker-client/docker-client';
import {
  JOB_ID_LABEL,
  MANAGED_LABEL,
  QUEUE_LABEL,
  SCOPE_LABEL,
  WORKER_LABEL,
  type RenderContainerInfo,
} from '../container-labels';

/**
 * The render containers of one queue, running or not, as their labels describe them; with
 * `scope`, only those of that deployment.
 */
export async function listRenderContainers(
  docker: DockerClient,
  filter: { queueName: string; scope?: string; jobId?: string },
): Promise<RenderContainerInfo[]> {
  const labels = [`${MANAGED_LABEL}=true`, `${QUEUE_LABEL}=${filter.queueName}`];
  if (filter.scope !== undefined) labels.push(`${SCOPE_LABEL}=${filter.scope}`);
  if (filter.jobId !== undefined) labels.push(`${JOB_ID_LABEL}=${filter.jobId}`);
  const containers = await docker.listContainers({ all: true, filters: { label: labels } });
  return containers.map((container) => ({
    id: container.Id,
    jobId: container.Labels[JOB_ID_LABEL],
    workerId: container.Labels[WORKER_LABEL],
  }));
}

export async function removeContainer(docker: DockerClient, id: string): Promise<void> {
  await docker
    .getContainer(id)
    .remove({ force: true, v: true })
    .catch((error: unknown) => {
      if ((error as { statusCode?: number }).statusCode !== 404) throw error;
    });
}
