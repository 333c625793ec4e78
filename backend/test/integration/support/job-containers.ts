import Docker from 'dockerode';
import {
  HELPER_LABEL,
  JOB_ID_LABEL,
  QUEUE_LABEL,
  WORKER_LABEL,
} from '../../../src/render-engine/container-labels';

const docker = new Docker();

/** The containers, running or not, that the engine (the machine's, by default) still has for a job. */
export function containersOfJob(jobId: string, engine = docker): Promise<Docker.ContainerInfo[]> {
  return engine.listContainers({ all: true, filters: { label: [`${JOB_ID_LABEL}=${jobId}`] } });
}

/**
 * Resolves with the id of the job's render container once it is running (from engine events).
 * `unless` (a worker that dies, say) rejects it instead; either way the event stream is closed,
 * so that a wait that lost its race does not keep the test run alive.
 */
export async function waitForRunningContainer(
  jobId: string,
  engine = docker,
  unless?: Promise<never>,
): Promise<string> {
  const label = `${JOB_ID_LABEL}=${jobId}`;
  const events = (await engine.getEvents({
    filters: { type: ['container'], event: ['start'], label: [label] },
  })) as NodeJS.ReadableStream & { destroy(): void };
  try {
    const started = new Promise<string>((resolve) => {
      events.on('data', (chunk: Buffer) =>
        resolve((JSON.parse(chunk.toString()) as { id: string }).id),
      );
    });
    const running = await engine.listContainers({
      filters: { label: [label], status: ['running'] },
    });
    const found = running[0]?.Id;
    if (found !== undefined) return found;
    return await (unless ? Promise.race([started, unless]) : started);
  } finally {
    events.destroy();
  }
}

/**
 * Listens for the next helper container of `kind` created for the queue; `created` resolves with
 * it (and the worker it names) as soon as the engine reports its creation. Start listening before
 * the worker can create it.
 */
export async function nextHelperCreated(
  queueName: string,
  kind: 'probe' | 'owner-fix',
): Promise<{ created: Promise<{ id: string; workerId: string }>; stop(): void }> {
  const events = (await docker.getEvents({
    filters: {
      type: ['container'],
      event: ['create'],
      label: [`${HELPER_LABEL}=${kind}`, `${QUEUE_LABEL}=${queueName}`],
    },
  })) as NodeJS.ReadableStream & { destroy(): void };
  const created = new Promise<{ id: string; workerId: string }>((resolve) => {
    events.on('data', (chunk: Buffer) => {
      const event = JSON.parse(chunk.toString()) as {
        id: string;
        Actor: { Attributes: Record<string, string> };
      };
      resolve({ id: event.id, workerId: event.Actor.Attributes[WORKER_LABEL] ?? '' });
    });
  });
  return { created, stop: () => events.destroy() };
}

/** Whether the engine still has the container. */
export function containerExists(id: string): Promise<boolean> {
  return docker
    .getContainer(id)
    .inspect()
    .then(
      () => true,
      () => false,
    );
}
