import type { JobFileStore } from '../uploads/job-files';
import type { JobView, RenderJobData, RenderJobStore, StoredJob } from '../job/render-job';

/**
 * What the submit service needs of the datastores. Each adapter turns a datastore that cannot be
 * reached into `queue_unavailable`.
 */
export interface SubmitPorts {
  /** Where jobs wait for a worker. */
  queue: {
    add(id: string, data: RenderJobData): Promise<void>;
    /** Keeps a job that is complete from the start (a copy of another tenant's identical render). */
    addEnded(job: StoredJob): Promise<void>;
    /** Jobs waiting for a worker (not those running). */
    waitingCount(): Promise<number>;
  };
  /** Reads an earlier job back. */
  jobs: Pick<RenderJobStore, 'find'>;
  identities: RenderIdentities;
  /** Callback URLs and their deliveries; without them, a request with `callbackUrl` fails. */
  callbacks?: CallbackRegistry;
  /** Where the files of a request wait for its worker; without it, files are refused. */
  files?: Pick<JobFileStore, 'save' | 'remove'>;
  /** Free bytes on the disk that holds the outputs; undefined when they go to an object store. */
  freeDiskBytes(): Promise<number | undefined>;
}

/** Which job renders each render identity (see render-identity.ts), for the retention time. */
export interface RenderIdentities {
  /**
   * Makes `jobId` the job of `identity` unless one is already recorded; returns the recorded one
   * then. Of two claims at the same moment, exactly one wins.
   */
  claim(identity: string, jobId: string): Promise<string | undefined>;
  /** Makes `jobId` the job of `identity`, replacing any. */
  assign(identity: string, jobId: string): Promise<void>;
  /** Forgets the job of `identity`. */
  release(identity: string): Promise<void>;
}

export interface CallbackRegistry {
  /**
   * Registers `url` for a job that has not ended yet. `attached: false` means the job ended
   * meanwhile and nothing was registered: deliver with `deliverNow` instead.
   */
  subscribe(jobId: string, url: string): Promise<{ deliveryId: string; attached: boolean }>;
  /** Registers `url` for a job that has ended and queues its delivery at once. */
  deliverNow(job: JobView, url: string): Promise<string>;
}
