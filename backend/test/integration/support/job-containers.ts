import Docker from 'dockerode';
import { JOB_ID_LABEL } from '../../../src/docker/render-container-runner';

const docker = new Docker();

/** The containers, running or not, that the engine still has for a job. */
export function containersOfJob(jobId: string): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: { label: [`${JOB_ID_LABEL}=${jobId}`] } });
}
