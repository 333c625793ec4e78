import Docker from 'dockerode';
import { JOB_ID_LABEL } from '../../../src/docker/render-container-runner';

const docker = new Docker();

/** The containers, running or not, that the engine (the machine's, by default) still has for a job. */
export function containersOfJob(jobId: string, engine = docker): Promise<Docker.ContainerInfo[]> {
  return engine.listContainers({ all: true, filters: { label: [`${JOB_ID_LABEL}=${jobId}`] } });
}

/** Resolves with the id of the job's render container once it is running (from engine events). */
export async function waitForRunningContainer(jobId: string, engine = docker): Promise<string> {
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
    return running[0]?.Id ?? (await started);
  } finally {
    events.destroy();
  }
}
