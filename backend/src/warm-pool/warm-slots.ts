import { randomUUID } from 'node:crypto';
import type { Config } from '../config/config-schema';
import { WARM_LABEL } from '../render-engine/container-labels';
import type { ContainerRunResult } from '../render-engine/container-spec';
import type {
  EngineRunOptions,
  JobFolderPlacement,
  RenderEngine,
} from '../render-engine/render-engine';
import type { Logger } from '../logging/logger';
import { manimConfigFile, RENDER_CONTAINER_PATHS } from '../manim/manim-command';
import { WARM_READY_LINE, warmBootstrapCommand } from './warm-bootstrap';
import { createJobWorkspace, type FileOwner } from '../job-folders/job-workspace';
import { renderContainerSpec } from '../pipeline/render-container-spec';
import { renderUserFor } from '../pipeline/render-user';
import { WarmPool, type WarmPoolStatus, type WarmSlot } from './warm-pool';

/** A warm render container with its own job folder, ready to take one job. */
export interface WarmRenderSlot extends WarmSlot {
  /** The slot's folder on the worker's side, mounted at /job; the job's workspace once taken. */
  readonly dir: string;
  /** Who the container runs as. */
  readonly user: FileOwner;
  /** How its folder reaches the container: always mounted, from this daemon-side path. */
  readonly placement: JobFolderPlacement;
  /** Hands the container its job line and follows the render to its end; then removes it. */
  run(
    input: string,
    options: EngineRunOptions & { timeoutMs: number; log: Logger },
  ): Promise<ContainerRunResult>;
}

/** Slot folders are `<TEMP_DIR>/warm-<uuid>/`, next to the job folders. */
export const WARM_SLOT_PREFIX = 'warm-';
/** Python and `import manim` take about a second on an idle machine; a busy one may take long. */
const READY_TIMEOUT_MS = 120_000;
/**
 * A container that has waited an hour is replaced: its folder stays far younger than the day
 * after which the worker deletes folders in TEMP_DIR as left over.
 */
const MAX_IDLE_MS = 3600_000;
const RETRY_DELAYS_MS = [1_000, 5_000, 15_000, 60_000];

export interface WarmPoolDeps {
  engine: Pick<RenderEngine, 'startStandby' | 'listStandby' | 'remove'>;
  config: Config;
  image: string;
  /** Who renders by default (RENDER_USER, or the worker's uid:gid; 1000:1000 for root). */
  renderUser: FileOwner;
  workerId: string;
  toDaemonPath: (workerPath: string) => string | Promise<string>;
  logger: Logger;
  onChange?: (status: WarmPoolStatus) => void;
}

/** The worker's pool of WARM_POOL_SIZE warm render containers (off at 0). */
export function createWarmPool(deps: WarmPoolDeps): WarmPool<WarmRenderSlot> {
  const logger = deps.logger.child({ component: 'warm-pool' });
  const { engine, config } = deps;
  return new WarmPool<WarmRenderSlot>(
    {
      startSlot: () => startSlot({ ...deps, logger }),
      listContainers: () =>
        engine.listStandby({ queueName: config.QUEUE_NAME, workerId: deps.workerId }),
      removeContainer: (id) => engine.remove(id),
    },
    {
      size: config.WARM_POOL_SIZE,
      logger,
      maxIdleMs: MAX_IDLE_MS,
      retryDelaysMs: RETRY_DELAYS_MS,
      ...(deps.onChange ? { onChange: deps.onChange } : {}),
    },
  );
}

/**
 * A slot is prepared as a job folder is (manim.cfg, media/, home/, handed to the render user)
 * but without a scene, and its container is created exactly as a cold one for that folder would
 * be, with the warm bootstrap as its command.
 */
async function startSlot(deps: WarmPoolDeps): Promise<WarmRenderSlot> {
  const workspace = await createJobWorkspace({
    tempDir: deps.config.TEMP_DIR,
    jobId: `${WARM_SLOT_PREFIX}${randomUUID()}`,
    files: { [RENDER_CONTAINER_PATHS.configFileName]: manimConfigFile() },
    dirs: [RENDER_CONTAINER_PATHS.mediaDirName, RENDER_CONTAINER_PATHS.homeDirName],
    renderUser: deps.renderUser,
  });
  try {
    const user = renderUserFor(deps.config.RENDER_USER, await workspace.owner(), deps.renderUser);
    const placement: JobFolderPlacement = {
      kind: 'mount',
      daemonPath: await deps.toDaemonPath(workspace.dir),
    };
    const spec = renderContainerSpec({
      config: deps.config,
      image: deps.image,
      workerId: deps.workerId,
      user,
      jobFolder: placement,
      command: warmBootstrapCommand(),
      labels: { [WARM_LABEL]: 'true' },
    });
    const standby = await deps.engine.startStandby(spec, {
      readyLine: WARM_READY_LINE,
      readyTimeoutMs: READY_TIMEOUT_MS,
      log: deps.logger,
    });
    return {
      id: standby.id,
      dir: workspace.dir,
      user,
      placement,
      ready: standby.ready,
      gone: standby.gone,
      isAlive: () => standby.isAlive(),
      run: (input, options) => standby.run(input, options),
      discard: async () => {
        await standby.remove().catch((error: unknown) =>
          deps.logger.warn('could not remove a warm render container', {
            containerId: standby.id.slice(0, 12),
            error: (error as Error).message,
          }),
        );
        await workspace.remove().catch((error: unknown) =>
          deps.logger.warn('could not remove a warm render folder', {
            dir: workspace.dir,
            error: (error as Error).message,
          }),
        );
      },
    };
  } catch (error) {
    await workspace.remove().catch(() => undefined);
    throw error;
  }
}
