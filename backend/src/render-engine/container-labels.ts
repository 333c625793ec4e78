/**
 * The labels that mark the project's containers: whose they are (deployment and worker) and what
 * they are for. Every engine implementation puts them on what it creates, and sweeps read them.
 */

export const MANAGED_LABEL = 'org.manim-render.managed';
export const JOB_ID_LABEL = 'org.manim-render.job-id';
export const QUEUE_LABEL = 'org.manim-render.queue';
/** The deployment (Redis and queue) a container belongs to; see config/deployment-scope.ts. */
export const SCOPE_LABEL = 'org.manim-render.scope';
export const WORKER_LABEL = 'org.manim-render.worker';
/** On a warm container (started ahead of its job): the worker's pool holds it until a job takes it. */
export const WARM_LABEL = 'org.manim-render.warm';
/** On a helper container: what it is for (`probe`, `owner-fix`). */
export const HELPER_LABEL = 'org.manim-render.helper';

/**
 * Whose a container is: the deployment (queue and scope) and the worker (or other process) that
 * made it. Every container the project creates carries these labels, so that a sweep finds the
 * ones whose maker is gone, whatever kind they are.
 */
export interface ContainerOwner {
  queueName: string;
  scope: string;
  workerId: string;
}

export function ownerLabels(owner: ContainerOwner): Record<string, string> {
  return {
    [QUEUE_LABEL]: owner.queueName,
    [SCOPE_LABEL]: owner.scope,
    [WORKER_LABEL]: owner.workerId,
  };
}

export interface RenderContainerInfo {
  id: string;
  jobId: string | undefined;
  workerId: string | undefined;
}
