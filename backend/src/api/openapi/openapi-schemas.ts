import { FORMATS, type Config } from '../../config/config-schema';
import { ERROR_CATALOGUE } from '../../errors/app-error';
import type { JobView } from '../../job/render-job';
import { RESERVED_TOP_LEVEL_NAMES } from '../../job-files/asset-path';
import type { RenderImageStatus, WorkerStatus } from '../../queue/worker-status';
import { expectedOutput } from '../../render/output-discovery';
import type { SceneClass } from '../../render/scene-detection';
import { WEBHOOK_EVENTS, type WebhookPayload } from '../../webhooks/webhook-payload';
import type { Readiness } from '../readiness';
import {
  describeField,
  renderFieldRules,
  renderRequestJsonSchema,
  SCENE_FILE_MAX_LENGTH,
  type FORM_ONLY_FIELDS,
  type RENDER_FIELDS,
} from '../render-request-schema';
import { jobFileLimits, type UPLOAD_FIELDS } from '../render-uploads';
import type { describeLimits } from '../routes/limits-routes';
import { contractComponents } from './contract-components';
import type { JsonValue, SchemaObject } from './openapi-types';

/**
 * The component schemas of the OpenAPI description. The job contract's come from its zod schemas
 * (contract-components.ts), the render request's from its field rules (render-request-schema.ts);
 * the others are written here against their TypeScript types (see `objectOf`), so that a field
 * added to one of those without being described does not compile.
 */

type Field<Optional extends boolean> = { schema: SchemaObject; optional: Optional };

/** Every key of T, each marked optional exactly when T declares it optional. */
type FieldsOf<T> = { [K in keyof T]-?: Field<undefined extends T[K] ? true : false> };

function required(schema: SchemaObject): Field<false> {
  return { schema, optional: false };
}

function optional(schema: SchemaObject): Field<true> {
  return { schema, optional: true };
}

/** A closed object schema whose properties and `required` list follow the interface T. */
function objectOf<T>(fields: FieldsOf<T>, extra: Omit<SchemaObject, 'type'> = {}): SchemaObject {
  const entries = Object.entries(fields) as Array<[string, Field<boolean>]>;
  const requiredNames = entries.filter(([, field]) => !field.optional).map(([name]) => name);
  return {
    type: 'object',
    ...extra,
    properties: Object.fromEntries(entries.map(([name, field]) => [name, field.schema])),
    ...(requiredNames.length > 0 ? { required: requiredNames } : {}),
    additionalProperties: false,
  };
}

export function ref(name: SchemaName): SchemaObject {
  return { $ref: `#/components/schemas/${name}` };
}

const string = (description?: string): SchemaObject => ({
  type: 'string',
  ...(description === undefined ? {} : { description }),
});
const integer = (description?: string, minimum?: number, maximum?: number): SchemaObject => ({
  type: 'integer',
  ...(description === undefined ? {} : { description }),
  ...(minimum === undefined ? {} : { minimum }),
  ...(maximum === undefined ? {} : { maximum }),
});
const dateTime = (description: string): SchemaObject => ({
  type: 'string',
  format: 'date-time',
  description,
});

/** The delivered media types, one per output format (a transparent mp4 is delivered as mov). */
export function resultContentTypes(): string[] {
  const types = FORMATS.map(
    (format) =>
      expectedOutput({ scene: 'S', quality: 'low', format, transparent: false, timeoutSeconds: 1 })
        .contentType,
  );
  return [...new Set(types)];
}

export type ResponseLimits = ReturnType<typeof describeLimits>;
export type JobLogs = { id: string; status: JobView['status']; lines: string[] };

