import { z } from 'zod';
import {
  FORMATS,
  QUALITIES,
  type Config,
  type OutputFormat,
  type Quality,
} from '../config/config-schema';
import { MIN_DIMENSION, MIN_FPS } from '../job/job-view-schema';
import type { Chunks, Resolution } from '../job/render-job';
import { CALLBACK_URL_MAX_LENGTH, checkCallbackUrl } from '../webhooks/callback-url';
import { wholeNumberPattern } from './number-pattern';

/**
 * The fields of a render request, each one zod schema that both validates the field and
 * describes it in the OpenAPI document (through zod's JSON Schema output). A field takes its JSON
 * type or the text a multipart form sends ("30", "true"), so the same request means the same
 * thing in both encodings; left out, null or empty, it takes its default.
 */

export const RENDER_FIELDS = [
  'code',
  'scene',
  'manimVersion',
  'quality',
  'format',
  'fps',
  'resolution',
  'transparent',
  'timeout',
  'chunks',
  'preview',
  'cache',
  'callbackUrl',
] as const;
export type RenderField = (typeof RENDER_FIELDS)[number];

/** Text fields only a multipart request has: the scene file inside a `project` archive. */
export const FORM_ONLY_FIELDS = ['sceneFile'] as const;

export const SCENE_NAME_MAX_LENGTH = 200;
export const SCENE_FILE_MAX_LENGTH = 512;

export type RenderRequestConfig = Pick<
  Config,
  | 'MAX_CODE_BYTES'
  | 'DEFAULT_QUALITY'
  | 'DEFAULT_FORMAT'
  | 'MAX_QUALITY'
  | 'MAX_FPS'
  | 'MAX_WIDTH'
  | 'MAX_HEIGHT'
  | 'RENDER_TIMEOUT_SECONDS'
  | 'MAX_RENDER_TIMEOUT_SECONDS'
  | 'WEBHOOK_ALLOW_PRIVATE_TARGETS'
  | 'MANIM_VERSIONS'
  | 'SPLIT_MAX_CHUNKS'
>;

/** One field: its schema, and what to tell a client whose value the schema refused. */
export interface FieldRule<T> {
  schema: z.ZodType<T | undefined, unknown>;
  problem(raw: unknown): string;
}

/** What each field comes to once valid; `undefined` means "take the default". */
export interface RenderFieldValues {
  code: string;
  scene: string;
  manimVersion: string;
  quality: Quality;
  format: OutputFormat;
  fps: number;
  resolution: Resolution;
  transparent: boolean;
  timeout: number;
  chunks: Chunks;
  preview: boolean;
  cache: boolean;
  callbackUrl: string;
}

export type RenderFieldRules = { [K in RenderField]: FieldRule<RenderFieldValues[K]> };

