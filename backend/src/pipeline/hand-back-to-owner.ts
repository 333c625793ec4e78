import type { Config } from '../config/config-schema';
import { deploymentScope, type RedisSettings } from '../config/redis-settings';
import { JOB_ID_LABEL } from '../render-engine/container-labels';
import type { JobFolderPlacement, RenderEngine } from '../render-engine/render-engine';
import type { Logger } from '../logging/logger';
import { RENDER_CONTAINER_PATHS, restoreOwnerCommand } from '../manim/manim-command';
import type { FileOwner, JobWorkspace } from '../job-folders/job-workspace';

const RESTORE_OWNER_TIMEOUT_MS = 60_000;

/**
 * After a run as root, every file in the job folder must belong to its owner again, or the worker
 * could not move or delete it. The run's own trap does this unless the container was killed
 * (timeout, cancel, memory); then a short root container with only CHOWN does it.
 */
export async function handBackToOwner(
  job: {
    engine: Pick<RenderEngine, 'runHelper'>;
    config: RedisSettings & Pick<Config, 'QUEUE_NAME' | 'QUEUE_PREFIX' | 'RENDER_RUNTIME'>;
    workerId: string;
    placeJobFolder: (workerPath: string) => Promise<JobFolderPlacement>;
    workspace: Pick<JobWorkspace, 'dir' | 'entriesNotOwnedBy'>;
    /** The render image: it has the shell and chown the command needs. */
    image: string;
    jobId: string;
    log: Logger;
  },
  owner: FileOwner,
): Promise<void> {
  const { workspace, jobId, log, config } = job;
  const foreign = await workspace.entriesNotOwnedBy(owner, 5);
  if (foreign.length === 0) return;
  const jobFolder = await job.placeJobFolder(workspace.dir);
  // In copy mode the worker wrote every file itself; nothing of the container's is on its disk.
  if (jobFolder.kind === 'copy') return;
  log.warn('files of the run as root were not handed back; changing their owner', {
    examples: foreign,
    owner: `${owner.uid}:${owner.gid}`,
  });
  const run = await job.engine.runHelper(
    {
      image: job.image,
      command: restoreOwnerCommand(owner),
      user: '0:0',
      capAdd: ['CHOWN'],
      runtime: config.RENDER_RUNTIME || undefined,
      mount: {
        source: jobFolder.daemonPath,
        target: RENDER_CONTAINER_PATHS.jobDir,
        readOnly: false,
      },
      kind: 'owner-fix',
      owner: {
        queueName: config.QUEUE_NAME,
        scope: deploymentScope(config),
        workerId: job.workerId,
      },
      labels: { [JOB_ID_LABEL]: jobId },
      timeoutMs: RESTORE_OWNER_TIMEOUT_MS,
    },
    log,
  );
  const left = await workspace.entriesNotOwnedBy(owner, 5);
  if (run.exitCode !== 0 || left.length > 0) {
    log.error('could not hand the files of the run as root back to the job folder owner', {
      exitCode: run.exitCode,
      stderr: run.stderr.slice(-500),
      examples: left,
      hint: `Remove them as root: rm -rf ${workspace.dir}`,
    });
  }
}
