import type { Readable } from 'node:stream';

/**
 * Where finished videos are kept, one per job (a range of a split render keeps several): a folder on the worker's and the API's shared disk
 * (local-output-store.ts) or an S3 bucket any host reaches (s3-output-store.ts).
 */
export interface OutputStore {
  readonly backend: 'local' | 's3';
  /** Where the files go, for messages: a folder, or an endpoint and bucket. */
  readonly location: string;
  /** Keeps `sourcePath` as the file of the job and removes the source. */
  save(file: OutputFile & { sourcePath: string }): Promise<{ sizeBytes: number }>;
  /** Whether the job's file is still kept (retention may have removed it). */
  exists(file: Pick<OutputFile, 'jobId' | 'fileName'>): Promise<boolean>;
  /** Copies the job's file to another job, under the same name (a render shared across tenants). */
  copy(file: Pick<OutputFile, 'jobId' | 'fileName'>, toJobId: string): Promise<void>;
  /** Copies the job's file to `targetPath` on this host (the join of a split render). */
  fetch(file: Pick<OutputFile, 'jobId' | 'fileName'>, targetPath: string): Promise<void>;
  /** Removes every file of the job (a split render's ranges once joined). */
  removeJob(jobId: string): Promise<void>;
  /** Removes one file (a reused play evicted); a missing file is no error. */
  remove(file: Pick<OutputFile, 'jobId' | 'fileName'>): Promise<void>;
  /** How to answer a request for the job's file. */
  deliver(file: OutputFile, request: DeliveryRequest): Promise<Delivery>;
  /** Removes the files of jobs that ended more than `maxAgeMs` ago; returns their job ids. */
  removeOlderThan(maxAgeMs: number, now?: number): Promise<string[]>;
  /** Free bytes where files are kept: a local disk's; undefined for an object store (no limit known). */
  freeBytes(): Promise<number | undefined>;
  /** Resolves when files can be kept and read now; rejects with the reason when not. */
  check(): Promise<void>;
}

export interface OutputFile {
  jobId: string;
  fileName: string;
  contentType: string;
}

/** What the client asked for; the HTTP headers that shape the answer. */
export interface DeliveryRequest {
  /** The Content-Disposition the answer carries (a download, or played in place). */
  contentDisposition: string;
  range?: string;
  ifNoneMatch?: string;
  ifModifiedSince?: string;
}

export type Delivery =
  /** The file on this host's disk; the route sends it (ranges and conditional requests included). */
  | { kind: 'file'; root: string; path: string }
  /** The client fetches the file from the store itself, at a URL valid for a while. */
  | { kind: 'redirect'; url: string }
  /** The store's answer, passed on: the body for 200 and 206, none for 304 and 416. */
  | { kind: 'stream'; status: 200 | 206 | 304 | 416; headers: StreamHeaders; body?: Readable }
  | { kind: 'missing' };

export interface StreamHeaders {
  contentLength?: number;
  contentRange?: string;
  etag?: string;
  lastModified?: Date;
}

/** The store could not be reached or refused the request; a later attempt may succeed. */
export class OutputStoreUnavailableError extends Error {
  constructor(
    readonly location: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`the output store at ${location} cannot be used: ${reason}`, options);
    this.name = 'OutputStoreUnavailableError';
  }
}
