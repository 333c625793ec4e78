import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { rm, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { Config } from '../config/config-schema';
import {
  OutputStoreUnavailableError,
  type Delivery,
  type DeliveryRequest,
  type OutputFile,
  type OutputStore,
} from './output-store';

export type S3Settings = Pick<
  Config,
  | 'S3_ENDPOINT'
  | 'S3_REGION'
  | 'S3_BUCKET'
  | 'S3_PREFIX'
  | 'S3_ACCESS_KEY_ID'
  | 'S3_SECRET_ACCESS_KEY'
  | 'S3_FORCE_PATH_STYLE'
  | 'S3_DOWNLOAD'
  | 'S3_PUBLIC_ENDPOINT'
  | 'S3_PRESIGN_SECONDS'
>;

/** Parts of a multipart upload; files up to this size go up in one request. */
const PART_BYTES = 16 * 1024 * 1024;
/** A readiness probe that takes longer than this counts as a store that does not answer. */
const CHECK_TIMEOUT_MS = 5000;

/** One bucket as every operation below reaches it. */
interface Bucket {
  client: S3Client;
  /** Signs the URLs clients follow: the same client, or one for S3_PUBLIC_ENDPOINT. */
  signer: S3Client;
  name: string;
  /** Where each job's files start: S3_PREFIX. */
  prefix: string;
  keyOf(jobId: string, fileName: string): string;
  /** Turns a failed request into the error that says the store cannot be reached. */
  unavailable(error: unknown): OutputStoreUnavailableError;
}

/**
 * Finished videos in an S3 bucket at `<S3_PREFIX><jobId>/<fileName>`, so that any API host can
 * serve what any worker host rendered. Works with AWS S3 and with servers that speak its API
 * (SeaweedFS, Ceph RGW, Cloudflare R2, MinIO).
 */
export function s3OutputStore(settings: S3Settings): OutputStore {
  const bucket = openBucket(settings);
  return {
    backend: 's3',
    location: locationOf(settings),
    save: (file) => upload(bucket, file),
    exists: (file) => objectExists(bucket, file),
    copy: (file, toJobId) => copyObject(bucket, file, toJobId),
    fetch: (file, targetPath) => download(bucket, file, targetPath),
    remove: (file) => removeObject(bucket, file),
    removeJob: (jobId) => removeJobObjects(bucket, jobId),
    deliver: (file, request) =>
      settings.S3_DOWNLOAD === 'redirect'
        ? presignedRedirect(bucket, file, request, settings.S3_PRESIGN_SECONDS)
        : streamObject(bucket, file, request),
    removeOlderThan: (maxAgeMs, now = Date.now()) => removeExpired(bucket, maxAgeMs, now),
    freeBytes: () => Promise.resolve(undefined),
    check: () => probe(bucket),
  };
}

function locationOf(settings: S3Settings): string {
  return `${settings.S3_ENDPOINT || 'AWS S3'} (bucket ${settings.S3_BUCKET})`;
}

function openBucket(settings: S3Settings): Bucket {
  const location = locationOf(settings);
  const client = new S3Client(clientConfig(settings, settings.S3_ENDPOINT));
  return {
    client,
    // Signing needs no request, so a second client for the address clients use costs nothing.
    signer:
      settings.S3_PUBLIC_ENDPOINT === ''
        ? client
        : new S3Client(clientConfig(settings, settings.S3_PUBLIC_ENDPOINT)),
    name: settings.S3_BUCKET,
    prefix: settings.S3_PREFIX,
    keyOf: (jobId, fileName) => `${settings.S3_PREFIX}${jobId}/${fileName}`,
    unavailable: (error) =>
      error instanceof OutputStoreUnavailableError
        ? error
        : new OutputStoreUnavailableError(location, describe(error), { cause: error }),
  };
}

async function upload(
  bucket: Bucket,
  { jobId, fileName, contentType, sourcePath }: OutputFile & { sourcePath: string },
): Promise<{ sizeBytes: number }> {
  const { size } = await stat(sourcePath);
  try {
    await new Upload({
      client: bucket.client,
      params: {
        Bucket: bucket.name,
        Key: bucket.keyOf(jobId, fileName),
        Body: createReadStream(sourcePath),
        ContentType: contentType,
      },
      partSize: PART_BYTES,
      queueSize: 4,
      leavePartsOnError: false,
    }).done();
  } catch (error) {
    throw bucket.unavailable(error);
  }
  await rm(sourcePath, { force: true });
  return { sizeBytes: size };
}

async function objectExists(
  bucket: Bucket,
  { jobId, fileName }: Pick<OutputFile, 'jobId' | 'fileName'>,
): Promise<boolean> {
  try {
    await bucket.client.send(
      new HeadObjectCommand({ Bucket: bucket.name, Key: bucket.keyOf(jobId, fileName) }),
    );
    return true;
  } catch (error) {
    if (statusOf(error) === 404) return false;
    throw bucket.unavailable(error);
  }
}

async function copyObject(
  bucket: Bucket,
  { jobId, fileName }: Pick<OutputFile, 'jobId' | 'fileName'>,
  toJobId: string,
): Promise<void> {
  try {
    await bucket.client.send(
      new CopyObjectCommand({
        Bucket: bucket.name,
        Key: bucket.keyOf(toJobId, fileName),
        CopySource: encodeURI(`${bucket.name}/${bucket.keyOf(jobId, fileName)}`),
      }),
    );
  } catch (error) {
    throw bucket.unavailable(error);
  }
}

async function removeObject(
  bucket: Bucket,
  { jobId, fileName }: Pick<OutputFile, 'jobId' | 'fileName'>,
): Promise<void> {
  try {
    await bucket.client.send(
      new DeleteObjectCommand({ Bucket: bucket.name, Key: bucket.keyOf(jobId, fileName) }),
    );
  } catch (error) {
    throw bucket.unavailable(error);
  }
}

async function download(
  bucket: Bucket,
  { jobId, fileName }: Pick<OutputFile, 'jobId' | 'fileName'>,
  targetPath: string,
): Promise<void> {
  try {
    const answer = await bucket.client.send(
      new GetObjectCommand({ Bucket: bucket.name, Key: bucket.keyOf(jobId, fileName) }),
    );
    if (!(answer.Body instanceof Readable)) throw new Error('the store sent no body');
    await pipeline(answer.Body, createWriteStream(targetPath));
  } catch (error) {
    throw bucket.unavailable(error);
  }
}

async function removeJobObjects(bucket: Bucket, jobId: string): Promise<void> {
  try {
    const page = await bucket.client.send(
      new ListObjectsV2Command({ Bucket: bucket.name, Prefix: bucket.keyOf(jobId, '') }),
    );
    for (const object of page.Contents ?? []) {
      if (object.Key !== undefined) {
        await bucket.client.send(new DeleteObjectCommand({ Bucket: bucket.name, Key: object.Key }));
      }
    }
  } catch (error) {
    throw bucket.unavailable(error);
  }
}

/** The file through the API: its bytes, a range of them, or the answer to a conditional request. */
async function streamObject(
  bucket: Bucket,
  file: OutputFile,
  request: DeliveryRequest,
): Promise<Delivery> {
  const key = bucket.keyOf(file.jobId, file.fileName);
  try {
    const answer = await bucket.client.send(
      new GetObjectCommand({
        Bucket: bucket.name,
        Key: key,
        Range: request.range,
        IfNoneMatch: request.ifNoneMatch,
        IfModifiedSince:
          request.ifModifiedSince === undefined ? undefined : new Date(request.ifModifiedSince),
      }),
    );
    if (!(answer.Body instanceof Readable)) {
      throw new Error(`the answer for ${key} has no readable body`);
    }
    return {
      kind: 'stream',
      status: answer.$metadata.httpStatusCode === 206 ? 206 : 200,
      headers: {
        ...(answer.ContentLength === undefined ? {} : { contentLength: answer.ContentLength }),
        ...(answer.ContentRange === undefined ? {} : { contentRange: answer.ContentRange }),
        ...(answer.ETag === undefined ? {} : { etag: answer.ETag }),
        ...(answer.LastModified === undefined ? {} : { lastModified: answer.LastModified }),
      },
      body: answer.Body,
    };
  } catch (error) {
    const status = statusOf(error);
    if (status === 404) return { kind: 'missing' };
    if (status === 304) return { kind: 'stream', status: 304, headers: {} };
    if (status === 416) {
      const size = await bucket.client
        .send(new HeadObjectCommand({ Bucket: bucket.name, Key: key }))
        .then((head) => head.ContentLength);
      return {
        kind: 'stream',
        status: 416,
        headers: size === undefined ? {} : { contentRange: `bytes */${size}` },
      };
    }
    throw bucket.unavailable(error);
  }
}

/** The file straight from the bucket: a presigned URL the client is redirected to. */
async function presignedRedirect(
  bucket: Bucket,
  file: OutputFile,
  request: DeliveryRequest,
  expiresIn: number,
): Promise<Delivery> {
  if (!(await objectExists(bucket, file))) return { kind: 'missing' };
  const command = new GetObjectCommand({
    Bucket: bucket.name,
    Key: bucket.keyOf(file.jobId, file.fileName),
    ResponseContentType: file.contentType,
    ResponseContentDisposition: request.contentDisposition,
  });
  const url = await getSignedUrl(bucket.signer, command, { expiresIn });
  return { kind: 'redirect', url };
}

/** Removes the job files older than `maxAgeMs`; returns the ids of the jobs it removed from. */
async function removeExpired(bucket: Bucket, maxAgeMs: number, now: number): Promise<string[]> {
  const { client, prefix } = bucket;
  const removed = new Set<string>();
  let continuation: string | undefined;
  try {
    do {
      const page = await client.send(
        new ListObjectsV2Command({
          Bucket: bucket.name,
          Prefix: prefix,
          ContinuationToken: continuation,
        }),
      );
      for (const object of page.Contents ?? []) {
        if (object.Key === undefined || object.LastModified === undefined) continue;
        // Only what the service writes: `<job id>/<file>` and its readiness probes.
        if (!/^[^/]+\/[^/]+$/.test(object.Key.slice(prefix.length))) continue;
        if (now - object.LastModified.getTime() <= maxAgeMs) continue;
        await client.send(new DeleteObjectCommand({ Bucket: bucket.name, Key: object.Key }));
        removed.add(object.Key.slice(prefix.length).split('/')[0] ?? '');
      }
      continuation = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (continuation !== undefined);
  } catch (error) {
    throw bucket.unavailable(error);
  }
  return [...removed];
}

/** Reachable and writable: a small object goes in and out again. */
async function probe(bucket: Bucket): Promise<void> {
  const key = `${bucket.prefix}.ready-probe/${randomUUID()}`;
  const abortSignal = AbortSignal.timeout(CHECK_TIMEOUT_MS);
  try {
    await bucket.client.send(new PutObjectCommand({ Bucket: bucket.name, Key: key, Body: 'ok' }), {
      abortSignal,
    });
    await bucket.client.send(new DeleteObjectCommand({ Bucket: bucket.name, Key: key }), {
      abortSignal,
    });
  } catch (error) {
    throw bucket.unavailable(error);
  }
}

function clientConfig(settings: S3Settings, endpoint: string): S3ClientConfig {
  return {
    region: settings.S3_REGION,
    ...(endpoint === '' ? {} : { endpoint }),
    forcePathStyle: settings.S3_FORCE_PATH_STYLE,
    ...(settings.S3_ACCESS_KEY_ID === ''
      ? {}
      : {
          credentials: {
            accessKeyId: settings.S3_ACCESS_KEY_ID,
            secretAccessKey: settings.S3_SECRET_ACCESS_KEY,
          },
        }),
    // Newer SDKs add CRC32 checksums to every request, which many S3 servers other than AWS reject.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: { connectionTimeout: 5000, socketTimeout: 60_000 },
  };
}

/** The HTTP status of an SDK error, when the store answered at all. */
function statusOf(error: unknown): number | undefined {
  const metadata = (error as { $metadata?: { httpStatusCode?: unknown } } | null)?.$metadata;
  return typeof metadata?.httpStatusCode === 'number' ? metadata.httpStatusCode : undefined;
}

/** The SDK's error name with its message, or a network error's code: what an operator can act on. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  const status = statusOf(error);
  const parts = [
    error.name !== 'Error' ? error.name : undefined,
    code !== undefined && !error.message.includes(code) ? code : undefined,
    status === undefined ? undefined : `HTTP ${status}`,
  ].filter((part) => part !== undefined);
  const message = error.message || 'no message';
  return parts.length > 0 ? `${parts.join(', ')}: ${message}` : message;
}
