import type { Config } from '../../config/config-schema';
import { ERROR_CATALOGUE } from '../../errors/app-error';
import type { JobView } from '../../job/render-job';
import { RESERVED_TOP_LEVEL_NAMES } from '../../uploads/asset-path';
import {
  describeField,
  renderFieldRules,
  renderRequestJsonSchema,
  SCENE_FILE_MAX_LENGTH,
  type FORM_ONLY_FIELDS,
  type RENDER_FIELDS,
} from '../render-request-schema';
import { jobFileLimits, type UPLOAD_FIELDS } from '../render-uploads';
import { contractComponents } from './contract-components';
import type { JsonValue, SchemaObject } from './openapi-types';

/**
 * The component schemas of the OpenAPI description: the contract's from its zod schemas
 * (contract-components.ts), the render request's from its field rules (render-request-schema.ts),
 * with the examples shown in the documentation.
 */

export function ref(name: SchemaName): SchemaObject {
  return { $ref: `#/components/schemas/${name}` };
}

const JOB_ID_EXAMPLE = '5b0e7c1e-3f5d-4d8e-9a43-2f1f8b6f0c9d';
const JOB_URL_EXAMPLE = `/api/animation/jobs/${JOB_ID_EXAMPLE}`;
/** A made-up token: the real ones are signed with the deployment's secret. */
const TOKEN_EXAMPLE =
  'djF8dmlkZW98MTczNzM3MjUwMnw1YjBlN2MxZQ.q1Xk0S8bJ3mN2Yw7pTc4hRzLfVdGe6uAoI9sK5jBnM0';
const BROWSER_LINKS_EXAMPLE = {
  video: `${JOB_URL_EXAMPLE}/video?token=${TOKEN_EXAMPLE}`,
  poster: `${JOB_URL_EXAMPLE}/poster?token=${TOKEN_EXAMPLE}`,
  events: `${JOB_URL_EXAMPLE}/events?token=${TOKEN_EXAMPLE}`,
  expiresAt: '2025-01-20T11:15:02.000Z',
};
const COMPLETED_JOB_EXAMPLE = {
  id: JOB_ID_EXAMPLE,
  status: 'completed',
  progress: { stage: 'done', percent: 100 },
  createdAt: '2025-01-20T10:15:02.118Z',
  startedAt: '2025-01-20T10:15:02.530Z',
  finishedAt: '2025-01-20T10:15:14.902Z',
  options: {
    scene: 'Intro',
    manimVersion: '0.22.0',
    quality: 'medium',
    format: 'mp4',
    transparent: false,
    timeoutSeconds: 300,
  },
  result: {
    fileName: 'Intro.mp4',
    contentType: 'video/mp4',
    sizeBytes: 148211,
    url: `${JOB_URL_EXAMPLE}/video`,
  },
  browserLinks: BROWSER_LINKS_EXAMPLE,
} satisfies JobView;

/**
 * The multipart form of a render request: the fields of a JSON request as text (their rules in
 * render-request-schema.ts), the uploads, and which of them go together.
 */
function renderUploadSchema(config: Config): SchemaObject {
  const rules = renderFieldRules(config, 'form');
  const field = (name: (typeof RENDER_FIELDS)[number]) =>
    describeField(rules[name]) as SchemaObject;
  const limits = jobFileLimits(config);
  const { pattern: notBlank, ...code } = field('code');
  const assets: SchemaObject = {
    type: 'array',
    maxItems: limits.maxFiles,
    items: { type: 'string', format: 'binary' },
    description: `Files the scene reads or imports (images, SVGs, sounds, fonts, data, Python modules), repeat the field for each. Each lands at the relative path its file name gives (e.g. images/logo.png) next to the scene: at most ${limits.maxFiles} files (MAX_ASSET_FILES), ${limits.maxFileBytes} bytes each (MAX_ASSET_FILE_MB), ${limits.maxTotalBytes} bytes together (MAX_ASSETS_TOTAL_MB). Absolute paths, "..", links and the names ${RESERVED_TOP_LEVEL_NAMES.join(', ')} at the top are refused with 422 (invalid_files). A font can be used by its family name.`,
  };
  const empty = (description: string): SchemaObject => ({
    type: 'string',
    enum: [''],
    description,
  });
  const properties: Record<
    (typeof RENDER_FIELDS)[number] | (typeof FORM_ONLY_FIELDS)[number] | UploadField,
    SchemaObject
  > = {
    code: {
      ...code,
      description: `${code.description ?? ''} Leave it empty when a file or project is uploaded (a browser sends the code's textarea empty next to a file input).`,
    },
    file: {
      type: 'string',
      format: 'binary',
      description: `One .py file (UTF-8, at most ${config.MAX_CODE_BYTES} bytes) holding the scene code. In the render container it is scene.py.`,
    },
    assets,
    project: {
      type: 'string',
      format: 'binary',
      description: `One .zip or .tar.gz of a project folder (at most ${limits.maxTotalBytes} bytes, and as much unpacked, under the same limits as "assets"). Its scene file is "sceneFile", or the one Python file that defines scenes.`,
    },
    sceneFile: {
      type: 'string',
      maxLength: SCENE_FILE_MAX_LENGTH,
      description:
        'With "project": the path of the scene file inside the archive, e.g. scenes/intro.py.',
    },
    scene: field('scene'),
    manimVersion: field('manimVersion'),
    quality: field('quality'),
    format: field('format'),
    fps: field('fps'),
    resolution: field('resolution'),
    transparent: field('transparent'),
    timeout: field('timeout'),
    chunks: field('chunks'),
    preview: field('preview'),
    cache: field('cache'),
    callbackUrl: field('callbackUrl'),
  };
  // Exactly one of the three shapes matches; a field of another shape is empty or left out. A
  // field a shape must not have gets a schema no value meets. The shapes exclude each other, so
  // `anyOf` says what `oneOf` would: Schemathesis 4.32 checks the values it draws for a `oneOf`, or
  // for a `not`, with a validator that cannot read uploads and crashes ("Unsupported type:
  // 'Binary'").
  const absent: SchemaObject = { type: 'string', minLength: 1, maxLength: 0 };
  const shape = (
    title: string,
    required: UploadField | 'code',
    restricted: Record<string, SchemaObject>,
    without: UploadField[],
  ): SchemaObject => ({
    title,
    required: [required],
    properties: {
      ...restricted,
      ...Object.fromEntries(
        without.map((name) => [name, { ...absent, description: `Not with "${required}".` }]),
      ),
    },
  });
  const onlyWithProject = empty('Only with "project".');
  const noCode = empty('Empty or left out: the code comes from the upload.');
  return {
    type: 'object',
    description:
      'The render request as a form, in one of three shapes: the code in "code", or as an uploaded .py file in "file" (each with its files in "assets"), or a whole project archive in "project". The other fields are those of a JSON request, as text.',
    properties,
    additionalProperties: false,
    anyOf: [
      shape(
        'Code',
        'code',
        {
          code: { ...(notBlank === undefined ? {} : { pattern: notBlank }) },
          sceneFile: onlyWithProject,
        },
        ['file', 'project'],
      ),
      shape('Scene file', 'file', { code: noCode, sceneFile: onlyWithProject }, ['project']),
      shape('Project', 'project', { code: noCode, assets: { maxItems: 0 } }, ['file']),
    ],
  };
}

