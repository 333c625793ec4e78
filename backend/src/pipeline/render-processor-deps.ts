import type { Config } from '../config/config-schema';
import type { Logger } from '../logging/logger';
import type { RenderImage } from '../render-image/render-image';
import type { EngineSecurity } from '../render-engine/engine-security';
import type { JobFolderPlacement, RenderEngine } from '../render-engine/render-engine';
import type { JobFileStore } from '../uploads/job-files';
import type { OutputStore } from '../outputs/output-store';
import type { PlayCache } from '../split/play-cache';
import type { FileOwner } from '../job-folders/job-workspace';
import type { WarmLease } from '../warm-pool/warm-pool';
import type { WarmRenderSlot } from '../warm-pool/warm-slots';

/** What the render pipeline of a worker is built from (processes/worker-process.ts). */
export interface RenderProcessorDeps {
  config: Config;
  logger: Logger;
  /** Runs the render containers. */
  engine: RenderEngine;
  /** The render image of each served Manim version, newest first; warm containers run the first. */
  images: RenderImage[];
  /** Who renders by default: RENDER_USER, or the worker's own uid:gid (1000:1000 for root). */
  renderUser: FileOwner;
  /** Labels this worker's containers, so that a sweep can tell whose they are. */
  workerId: string;
  /** Where finished renders are counted for /metrics. */
  statistics: {
    recordCompleted(quality: string, durationSeconds: number): Promise<void>;
    recordFailed(code: string): Promise<void>;
    recordRootRetry(outcome: 'completed' | 'failed' | 'refused'): Promise<void>;
  };
  /** What the engine's isolation allows root to do, for the retry as root. */
  engineSecurity: Pick<EngineSecurity, 'userNamespaces' | 'selinux'>;
  /**
   * How a job folder on the worker's side reaches its render container: the path the Docker
   * daemon must mount, or copy mode; throws an AppError (the job's failure) when neither works.
   */
  placeJobFolder: (workerPath: string) => Promise<JobFolderPlacement>;
  /** Where the files sent with a job wait for it (assets, the rest of a project). */
  jobFiles: Pick<JobFileStore, 'load'>;
  /** Where finished videos are kept (STORAGE). */
  outputs: OutputStore;
  /** Render containers started ahead (WARM_POOL_SIZE); a job takes one when one is ready. */
  warmPool?: { take(): Promise<WarmLease<WarmRenderSlot> | undefined> };
  /** Resolves once a version's image found missing is back (pulled again); absent: the job fails. */
  whenImageBack?: (manimVersion: string) => Promise<void>;
  /** The tenants' reused plays (PLAY_REUSE); absent: nothing is reused. */
  plays?: PlayCache;
  /** How many renders the deployment runs side by side to some gain; absent: one. */
  parallelRenders?: () => Promise<number>;
  /** The first pause before keeping a video again when the store did not answer (1 s). */
  outputRetryDelayMs?: number;
}
