import type { EngineRunOptions, RenderEngine } from './render-engine';
import type { Logger } from '../logging/logger';
import { listRenderContainers, removeContainer } from './containers/container-listing';
import {
  runContainer,
  runHelperContainer,
  type RunOptions,
} from './containers/render-container-runner';
import { listStandbyContainers, startStandbyContainer } from './containers/standby-container';
import {
  engineUnavailableError,
  isEngineUnreachable,
  type DockerClient,
} from './docker-client/docker-client';
import { enginePullOperations } from './docker-client/engine-image-operations';
import { jobFolderHooks } from '../job-folders/job-folder-hooks';

/** The render engine on a Docker Engine, through dockerode. */
export interface DockerRenderEngineOptions {
  /** A pull that reports no progress for this long is given up (RENDER_IMAGE_PULL_STALL_SECONDS). */
  pullStallSeconds: number;
  logger: Logger;
}

export function createDockerRenderEngine(
  docker: DockerClient,
  options: DockerRenderEngineOptions,
): RenderEngine {
  const images = enginePullOperations(docker, {
    stallSeconds: options.pullStallSeconds,
    logger: options.logger,
  });
  return {
    run: (spec, log, run = {}) => runContainer(docker, spec, log, dockerRunOptions(run)),
    runHelper: (helper, log) => runHelperContainer(docker, helper, log),
    startStandby: (spec, standby) => startStandbyContainer(docker, spec, standby),
    list: (filter) => listRenderContainers(docker, filter),
    listStandby: (owner) => listStandbyContainers(docker, owner),
    remove: (id) => removeContainer(docker, id),
    hasImage: (name) => images.exists(name),
    pullImage: (name) => images.pull(name),
    unreachable: (error) =>
      isEngineUnreachable(error) ? engineUnavailableError(docker, error) : undefined,
  };
}

/** The engine's run options as dockerode's runner takes them. */
export function dockerRunOptions(run: EngineRunOptions): RunOptions {
  return {
    ...(run.signal ? { signal: run.signal } : {}),
    ...(run.onOutput ? { onOutput: run.onOutput } : {}),
    ...(run.folder ? jobFolderHooks(run.folder) : {}),
  };
}