type UploadField = (typeof UPLOAD_FIELDS)[number];

export type SchemaName =
  | 'ErrorCode'
  | 'ErrorBody'
  | 'ErrorResponse'
  | 'Quality'
  | 'OutputFormat'
  | 'JobStatus'
  | 'RenderStage'
  | 'RenderProgress'
  | 'Resolution'
  | 'RenderOptions'
  | 'RenderResult'
  | 'JobView'
  | 'JobLinks'
  | 'BrowserLinks'
  | 'SubmittedJob'
  | 'ReusedJob'
  | 'JobLogs'
  | 'RenderRequest'
  | 'RenderUpload'
  | 'SceneRequest'
  | 'SceneClass'
  | 'SceneList'
  | 'Limits'
  | 'Health'
  | 'WorkerStatus'
  | 'Readiness'
  | 'WebhookDelivery'
  | 'WebhookReceipt'
  | 'WebhookPayload';

export function componentSchemas(config: Config): Record<SchemaName, SchemaObject> {
  const example = (value: JsonValue): { example: JsonValue } => ({ example: value });
  const contract = contractComponents();
  return {
    ...contract,
    JobView: { ...contract.JobView, ...example(COMPLETED_JOB_EXAMPLE) },
    SubmittedJob: {
      ...contract.SubmittedJob,
      ...example({
        id: JOB_ID_EXAMPLE,
        status: 'queued',
        links: {
          self: JOB_URL_EXAMPLE,
          video: `${JOB_URL_EXAMPLE}/video`,
          poster: `${JOB_URL_EXAMPLE}/poster`,
        },
        browserLinks: BROWSER_LINKS_EXAMPLE,
      }),
    },
    JobLogs: {
      ...contract.JobLogs,
      ...example({
        id: JOB_ID_EXAMPLE,
        status: 'failed',
        lines: [
          '--- stdout ---',
          'Manim Community v0.19.0',
          '--- stderr ---',
          "NameError: name 'undefined_name' is not defined",
        ],
      }),
    },
    SceneList: { ...contract.SceneList, ...example({ scenes: [{ name: 'Intro', line: 2 }] }) },
    ReusedJob: {
      ...contract.ReusedJob,
      ...example({
        ...COMPLETED_JOB_EXAMPLE,
        links: {
          self: JOB_URL_EXAMPLE,
          video: `${JOB_URL_EXAMPLE}/video`,
          poster: `${JOB_URL_EXAMPLE}/poster`,
        },
        reused: true,
      }),
    },
    ErrorResponse: {
      type: 'object',
      description: 'The body of every error response.',
      properties: { error: ref('ErrorBody') },
      required: ['error'],
      additionalProperties: false,
      ...example({
        error: {
          code: 'validation_failed',
          message:
            'Invalid render request: quality must be one of low, medium, high, production, 4k, got "ultra"',
          hint: ERROR_CATALOGUE.validation_failed.hint,
          details: {
            problems: [
              {
                field: 'quality',
                message: 'must be one of low, medium, high, production, 4k, got "ultra"',
              },
            ],
          },
        },
      }),
    },
    RenderRequest: {
      ...(renderRequestJsonSchema(config) as SchemaObject),
      ...example({
        code: 'from manim import *\n\nclass Intro(Scene):\n    def construct(self):\n        self.play(Write(Text("Hello")))\n',
        quality: 'low',
        format: 'mp4',
      }),
    },
    RenderUpload: renderUploadSchema(config),
    SceneRequest: {
      type: 'object',
      properties: {
        code: {
          type: 'string',
          description: `Python source, at most ${config.MAX_CODE_BYTES} UTF-8 bytes (larger code gets 413); scanned, never run.`,
        },
      },
      required: ['code'],
      ...example({ code: 'from manim import *\nclass Intro(Scene):\n    pass\n' }),
    },
  };
}