const JOB_ID_EXAMPLE = '5b0e7c1e-3f5d-4d8e-9a43-2f1f8b6f0c9d';
const JOB_URL_EXAMPLE = `/api/animation/jobs/${JOB_ID_EXAMPLE}`;
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
    description: `Files the scene reads or imports (images, SVGs, sounds, fonts, data, Python modules), repeat the field for each. Each lands at the relative path its file name gives (e.g. images/logo.png) next to the scene: at most ${limits.maxFiles} files (MAX_ASSET_FILES), ${limits.maxFileBytes} bytes each (MAX_ASSET_FILE_MB), ${limits.maxTotalBytes} bytes together (MAX_ASSETS_TOTAL_MB). Absolute paths, "..", links and the names ${RESERVED_TOP_LEVEL_NAMES.join(', ')} at the top are refused with 400. A font can be used by its family name.`,
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
    cache: field('cache'),
    callbackUrl: field('callbackUrl'),
  };
  // Exactly one of the three shapes matches; a field of another shape is empty or left out.
  const shape = (
    title: string,
    required: UploadField | 'code',
    restricted: Record<string, SchemaObject>,
  ): SchemaObject => ({ title, required: [required], properties: restricted });
  return {
    type: 'object',
    description:
      'The render request as a form, in one of three shapes: the code in "code", or as an uploaded .py file in "file" (each with its files in "assets"), or a whole project archive in "project". The other fields are those of a JSON request, as text.',
    properties,
    additionalProperties: false,
    oneOf: [
      shape('Code', 'code', {
        code: { ...(notBlank === undefined ? {} : { pattern: notBlank }) },
        sceneFile: empty('Only with "project".'),
      }),
      shape('Scene file', 'file', { sceneFile: empty('Only with "project".') }),
      shape('Project', 'project', { assets: { maxItems: 0 } }),
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
        links: { self: JOB_URL_EXAMPLE, video: `${JOB_URL_EXAMPLE}/video` },
      }),
    },
    ReusedJob: {
      ...contract.ReusedJob,
      ...example({
        ...COMPLETED_JOB_EXAMPLE,
        links: { self: JOB_URL_EXAMPLE, video: `${JOB_URL_EXAMPLE}/video` },
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
    JobLogs: objectOf<JobLogs>(
      {
        id: required(string()),
        status: required(ref('JobStatus')),
        lines: required({
          type: 'array',
          items: { type: 'string' },
          description:
            "Manim's output: its log, then its tracebacks and warnings, the last lines of each; empty until the render has run.",
        }),
      },
      {
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
    ),
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
          maxLength: config.MAX_CODE_BYTES,
          description: `Python source, at most ${config.MAX_CODE_BYTES} UTF-8 bytes; scanned, never run.`,
        },
      },
      required: ['code'],
      ...example({ code: 'from manim import *\nclass Intro(Scene):\n    pass\n' }),
    },
    SceneClass: objectOf<SceneClass>({
      name: required(string('The class name.')),
      line: required(integer('Line of its class statement, from 1.', 1)),
    }),
    SceneList: {
      type: 'object',
      properties: { scenes: { type: 'array', items: ref('SceneClass') } },
      required: ['scenes'],
      additionalProperties: false,
      ...example({ scenes: [{ name: 'Intro', line: 2 }] }),
    },
    Limits: limitsSchema(),
    Health: {
      type: 'object',
      properties: { status: { type: 'string', enum: ['ok'] } },
      required: ['status'],
      additionalProperties: false,
    },
    WorkerStatus: objectOf<WorkerStatus>({
      workerId: required(string()),
      hostname: required(string()),
      pid: required(integer()),
      startedAt: required(dateTime('When the worker started.')),
      engine: required(
        objectOf<WorkerStatus['engine']>({
          ok: required({ type: 'boolean' }),
          error: optional(string('Why the engine does not answer.')),
          hint: optional(string('How to fix it.')),
          checkedAt: optional(dateTime('When the worker last asked the engine.')),
        }),
      ),
      images: required({
        type: 'array',
        description: 'The render image of each Manim version the worker serves, newest first.',
        items: objectOf<RenderImageStatus>({
          manimVersion: required(string('The Manim version it renders with.')),
          name: required(string('The render image.')),
          present: required({ type: 'boolean' }),
          pulling: optional({
            type: 'boolean',
            description:
              'The worker pulls the missing image now and takes no jobs until it is there (only for a RENDER_IMAGE it may pull).',
          }),
          error: optional(string('Why the last pull failed; kept until a pull succeeds.')),
          hint: optional(string('How to fix it.')),
          retryAt: optional(dateTime('When the worker tries the pull again.')),
        }),
      }),
      paused: required({
        type: 'boolean',
        description:
          'True while the worker takes no new jobs (starting, engine away, or pulling its render image).',
      }),
      warmPool: optional(
        objectOf<NonNullable<WorkerStatus['warmPool']>>({
          size: required(integer('Warm render containers the worker keeps (WARM_POOL_SIZE).', 0)),
          ready: required(integer('How many of them are ready for a job now.', 0)),
        }),
      ),
    }),
    Readiness: readinessSchema(),
    WebhookPayload: objectOf<WebhookPayload>(
      {
        event: required({ type: 'string', enum: WEBHOOK_EVENTS }),
        deliveryId: required(
          string('The same for every attempt; receivers use it to drop repeats.'),
        ),
        jobId: required(string()),
        timestamp: required(dateTime('When the event was created; the same for every attempt.')),
        job: required(ref('JobView')),
        links: required(ref('JobLinks')),
      },
      {
        description:
          'The body of a webhook request: the job as it ended (without its own webhooks list or position).',
      },
    ),
  };
}

