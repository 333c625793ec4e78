import type { Config } from '../config/config-schema';
import type { JobFolderPlacement } from '../render-engine/render-engine';
import { deploymentScope, type RedisSettings } from '../config/redis-settings';
import { ownerLabels } from '../render-engine/container-labels';
import { type ContainerSpec } from '../render-engine/container-spec';
import { RENDER_CONTAINER_PATHS, RENDER_ENVIRONMENT } from '../manim/manim-command';
import type { FileOwner } from '../job-folders/job-workspace';

/**
 * The render container for one job folder: image, user, environment, mount, labels and limits.
 * A cold container and a warm one are built here alike and differ only in their command and
 * labels. Nothing in it depends on the request (its timeout is the worker's to enforce), which is
 * what lets a container started before its job serve any job.
 */
export function renderContainerSpec(input: {
  config: RedisSettings &
    Pick<
      Config,
      | 'QUEUE_NAME'
      | 'QUEUE_PREFIX'
      | 'RENDER_MEMORY_MB'
      | 'RENDER_CPUS'
      | 'RENDER_PIDS_LIMIT'
      | 'RENDER_MAX_OUTPUT_MB'
      | 'RENDER_TMPFS_MB'
      | 'RENDER_RUNTIME'
    >;
  image: string;
  workerId: string;
  user: FileOwner;
  /** The job folder: bind-mounted from its daemon-side path, or a fresh volume to copy into. */
  jobFolder: JobFolderPlacement;
  command: string[];
  labels: Record<string, string>;
}): ContainerSpec {
  const { config } = input;
  return {
    image: input.image,
    command: input.command,
    workingDir: RENDER_CONTAINER_PATHS.jobDir,
    env: RENDER_ENVIRONMENT,
    user: `${input.user.uid}:${input.user.gid}`,
    runtime: config.RENDER_RUNTIME || undefined,
    mounts: [
      input.jobFolder.kind === 'mount'
        ? {
            source: input.jobFolder.daemonPath,
            target: RENDER_CONTAINER_PATHS.jobDir,
            readOnly: false,
          }
        : { type: 'scratch', target: RENDER_CONTAINER_PATHS.jobDir },
    ],
    labels: {
      ...input.labels,
      ...ownerLabels({
        queueName: config.QUEUE_NAME,
        scope: deploymentScope(config),
        workerId: input.workerId,
      }),
    },
    limits: {
      memoryMb: config.RENDER_MEMORY_MB,
      cpus: config.RENDER_CPUS,
      pidsLimit: config.RENDER_PIDS_LIMIT,
      maxFileBytes: config.RENDER_MAX_OUTPUT_MB * 1024 * 1024,
      tmpfsMb: config.RENDER_TMPFS_MB,
    },
  };
}
