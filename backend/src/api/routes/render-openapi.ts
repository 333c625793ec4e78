import {
  toOpenApiPath,
  JSON_TYPE,
  headerRef,
  jsonResponse,
  jobLinks,
  errorResponses,
  API_COMMON_ERRORS,
  API_COMMON_NOTES,
  type OpenApiContext,
} from '../openapi/openapi-builders';
import { ref } from '../openapi/openapi-schemas';
import type { PathItemObject, SchemaObject } from '../openapi/openapi-types';
import { RENDER_PATH } from './render-routes';
import type { Config } from '../../config/config-schema';
import { WEBHOOK_EVENTS } from '../../webhooks/webhook-payload';
import { WEBHOOK_HEADERS } from '../../webhooks/webhook-signature';

const RENDER_REQUEST_EXAMPLES = {
  json: {
    summary: 'A scene at low quality',
    value: {
      code: 'from manim import *\n\nclass Intro(Scene):\n    def construct(self):\n        self.play(Write(Text("Hello")))\n',
      quality: 'low',
      format: 'mp4',
    },
  },
  options: {
    summary: 'Every option',
    value: {
      code: 'from manim import *\n\nclass Intro(Scene):\n    def construct(self):\n        self.play(Create(Circle()))\n',
      scene: 'Intro',
      quality: 'high',
      format: 'webm',
      fps: 24,
      resolution: '1280x720',
      transparent: true,
      timeout: 120,
      cache: false,
    },
  },
};

/** The POST a `callbackUrl` receives once its job has ended. */
function webhookCallback(config: Config): Record<string, PathItemObject> {
  const header = (name: string, description: string, schema: SchemaObject, required = true) => ({
    name: name.replace(
      /(^|-)([a-z])/g,
      (_match, dash: string, letter: string) => dash + letter.toUpperCase(),
    ),
    in: 'header' as const,
    required,
    description,
    schema,
  });
  return {
    '{$request.body#/callbackUrl}': {
      post: {
        operationId: 'jobEndedWebhook',
        tags: ['Renders'],
        summary: 'The job has ended (sent by this service)',
        description: `Sent once the job has completed, failed or been cancelled, also when the request was answered with an earlier identical job. Redirects are not followed. Any answer other than 2xx, or none within WEBHOOK_TIMEOUT_SECONDS (${config.WEBHOOK_TIMEOUT_SECONDS} s here), is retried with a doubling delay, up to WEBHOOK_MAX_ATTEMPTS (${config.WEBHOOK_MAX_ATTEMPTS}) attempts; the job view's \`webhooks\` shows how deliveries went.`,
        parameters: [
          header(WEBHOOK_HEADERS.event, 'The event, as in the body.', {
            type: 'string',
            enum: WEBHOOK_EVENTS,
          }),
          header(WEBHOOK_HEADERS.delivery, 'The delivery id, the same for every attempt.', {
            type: 'string',
          }),
          header(WEBHOOK_HEADERS.attempt, 'The attempt, from 1.', {
            type: 'string',
            pattern: '^\\d+$',
          }),
          header(WEBHOOK_HEADERS.timestamp, 'Unix seconds when this attempt was made.', {
            type: 'string',
            pattern: '^\\d+$',
          }),
          header(
            WEBHOOK_HEADERS.signature,
            'sha256=<hex HMAC-SHA256 with WEBHOOK_SECRET over "<timestamp>.<body>">; absent when the server has no WEBHOOK_SECRET. Check it, and refuse old timestamps.',
            { type: 'string', pattern: '^sha256=[0-9a-f]{64}$' },
            false,
          ),
        ],
        requestBody: {
          required: true,
          content: { [JSON_TYPE]: { schema: ref('WebhookPayload') } },
        },
        responses: {
          '2XX': { description: 'Delivered.' },
          default: { description: 'Not delivered: the attempt is retried.' },
        },
      },
    },
  };
}

/** Submitting a render. */
export function renderPaths(context: OpenApiContext): Record<string, PathItemObject> {
  const { config, api } = context;
  return {
    [toOpenApiPath(RENDER_PATH)]: {
      post: api({
        operationId: 'submitRender',
        tags: ['Renders'],
        summary: 'Queue a render',
        description:
          'Submits scene code. The scene class is resolved before queueing (the code is scanned, never run). A request identical to an earlier one (code, output options and render image) is answered with that job while it is queued or running (202) or once it has completed and its file exists (200), both with `reused: true`; `cache: false` forces a new render.',
        requestBody: {
          required: true,
          content: {
            [JSON_TYPE]: { schema: ref('RenderRequest'), examples: RENDER_REQUEST_EXAMPLES },
            'multipart/form-data': {
              schema: ref('RenderUpload'),
              encoding: {
                file: {
                  contentType: 'text/x-python, application/octet-stream',
                  headers: {
                    'Content-Disposition': {
                      description: 'The file name must end in .py.',
                      schema: { type: 'string' },
                      example: 'form-data; name="file"; filename="scene.py"',
                    },
                  },
                },
              },
            },
          },
        },
        callbacks: { jobEnded: webhookCallback(config) },
        responses: {
          '200': jsonResponse(
            'An identical render has completed; that job is returned.',
            ref('ReusedJob'),
            { headers: { Location: headerRef('Location') }, links: jobLinks() },
          ),
          '202': jsonResponse(
            'Queued; or attached to an identical render still under way (`reused: true`).',
            { oneOf: [ref('SubmittedJob'), ref('ReusedJob')] },
            { headers: { Location: headerRef('Location') }, links: jobLinks() },
          ),
          ...errorResponses(
            [
              ...API_COMMON_ERRORS,
              'validation_failed',
              'payload_too_large',
              'unsupported_media_type',
              'invalid_files',
              'scene_not_found',
              'queue_unavailable',
              'queue_full',
              'insufficient_storage',
            ],
            {
              ...API_COMMON_NOTES,
              validation_failed:
                'malformed JSON or form, a body that is not an object, bad or unknown fields (every one in details.problems), more assets than MAX_ASSET_FILES, or a value over a server cap',
              invalid_files:
                'an upload that cannot be used as it is: a scene file not named .py, not UTF-8 or empty; an asset path that is absolute, leaves its folder or repeats another; a project that is no readable .zip or .tar.gz, or holds a link, a bad path or too many files; a sceneFile the project does not have',
              payload_too_large: `code over MAX_CODE_BYTES (${config.MAX_CODE_BYTES} bytes), or a body, upload or field over its limit`,
              unsupported_media_type: 'neither application/json nor multipart/form-data',
              scene_not_found: 'no scene, several scenes and no `scene`, or `scene` not defined',
              queue_full: 'MAX_QUEUED_JOBS jobs are waiting already',
              insufficient_storage: 'less than MIN_FREE_DISK_MB free where outputs are written',
            },
          ),
        },
      }),
    },
  };
}