function limitsSchema(): SchemaObject {
  type Limits = ResponseLimits;
  return objectOf<Limits>(
    {
      defaults: required(
        objectOf<Limits['defaults']>({
          manimVersion: required(string('The Manim version of a request that names none.')),
          quality: required(ref('Quality')),
          format: required(ref('OutputFormat')),
          timeoutSeconds: required(integer(undefined, 1)),
        }),
      ),
      caps: required(
        objectOf<Limits['caps']>({
          quality: required(ref('Quality')),
          fps: required(integer(undefined, 1)),
          width: required(integer(undefined, 1)),
          height: required(integer(undefined, 1)),
          timeoutSeconds: required(integer(undefined, 1)),
          codeBytes: required(integer(undefined, 1)),
        }),
      ),
      qualities: required({
        type: 'array',
        items: ref('Quality'),
        description: 'The qualities a request may ask for.',
      }),
      formats: required({ type: 'array', items: ref('OutputFormat') }),
      manimVersions: required({
        type: 'array',
        items: { type: 'string' },
        description: 'The Manim versions a request may name in manimVersion, newest first.',
      }),
      assets: required(
        objectOf<Limits['assets']>(
          {
            maxFiles: required(integer('Most files beside the scene (MAX_ASSET_FILES).', 0)),
            maxFileBytes: required(integer('Largest file (MAX_ASSET_FILE_MB).', 1)),
            maxTotalBytes: required(
              integer('Largest total, unpacked for an archive (MAX_ASSETS_TOTAL_MB).', 1),
            ),
            archiveFormats: required({
              type: 'array',
              items: { type: 'string', enum: ['zip', 'tar.gz'] },
              description: 'What a "project" archive may be.',
            }),
            reservedNames: required({
              type: 'array',
              items: { type: 'string' },
              description: 'Names a file may not have at the top of the project.',
            }),
          },
          { description: 'What a request may send beside its scene (assets, or a project).' },
        ),
      ),
      container: required(
        objectOf<Limits['container']>(
          {
            memoryMb: required(integer(undefined, 1)),
            cpus: required({ type: 'number', minimum: 0 }),
            pidsLimit: required(integer(undefined, 1)),
            maxFileMb: required(integer(undefined, 1)),
            jobFolderMaxMb: required(
              integer('Most the render may write into its job folder (JOB_FOLDER_MAX_MB).', 1),
            ),
            jobFolderMaxFiles: required(
              integer(
                'Most files and folders the render may create there (JOB_FOLDER_MAX_FILES).',
                1,
              ),
            ),
            tmpfsMb: required(integer(undefined, 1)),
            network: required({ type: 'string', enum: ['none'] }),
          },
          { description: 'What each render container is given.' },
        ),
      ),
    },
    { description: 'The defaults a request gets, the caps it is held to, the container limits.' },
  );
}

function readinessSchema(): SchemaObject {
  type Checks = Readiness['checks'];
  return objectOf<Readiness>(
    {
      status: required({ type: 'string', enum: ['ready', 'not_ready'] }),
      checks: required(
        objectOf<Checks>({
          redis: required(
            objectOf<Checks['redis']>({
              ok: required({ type: 'boolean' }),
              error: optional(string()),
            }),
          ),
          disk: required(
            objectOf<Checks['disk']>({
              ok: required({ type: 'boolean' }),
              freeMb: optional(integer(undefined, 0)),
              minFreeMb: required(integer('MIN_FREE_DISK_MB; 0 turns the check off.', 0)),
              error: optional(string()),
            }),
          ),
          workers: required(
            objectOf<Checks['workers']>({
              ok: required({ type: 'boolean' }),
              count: required(integer(undefined, 0)),
              workers: required({ type: 'array', items: ref('WorkerStatus') }),
              error: optional(string()),
            }),
          ),
        }),
      ),
      problems: required({
        type: 'array',
        items: { type: 'string' },
        description: 'One line per failing part: what fails, where, and how to fix it.',
      }),
    },
    { description: 'Whether a render submitted now can finish, and what to fix when not.' },
  );
}
