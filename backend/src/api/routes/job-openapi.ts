import type { ErrorCode } from '../../errors/app-error';
import {
  toOpenApiPath,
  headerRef,
  withRequestId,
  jsonResponse,
  emptyResponse,
  errorResponses,
  API_COMMON_ERRORS,
  MEDIA_COMMON_ERRORS,
  API_COMMON_NOTES,
  JOB_ID_PARAMETER,
  DOWNLOAD_PARAMETER,
  JOB_ERRORS,
  type OpenApiContext,
} from '../openapi/openapi-builders';
import { ref } from '../openapi/openapi-schemas';
import type {
  HeaderObject,
  MediaTypeObject,
  OperationObject,
  PathItemObject,
  ReferenceObject,
} from '../openapi/openapi-types';
import { JOB_PATH, LOGS_PATH, POSTER_PATH, VIDEO_PATH } from './job-routes';
import { DELIVERED_CONTENT_TYPES } from '../../job/output-files';

/** One job: its view, cancel, logs, file and poster. */
export function jobPaths(context: OpenApiContext): Record<string, PathItemObject> {
  const { config, api, media } = context;
  const videoBinary = Object.fromEntries(
    DELIVERED_CONTENT_TYPES.map((type) => [type, { schema: { type: 'string', format: 'binary' } }]),
  ) as Record<string, MediaTypeObject>;
  const videoHeaders: Record<string, HeaderObject | ReferenceObject> = {
    'Content-Disposition': {
      description:
        'inline, or attachment with download=1; filename, plus filename* (RFC 6266) for names that are not plain ASCII.',
      schema: { type: 'string' },
    },
    'Accept-Ranges': { schema: { type: 'string', enum: ['bytes'] } },
    'Content-Length': { schema: { type: 'integer', minimum: 0 } },
    ETag: { schema: { type: 'string' } },
    'Last-Modified': { schema: { type: 'string' } },
  };
  const redirectsToStore = config.STORAGE === 's3' && config.S3_DOWNLOAD === 'redirect';
  /** The errors of a route that sends a file of a completed job, kept in the output store. */
  const storedFileErrors = (
    file: string,
    ownCodes: ErrorCode[] = [],
    ownNotes: Partial<Record<ErrorCode, string>> = {},
  ) =>
    errorResponses(
      [
        ...MEDIA_COMMON_ERRORS,
        'validation_failed',
        'job_not_found',
        'job_not_completed',
        ...ownCodes,
        'queue_unavailable',
        ...(config.STORAGE === 's3' ? (['output_store_unavailable'] as const) : []),
      ],
      {
        ...API_COMMON_NOTES,
        job_not_found: `unknown, expired or implausible id, another API key's job, or the job record remains but its ${file} is gone`,
        job_not_completed: 'the job is queued, active, failed or cancelled',
        validation_failed: 'download is not 1, true, 0 or false',
        output_store_unavailable: 'the object store that keeps the file does not answer',
        ...ownNotes,
      },
    );
  const videoGet = (method: 'get' | 'head'): OperationObject =>
    media({
      operationId: method === 'get' ? 'getJobVideo' : 'headJobVideo',
      tags: ['Jobs'],
      summary:
        method === 'get' ? "Download or stream the job's file" : "The headers of the job's file",
      description:
        method === 'get'
          ? 'The rendered file of a completed job, with its Content-Type and HTTP Range support (seekable in a <video>). Several ranges, or an invalid Range, get the whole file. If-None-Match / If-Modified-Since get 304.'
          : 'The same headers as GET, without the body.',
      parameters: [
        JOB_ID_PARAMETER,
        DOWNLOAD_PARAMETER,
        {
          name: 'Range',
          in: 'header',
          description: 'One byte range, e.g. bytes=0-1023.',
          schema: { type: 'string', pattern: '^bytes=' },
          example: 'bytes=0-1023',
        },
      ],
      responses: {
        '200': {
          description: "The whole file; its type is the job's result.contentType.",
          headers: withRequestId(videoHeaders),
          content: method === 'get' ? videoBinary : {},
        },
        '206': {
          description: 'The requested byte range.',
          headers: withRequestId({
            ...videoHeaders,
            'Content-Range': {
              required: true,
              description: 'bytes <first>-<last>/<size>',
              schema: { type: 'string', pattern: '^bytes \\d+-\\d+/\\d+$' },
            },
          }),
          content: method === 'get' ? videoBinary : {},
        },
        '304': emptyResponse("The client's cached copy is current."),
        ...(redirectsToStore
          ? {
              '302': emptyResponse(
                'The file is fetched from the object store: Location is a presigned URL, valid for S3_PRESIGN_SECONDS.',
                { Location: headerRef('Location') },
              ),
            }
          : {}),
        ...storedFileErrors('file'),
        '412': emptyResponse('An If-Match / If-Unmodified-Since precondition failed (empty body).'),
        '416': emptyResponse('The range lies outside the file (empty body).', {
          'Content-Range': {
            required: true,
            description: 'bytes */<size>',
            schema: { type: 'string', pattern: '^bytes \\*/\\d+$' },
          },
        }),
      },
    });

  const posterGet = (method: 'get' | 'head'): OperationObject =>
    media({
      operationId: method === 'get' ? 'getJobPoster' : 'headJobPoster',
      tags: ['Jobs'],
      summary: method === 'get' ? "The job's poster: its last frame" : 'The headers of the poster',
      description:
        'The last frame of a completed job as PNG (for a PNG result, the file itself): a thumbnail for a video, or a look at the result without playing it. Conditional requests get 304 as for the video.',
      parameters: [JOB_ID_PARAMETER, DOWNLOAD_PARAMETER],
      responses: {
        '200': {
          description: 'The poster.',
          headers: withRequestId(videoHeaders),
          content:
            method === 'get'
              ? { 'image/png': { schema: { type: 'string', format: 'binary' } } }
              : {},
        },
        '304': emptyResponse("The client's cached copy is current."),
        ...(redirectsToStore
          ? {
              '302': emptyResponse(
                'The poster is fetched from the object store: Location is a presigned URL.',
                { Location: headerRef('Location') },
              ),
            }
          : {}),
        ...storedFileErrors('poster file', ['poster_not_found'], {
          poster_not_found: 'the video could not be read for a poster (its log says why)',
        }),
      },
    });

  return {
    [toOpenApiPath(JOB_PATH)]: {
      get: api({
        operationId: 'getJob',
        tags: ['Jobs'],
        summary: 'The job as it is now',
        description:
          'Status, progress, and the result or the error. Poll it until the status is completed, failed or cancelled, or follow its events instead.',
        parameters: [JOB_ID_PARAMETER],
        responses: {
          '200': jsonResponse('The job view.', ref('JobView')),
          ...JOB_ERRORS,
        },
      }),
      delete: api({
        operationId: 'cancelJob',
        tags: ['Jobs'],
        summary: 'Cancel a queued or running job',
        description:
          "A queued job is taken out of the queue at once; a running job's container is killed. Waits up to 5 s for a running job to end.",
        parameters: [JOB_ID_PARAMETER],
        responses: {
          '200': jsonResponse('The job is cancelled (`status: cancelled`).', ref('JobView')),
          '202': jsonResponse(
            'A running job was told to stop but has not ended within 5 s; its current view. Follow or poll it.',
            ref('JobView'),
          ),
          ...errorResponses(
            [...API_COMMON_ERRORS, 'job_not_found', 'job_already_finished', 'queue_unavailable'],
            {
              ...API_COMMON_NOTES,
              job_not_found: "unknown, expired or implausible id, or another API key's job",
              job_already_finished: 'the job has completed, failed or been cancelled already',
            },
          ),
        },
      }),
    },
    [toOpenApiPath(LOGS_PATH)]: {
      get: api({
        operationId: 'getJobLogs',
        tags: ['Jobs'],
        summary: 'What Manim printed for the job',
        parameters: [JOB_ID_PARAMETER],
        responses: {
          '200': jsonResponse("The job's output lines.", ref('JobLogs')),
          ...JOB_ERRORS,
        },
      }),
    },
    [toOpenApiPath(VIDEO_PATH)]: { get: videoGet('get'), head: videoGet('head') },
    [toOpenApiPath(POSTER_PATH)]: { get: posterGet('get'), head: posterGet('head') },
  };
}