// Python's identifier rule (PEP 3131), the same one scene detection tokenizes with.
const PYTHON_IDENTIFIER = /^[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*$/u;
/** The description's form of a scene name: JSON Schema tools know no Unicode classes. */
const SCENE_NAME_TEXT = `^[A-Za-z_][A-Za-z0-9_]{0,${SCENE_NAME_MAX_LENGTH - 1}}$`;
/** Code must hold something besides white space. */
const NOT_BLANK = /\S/;

/**
 * How a request arrives: JSON, where a field takes its JSON type or its text, or a multipart
 * form, whose fields are all text. The rules of a form are the JSON ones without the JSON types;
 * requests of both kinds are validated with the JSON rules, which take the text forms too.
 */
export type RequestEncoding = 'json' | 'form';

export function renderFieldRules(
  config: RenderRequestConfig,
  encoding: RequestEncoding = 'json',
): RenderFieldRules {
  const json = encoding === 'json';
  /** Left out, null (JSON only) or an empty form field: the default. */
  const defaulted = <T>(schema: z.ZodType<T, unknown>, description: string) =>
    z
      .union(json ? [schema, z.literal(''), z.null()] : [schema, z.literal('')])
      .optional()
      .transform((value): T | undefined => (value === '' || value === null ? undefined : value))
      .meta({ description });
  /** A whole number from `min` to `max`: a JSON integer, or its digits as a form sends them. */
  const wholeNumber = (min: number, max: number) => {
    const digits = z
      .string()
      .regex(new RegExp(`^0*${wholeNumberPattern(min, max)}$`))
      .transform(Number);
    return json ? z.union([z.int().min(min).max(max), digits]) : digits;
  };
  const flag = () => {
    const text = z.enum(['true', 'false']).transform((value) => value === 'true');
    return json ? z.union([z.boolean(), text]) : text;
  };

  const allowedQualities = QUALITIES.slice(0, QUALITIES.indexOf(config.MAX_QUALITY) + 1);
  const served = config.MANIM_VERSIONS;
  const dimension = (max: number) => `0*${wholeNumberPattern(MIN_DIMENSION, max, { even: true })}`;
  const rules: RenderFieldRules = {
    code: {
      // The limit counts UTF-8 bytes, which a schema's maxLength (characters) cannot say.
      schema: z
        .string()
        .regex(NOT_BLANK)
        .meta({
          description: `Python source of the scene, at most ${config.MAX_CODE_BYTES} UTF-8 bytes (MAX_CODE_BYTES; larger code gets 413); not empty or only white space.`,
        }),
      problem: (raw) =>
        typeof raw === 'string'
          ? 'must contain Python code, but it is empty or only whitespace'
          : `must be a string, got ${describe(raw)}`,
    },
    scene: {
      schema: defaulted(
        z
          .string()
          .max(SCENE_NAME_MAX_LENGTH)
          .refine((name) => PYTHON_IDENTIFIER.test(name))
          .meta({ pattern: SCENE_NAME_TEXT }),
        `The Scene subclass to render: a Python class name of at most ${SCENE_NAME_MAX_LENGTH} characters (letters of any script are taken too). Without it the code must define exactly one scene.`,
      ),
      problem: (raw) =>
        `must be the name of a Python class such as "MyScene", got ${describe(raw)}`,
    },
    manimVersion: {
      schema: defaulted(
        // `v0.22.0` as in the official images' tags.
        z
          .enum([...served, ...served.map((version) => `v${version}`)] as [string, ...string[]])
          .transform((version) => version.replace(/^v/, '')),
        `The Manim Community version to render with: one of ${served.join(', ')} (MANIM_VERSIONS); default ${served[0] ?? ''}, the newest.`,
      ),
      problem: (raw) =>
        `must be one of the Manim versions this server renders with: ${served.join(', ')} (MANIM_VERSIONS), got ${describe(raw)}`,
    },
    quality: {
      schema: defaulted(
        z.enum(allowedQualities as [Quality, ...Quality[]]),
        `Render quality; default ${config.DEFAULT_QUALITY} (DEFAULT_QUALITY), at most ${config.MAX_QUALITY} (MAX_QUALITY). low 854x480 15 fps, medium 1280x720 30 fps, high 1920x1080 60 fps, production 2560x1440 60 fps, 4k 3840x2160 60 fps.`,
      ),
      problem: (raw) =>
        QUALITIES.includes(raw as Quality)
          ? `${describe(raw)} is above this server's cap of ${config.MAX_QUALITY} (MAX_QUALITY)`
          : `must be one of ${QUALITIES.join(', ')}, got ${describe(raw)}`,
    },
    format: {
      schema: defaulted(
        z.enum(FORMATS),
        `Output format; default ${config.DEFAULT_FORMAT} (DEFAULT_FORMAT). png delivers the last frame as an image.`,
      ),
      problem: (raw) => `must be one of ${FORMATS.join(', ')}, got ${describe(raw)}`,
    },
    fps: {
      schema: defaulted(
        wholeNumber(MIN_FPS, config.MAX_FPS),
        `Frame rate, a whole number from ${MIN_FPS} to ${config.MAX_FPS} (MAX_FPS); overrides the quality's frame rate. Its string form ("30") is accepted too.`,
      ),
      problem: (raw) => {
        const value = wholeNumberOf(raw);
        const over =
          value !== undefined && value > config.MAX_FPS
            ? ` (this server's cap is ${config.MAX_FPS}, MAX_FPS)`
            : '';
        return `must be a whole number from ${MIN_FPS} to ${config.MAX_FPS}, got ${describe(raw)}${over}`;
      },
    },
    resolution: {
      schema: defaulted(
        z
          .string()
          .regex(new RegExp(`^${dimension(config.MAX_WIDTH)}[xX]${dimension(config.MAX_HEIGHT)}$`))
          .transform((text): Resolution => {
            const [width = 0, height = 0] = text.split(/[xX]/).map(Number);
            return { width, height };
          }),
        `WIDTHxHEIGHT in pixels, both even, width ${MIN_DIMENSION} to ${config.MAX_WIDTH} (MAX_WIDTH) and height ${MIN_DIMENSION} to ${config.MAX_HEIGHT} (MAX_HEIGHT); overrides the quality's resolution.`,
      ),
      problem: (raw) => resolutionProblem(raw, config),
    },
    transparent: {
      schema: defaulted(
        flag(),
        'Render with an alpha channel; default false. A transparent mp4 is delivered as mov. "true" and "false" are accepted too.',
      ),
      problem: (raw) => `must be true or false, got ${describe(raw)}`,
    },
    timeout: {
      schema: defaulted(
        wholeNumber(1, config.MAX_RENDER_TIMEOUT_SECONDS),
        `Wall-clock limit of the render in seconds, 1 to ${config.MAX_RENDER_TIMEOUT_SECONDS} (MAX_RENDER_TIMEOUT_SECONDS); default ${config.RENDER_TIMEOUT_SECONDS} (RENDER_TIMEOUT_SECONDS). Its string form ("30") is accepted too.`,
      ),
      problem: (raw) =>
        `must be a whole number of seconds from 1 to ${config.MAX_RENDER_TIMEOUT_SECONDS} (MAX_RENDER_TIMEOUT_SECONDS), got ${describe(raw)}`,
    },
    chunks: {
      schema: defaulted(
        z.union([z.literal('auto'), wholeNumber(1, config.SPLIT_MAX_CHUNKS)]),
        `How many containers render the scene's plays, in ranges that are joined without re-encoding: "auto" (the default) splits a long render at quality high or above when it pays, a whole number from 1 to ${config.SPLIT_MAX_CHUNKS} (SPLIT_MAX_CHUNKS) asks for that many at most, 1 renders in one container. The video is the same either way (docs/split-rendering.md).`,
      ),
      problem: (raw) =>
        `must be "auto" or a whole number from 1 to ${config.SPLIT_MAX_CHUNKS} (SPLIT_MAX_CHUNKS), got ${describe(raw)}`,
    },
    preview: {
      schema: defaulted(
        flag(),
        'true renders only the last frame, as PNG (Manim\'s --save_last_frame): a quick look at where the scene ends, in a fraction of the time of the video. The result is then a PNG, whatever the format says. Default false. "true" and "false" are accepted too.',
      ),
      problem: (raw) => `must be true or false, got ${describe(raw)}`,
    },
    cache: {
      schema: defaulted(
        flag(),
        'false renders again even when an identical render exists; default true. "true" and "false" are accepted too.',
      ),
      problem: (raw) => `must be true or false, got ${describe(raw)}`,
    },
    callbackUrl: {
      schema: defaulted(
        z
          .string()
          .max(CALLBACK_URL_MAX_LENGTH)
          .transform((url, context) => {
            const check = callbackCheck(url);
            if (check.ok) return check.value;
            context.issues.push({ code: 'custom', message: check.message, input: url });
            return z.NEVER;
          })
          .meta({ format: 'uri' }),
        `An absolute http(s) URL (at most ${CALLBACK_URL_MAX_LENGTH} characters, no user name or password) that gets a POST with the job once it has ended (see the callback of this operation). Internal addresses are refused unless WEBHOOK_ALLOW_PRIVATE_TARGETS is ${config.WEBHOOK_ALLOW_PRIVATE_TARGETS ? 'false; this server allows them' : 'true'}.`,
      ),
      problem: (raw) => {
        const check = callbackCheck(raw);
        return check.ok ? `is not accepted, got ${describe(raw)}` : check.message;
      },
    },
  };
  return rules;

  function callbackCheck(raw: unknown) {
    return checkCallbackUrl(raw, { allowPrivateTargets: config.WEBHOOK_ALLOW_PRIVATE_TARGETS });
  }
}

/** A JSON Schema object in the OpenAPI 3.0 dialect. */
export type JsonSchemaObject = Record<string, unknown>;

/** The description of one field's rule, as its input (what a client sends). */
export function describeField(rule: FieldRule<unknown>): JsonSchemaObject {
  return z.toJSONSchema(rule.schema, { target: 'openapi-3.0', io: 'input' }) as JsonSchemaObject;
}

/** The description of a JSON render request: every field, `code` required, no others. */
export function renderRequestJsonSchema(config: RenderRequestConfig): JsonSchemaObject {
  const rules = renderFieldRules(config, 'json');
  const request = z
    .strictObject(
      Object.fromEntries(RENDER_FIELDS.map((name) => [name, rules[name].schema])) as Record<
        RenderField,
        z.ZodType
      >,
    )
    .meta({
      description:
        'A render request. An optional field that is missing, null or an empty string takes its default. Unknown fields are rejected, each one named.',
    });
  return z.toJSONSchema(request, { target: 'openapi-3.0', io: 'input' }) as JsonSchemaObject;
}

function resolutionProblem(raw: unknown, config: RenderRequestConfig): string {
  const expected = `must be WIDTHxHEIGHT, each an even whole number, width ${MIN_DIMENSION} to ${config.MAX_WIDTH} and height ${MIN_DIMENSION} to ${config.MAX_HEIGHT} (MAX_WIDTH, MAX_HEIGHT; e.g. "1280x720")`;
  const match = typeof raw === 'string' ? /^(\d+)[xX](\d+)$/.exec(raw) : null;
  if (match === null) return `${expected}, got ${describe(raw)}`;
  const faults = [
    dimensionFault('width', Number(match[1]), config.MAX_WIDTH),
    dimensionFault('height', Number(match[2]), config.MAX_HEIGHT),
  ].filter((fault): fault is string => fault !== undefined);
  return `${expected}, got ${describe(raw)}${faults.length > 0 ? ` (${faults.join(', ')})` : ''}`;
}

function dimensionFault(name: string, value: number, max: number): string | undefined {
  if (value < MIN_DIMENSION) return `${name} ${value} is below ${MIN_DIMENSION}`;
  if (value > max) return `${name} ${value} is above ${max}`;
  if (value % 2 !== 0) return `${name} ${value} is odd`;
  return undefined;
}

/** A whole number in either form, for saying by how much a value is off. */
function wholeNumberOf(raw: unknown): number | undefined {
  if (typeof raw === 'number') return Number.isSafeInteger(raw) ? raw : undefined;
  if (typeof raw === 'string' && /^\d+$/.test(raw)) return Number(raw);
  return undefined;
}

/** A short, safe rendering of a client's value for an error message. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : typeof value;
}

export function quote(value: string | undefined): string {
  return JSON.stringify(truncate(value ?? '', 60));
}

export function truncate(value: string, maxLength: number): string {
  return value.length <= maxLength ? value : `${value.slice(0, maxLength)}...`;
}
