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

/**
 * Finished videos in an S3 bucket at `<S3_PREFIX><jobId>/<fileName>`, so that any API host can
 * serve what any worker host rendered. Works with AWS S3 and with servers that speak its API
 * (SeaweedFS, Ceph RGW, Cloudflare R2, MinIO).
 */
export function s3OutputStore(settings: S3Settings): OutputStore {
  const bucket = settings.S3_BUCKET;
  const location = `${settings.S3_ENDPOINT || 'AWS S3'} (bucket ${bucket})`;
  const client = new S3Client(clientConfig(settings, settings.S3_ENDPOINT));
  // Signing needs no request, so a second client for the address clients use costs nothing.
  const signer =
    settings.S3_PUBLIC_ENDPOINT === ''
      ? client
      : new S3Client(clientConfig(settings, settings.S3_PUBLIC_ENDPOINT));
  const keyOf = (jobId: string, fileName: string) => `${settings.S3_PREFIX}${jobId}/${fileName}`;
  const unavailable = (error: unknown) =>
    error instanceof OutputStoreUnavailableError
      ? error
      : new OutputStoreUnavailableError(location, describe(error), { cause: error });

  const exists = async ({ jobId, fileName }: Pick<OutputFile, 'jobId' | 'fileName'>) => {
    try {
      await client.send(new HeadObjectCommand({ Bucket: bucket, Key: keyOf(jobId, fileName) }));
      return true;
    } catch (error) {
      if (statusOf(error) === 404) return false;
      throw unavailable(error);
    }
  };

  const stream = async (file: OutputFile, request: DeliveryRequest): Promise<Delivery> => {
    const key = keyOf(file.jobId, file.fileName);
    try {
      const answer = await client.send(
        new GetObjectCommand({
          Bucket: bucket,
          Key: key,
          ...(request.range === undefined ? {} : { Range: request.range }),
          ...(request.ifNoneMatch === undefined ? {} : { IfNoneMatch: request.ifNoneMatch }),
          ...(request.ifModifiedSince === undefined
            ? {}
            : { IfModifiedSince: new Date(request.ifModifiedSince) }),
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
        const size = await client
          .send(new HeadObjectCommand({ Bucket: bucket, Key: key }))
          .then((head) => head.ContentLength);
        return {
          kind: 'stream',
          status: 416,
          headers: size === undefined ? {} : { contentRange: `bytes */${size}` },
        };
      }
      throw unavailable(error);
    }
  };

  const redirect = async (file: OutputFile, request: DeliveryRequest): Promise<Delivery> => {
    if (!(await exists(file))) return { kind: 'missing' };
    const command = new GetObjectCommand({
      Bucket: bucket,
      Key: keyOf(file.jobId, file.fileName),
      ResponseContentType: file.contentType,
      ResponseContentDisposition: request.contentDisposition,
    });
    const url = await getSignedUrl(signer, command, { expiresIn: settings.S3_PRESIGN_SECONDS });
    return { kind: 'redirect', url };
  };

  return {
    backend: 's3',
    location,

    async save({ jobId, fileName, contentType, sourcePath }) {
      const { size } = await stat(sourcePath);
      try {
        await new Upload({
          client,
          params: {
            Bucket: bucket,
            Key: keyOf(jobId, fileName),
            Body: createReadStream(sourcePath),
            ContentType: contentType,
          },
          partSize: PART_BYTES,
          queueSize: 4,
          leavePartsOnError: false,
        }).done();
      } catch (error) {
        throw unavailable(error);
      }
      await rm(sourcePath, { force: true });
      return { sizeBytes: size };
    },

    exists,

    async copy({ jobId, fileName }, toJobId) {
      try {
        await client.send(
          new CopyObjectCommand({
            Bucket: bucket,
            Key: keyOf(toJobId, fileName),
            CopySource: encodeURI(`${bucket}/${keyOf(jobId, fileName)}`),
          }),
        );
      } catch (error) {
        throw unavailable(error);
      }
    },

    async fetch({ jobId, fileName }, targetPath) {
      try {
        const answer = await client.send(
          new GetObjectCommand({ Bucket: bucket, Key: keyOf(jobId, fileName) }),
        );
        if (!(answer.Body instanceof Readable)) throw new Error('the store sent no body');
        await pipeline(answer.Body, createWriteStream(targetPath));
      } catch (error) {
        throw unavailable(error);
      }
    },

    async remove({ jobId, fileName }) {
      try {
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: keyOf(jobId, fileName) }));
      } catch (error) {
        throw unavailable(error);
      }
    },

    async removeJob(jobId) {
      try {
        const page = await client.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: keyOf(jobId, '') }),
        );
        for (const object of page.Contents ?? []) {
          if (object.Key !== undefined) {
            await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: object.Key }));
          }
        }
      } catch (error) {
        throw unavailable(error);
      }
    },

    deliver: (file, request) =>
      (settings.S3_DOWNLOAD === 'redirect' ? redirect : stream)(file, request),

    async removeOlderThan(maxAgeMs, now = Date.now()) {
      const removed = new Set<string>();
      let continuation: string | undefined;
      try {
        do {
          const page = await client.send(
            new ListObjectsV2Command({
              Bucket: bucket,
              Prefix: settings.S3_PREFIX,
              ...(continuation === undefined ? {} : { ContinuationToken: continuation }),
            }),
          );
          for (const object of page.Contents ?? []) {
            if (object.Key === undefined || object.LastModified === undefined) continue;
            // Only what the service writes: `<job id>/<file>` and its readiness probes.
            if (!/^[^/]+\/[^/]+$/.test(object.Key.slice(settings.S3_PREFIX.length))) continue;
            if (now - object.LastModified.getTime() <= maxAgeMs) continue;
            await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: object.Key }));
            removed.add(object.Key.slice(settings.S3_PREFIX.length).split('/')[0] ?? '');
          }
          continuation = page.IsTruncated === true ? page.NextContinuationToken : undefined;
        } while (continuation !== undefined);
      } catch (error) {
        throw unavailable(error);
      }
      return [...removed];
    },

    freeBytes: () => Promise.resolve(undefined),

    // Reachable and writable: a small object goes in and out again.
    async check() {
      const key = `${settings.S3_PREFIX}.ready-probe/${randomUUID()}`;
      const abortSignal = AbortSignal.timeout(CHECK_TIMEOUT_MS);
      try {
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'ok' }), {
          abortSignal,
        });
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }), { abortSignal });
      } catch (error) {
        throw unavailable(error);
      }
    },
  };
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
