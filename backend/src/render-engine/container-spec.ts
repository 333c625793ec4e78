/** What a container is made from and what its run gives back, whatever engine runs it. */

export interface BindMount {
  type?: 'bind';
  /** Path as the Docker daemon sees it. */
  source: string;
  target: string;
  readOnly: boolean;
}

/** A fresh anonymous volume, removed with the container: a writable /job for copy mode. */
export interface ScratchVolume {
  type: 'scratch';
  target: string;
}

export interface ContainerLimits {
  memoryMb: number;
  cpus: number;
  pidsLimit: number;
  /** Largest file any process in the container may write. */
  maxFileBytes: number;
  /** Size of the writable /tmp; it counts against the memory limit. */
  tmpfsMb: number;
}

/** Everything a render container is created with; a warm one and a cold one share it. */
export interface ContainerSpec {
  image: string;
  command: string[];
  workingDir: string;
  env: Record<string, string>;
  user: string;
  /**
   * Capabilities given back after dropping all. Only the retry as root asks for any: it must write
   * into a folder it does not own and hand every file back to the folder's owner.
   */
  capAdd?: string[];
  /** The engine's container runtime (e.g. `runsc`); the engine's default when absent. */
  runtime?: string;
  mounts: Array<BindMount | ScratchVolume>;
  labels: Record<string, string>;
  limits: ContainerLimits;
}

export interface ContainerRunSpec extends ContainerSpec {
  limits: ContainerLimits & { timeoutMs: number };
}

export interface ContainerRunResult {
  containerId: string;
  exitCode: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** Killed because `signal` was aborted. */
  cancelled: boolean;
  /** Killed because its guard found it over a limit, and why. */
  stopped?: RunStop;
  oomKilled: boolean;
  durationMs: number;
}

export type OutputStream = 'stdout' | 'stderr';

/** Why a guard stopped a run: the failure the job gets. */
export interface RunStop {
  code: 'job_folder_too_large' | 'job_folder_too_many_files';
  message: string;
  details: Record<string, unknown>;
}
