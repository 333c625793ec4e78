import { FORMATS, QUALITIES, type Config, type Quality } from '../config/config-schema';
import { AppError } from '../errors/app-error';
import type { RenderOptions, Resolution } from '../job/render-job';
import { resolveScene } from '../render/scene-detection';
import { checkCallbackUrl } from '../webhooks/callback-url';

/**
 * Turns the fields of a render request (a JSON object, or the text fields of a multipart form)
 * into validated render options. Every field accepts its JSON type or the string form a multipart
 * form sends ("30", "true"), so the same request means the same thing in both encodings.
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
  'cache',
  'callbackUrl',
] as const;

/** Text fields only a multipart request has: the scene file inside a `project` archive. */
export const FORM_ONLY_FIELDS = ['sceneFile'] as const;

export const MIN_FPS = 1;
export const MIN_DIMENSION = 16;
export const SCENE_NAME_MAX_LENGTH = 200;

export interface RenderRequestInput {
  fields: Record<string, unknown>;
  uploadedCode?: string;
  uploadedFileName?: string;
  /** The form field the uploaded code came in: a .py `file`, or the scene file of a `project`. */
  uploadedField?: 'file' | 'project';
  /** The request brings Python modules, so a scene may derive from a class they define. */
  importsModules?: boolean;
}

export interface FieldProblem {
  field: string;
  message: string;
}

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
>;

type FieldResult<T> = { ok: true; value: T } | { ok: false; message: string };

// Python's identifier rule (PEP 3131), the same one scene detection tokenizes with.
const PYTHON_IDENTIFIER = /^[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*$/u;
const RESOLUTION_PATTERN = /^(\d+)[xX](\d+)$/;
const KNOWN_FIELDS: ReadonlySet<string> = new Set([...RENDER_FIELDS, ...FORM_ONLY_FIELDS]);

export function parseRenderRequest(
  input: RenderRequestInput,
  config: RenderRequestConfig,
): { code: string; options: RenderOptions; cache: boolean; callbackUrl?: string } {
  const { fields } = input;
  const problems: FieldProblem[] = [];
  const check = <T>(field: string, result: FieldResult<T>): T | undefined => {
    if (result.ok) return result.value;
    problems.push({ field, message: result.message });
    return undefined;
  };

  const source = check('code', codeSource(input));
  if (source !== undefined) {
    const sizeBytes = Buffer.byteLength(source.code, 'utf8');
    if (sizeBytes > config.MAX_CODE_BYTES) {
      const where =
        source.field === 'code' ? 'Scene code' : `Uploaded ${fileLabel(source.fileName)}`;
      throw new AppError(
        'payload_too_large',
        `${where} is ${sizeBytes} bytes (UTF-8), over the limit of ${config.MAX_CODE_BYTES} bytes`,
        { details: { field: source.field, sizeBytes, limitBytes: config.MAX_CODE_BYTES } },
      );
    }
    if (source.field !== 'code' && source.fileName !== undefined) {
      const fileNameMessage = pythonFileNameProblem(source.fileName);
      if (fileNameMessage !== undefined) problems.push({ field: 'file', message: fileNameMessage });
    }
    if (source.code.trim() === '') {
      problems.push({
        field: source.field,
        message:
          source.field !== 'code'
            ? `must contain Python code, but ${fileLabel(source.fileName)} is empty or only whitespace`
            : 'must contain Python code, but it is empty or only whitespace',
      });
    }
  }

  const scene = check('scene', optional(fields.scene, parseSceneName));
  const manimVersion = check(
    'manimVersion',
    optional(fields.manimVersion, parseManimVersion(config.MANIM_VERSIONS)),
  );
  const quality = check('quality', optional(fields.quality, parseQuality(config.MAX_QUALITY)));
  const format = check('format', optional(fields.format, oneOf(FORMATS)));
  const fps = check('fps', optional(fields.fps, parseFps(config.MAX_FPS)));
  const resolution = check(
    'resolution',
    optional(fields.resolution, parseResolution(config.MAX_WIDTH, config.MAX_HEIGHT)),
  );
  const transparent = check('transparent', optional(fields.transparent, parseBoolean));
  const timeout = check(
    'timeout',
    optional(fields.timeout, parseTimeout(config.MAX_RENDER_TIMEOUT_SECONDS)),
  );

  const cache = check('cache', optional(fields.cache, parseBoolean));
  const callbackUrl = check(
    'callbackUrl',
    optional(fields.callbackUrl, (raw) =>
      checkCallbackUrl(raw, { allowPrivateTargets: config.WEBHOOK_ALLOW_PRIVATE_TARGETS }),
    ),
  );

  for (const name of Object.keys(fields)) {
    if (!KNOWN_FIELDS.has(name)) {
      problems.push({
        field: truncate(name, 64),
        message: `is not a known field (known fields: ${[...RENDER_FIELDS, ...FORM_ONLY_FIELDS].join(', ')})`,
      });
    }
  }

  if (problems.length > 0 || source === undefined) throw validationError(problems);

  const options: RenderOptions = {
    scene: resolveScene(source.code, scene, { importsModules: input.importsModules === true }),
    manimVersion: manimVersion ?? newestVersion(config.MANIM_VERSIONS),
    quality: quality ?? config.DEFAULT_QUALITY,
    format: format ?? config.DEFAULT_FORMAT,
    transparent: transparent ?? false,
    timeoutSeconds: timeout ?? config.RENDER_TIMEOUT_SECONDS,
  };
  if (fps !== undefined) options.fps = fps;
  if (resolution !== undefined) options.resolution = resolution;
  const request = { code: source.code, options, cache: cache ?? true };
  return callbackUrl === undefined ? request : { ...request, callbackUrl };
}

/**
 * Reads an uploaded scene file. Checks the name before the bytes, so that a wrong file (say, a
 * PNG) is reported as the wrong kind of file rather than as broken text.
 */
export function decodeUploadedCode(fileName: string, content: Uint8Array): string {
  const nameMessage = pythonFileNameProblem(fileName);
  if (nameMessage !== undefined) throw validationError([{ field: 'file', message: nameMessage }]);
  try {
    // A leading byte order mark is dropped, as Python itself does.
    return new TextDecoder('utf-8', { fatal: true }).decode(content);
  } catch {
    throw validationError([
      {
        field: 'file',
        message: `must be UTF-8 text, but ${quote(fileName)} is not valid UTF-8; save it as UTF-8 and upload it again`,
      },
    ]);
  }
}

export function validationError(problems: FieldProblem[]): AppError {
  const listed = problems.map((problem) => `${problem.field} ${problem.message}`).join('; ');
  return new AppError('validation_failed', `Invalid render request: ${listed}`, {
    details: { problems },
  });
}

function codeSource(
  input: RenderRequestInput,
): FieldResult<{ code: string; field: 'code' | 'file' | 'project'; fileName?: string }> {
  const raw = input.fields.code;
  // An empty form field is what a browser sends for an untouched textarea next to a file input.
  const codeGiven = raw !== undefined && raw !== null && raw !== '';

  if (input.uploadedCode !== undefined) {
    if (codeGiven) {
      return {
        ok: false,
        message:
          'must not be sent together with an uploaded file; send the code either in "code" or as a .py file in "file"',
      };
    }
    return {
      ok: true,
      value: {
        code: input.uploadedCode,
        field: input.uploadedField ?? 'file',
        fileName: input.uploadedFileName,
      },
    };
  }
  if (raw === undefined || raw === null) {
    return {
      ok: false,
      message: 'is required: send the Python code in "code" or upload a .py file in "file"',
    };
  }
  if (typeof raw !== 'string')
    return { ok: false, message: `must be a string, got ${describe(raw)}` };
  return { ok: true, value: { code: raw, field: 'code' } };
}

function pythonFileNameProblem(fileName: string): string | undefined {
  if (/\.py$/i.test(fileName)) return undefined;
  return `must be a Python file whose name ends in .py, got ${quote(fileName)}`;
}

/** An optional field left out, sent as null, or sent as an empty form field takes its default. */
function optional<T>(
  raw: unknown,
  parse: (value: unknown) => FieldResult<T>,
): FieldResult<T | undefined> {
  if (raw === undefined || raw === null || raw === '') return { ok: true, value: undefined };
  return parse(raw);
}

function parseSceneName(raw: unknown): FieldResult<string> {
  if (
    typeof raw === 'string' &&
    raw.length <= SCENE_NAME_MAX_LENGTH &&
    PYTHON_IDENTIFIER.test(raw)
  ) {
    return { ok: true, value: raw };
  }
  return {
    ok: false,
    message: `must be the name of a Python class such as "MyScene", got ${describe(raw)}`,
  };
}

function parseManimVersion(served: readonly string[]): (raw: unknown) => FieldResult<string> {
  return (raw) => {
    const wanted = typeof raw === 'string' ? raw.trim().replace(/^v/, '') : undefined;
    const match = served.find((version) => version === wanted);
    if (match !== undefined) return { ok: true, value: match };
    return {
      ok: false,
      message: `must be one of the Manim versions this server renders with: ${served.join(', ')} (MANIM_VERSIONS), got ${describe(raw)}`,
    };
  };
}

function newestVersion(served: readonly string[]): string {
  const [newest] = served;
  if (newest === undefined) throw new Error('MANIM_VERSIONS is empty');
  return newest;
}

function oneOf<T extends string>(allowed: readonly T[]): (raw: unknown) => FieldResult<T> {
  return (raw) => {
    const match = allowed.find((value) => value === raw);
    if (match !== undefined) return { ok: true, value: match };
    return { ok: false, message: `must be one of ${allowed.join(', ')}, got ${describe(raw)}` };
  };
}

function parseQuality(cap: Quality): (raw: unknown) => FieldResult<Quality> {
  const known = oneOf(QUALITIES);
  return (raw) => {
    const result = known(raw);
    if (result.ok && QUALITIES.indexOf(result.value) > QUALITIES.indexOf(cap)) {
      return {
        ok: false,
        message: `${describe(raw)} is above this server's cap of ${cap} (MAX_QUALITY)`,
      };
    }
    return result;
  };
}

function parseFps(cap: number): (raw: unknown) => FieldResult<number> {
  return (raw) => {
    const value = parseWholeNumber(raw);
    if (value !== undefined && value >= MIN_FPS && value <= cap) return { ok: true, value };
    const over =
      value !== undefined && value > cap ? ` (this server's cap is ${cap}, MAX_FPS)` : '';
    return {
      ok: false,
      message: `must be a whole number from ${MIN_FPS} to ${cap}, got ${describe(raw)}${over}`,
    };
  };
}

function parseTimeout(cap: number): (raw: unknown) => FieldResult<number> {
  return (raw) => {
    const value = parseWholeNumber(raw);
    if (value !== undefined && value >= 1 && value <= cap) return { ok: true, value };
    return {
      ok: false,
      message: `must be a whole number of seconds from 1 to ${cap} (MAX_RENDER_TIMEOUT_SECONDS), got ${describe(raw)}`,
    };
  };
}

function parseResolution(
  maxWidth: number,
  maxHeight: number,
): (raw: unknown) => FieldResult<Resolution> {
  return (raw) => {
    const expected = `must be WIDTHxHEIGHT, each an even whole number, width ${MIN_DIMENSION} to ${maxWidth} and height ${MIN_DIMENSION} to ${maxHeight} (MAX_WIDTH, MAX_HEIGHT; e.g. "1280x720")`;
    const match = typeof raw === 'string' ? RESOLUTION_PATTERN.exec(raw) : null;
    if (match === null) return { ok: false, message: `${expected}, got ${describe(raw)}` };

    const width = Number(match[1]);
    const height = Number(match[2]);
    const faults = [
      dimensionFault('width', width, maxWidth),
      dimensionFault('height', height, maxHeight),
    ].filter((fault): fault is string => fault !== undefined);
    if (faults.length > 0) {
      return { ok: false, message: `${expected}, got ${describe(raw)} (${faults.join(', ')})` };
    }
    return { ok: true, value: { width, height } };
  };
}

function dimensionFault(name: string, value: number, max: number): string | undefined {
  if (value < MIN_DIMENSION) return `${name} ${value} is below ${MIN_DIMENSION}`;
  if (value > max) return `${name} ${value} is above ${max}`;
  if (value % 2 !== 0) return `${name} ${value} is odd`;
  return undefined;
}

function parseBoolean(raw: unknown): FieldResult<boolean> {
  if (raw === true || raw === 'true') return { ok: true, value: true };
  if (raw === false || raw === 'false') return { ok: true, value: false };
  return { ok: false, message: `must be true or false, got ${describe(raw)}` };
}

/** A JSON integer, or a string of decimal digits as a form sends it. */
function parseWholeNumber(raw: unknown): number | undefined {
  if (typeof raw === 'number') return Number.isSafeInteger(raw) ? raw : undefined;
  if (typeof raw !== 'string' || !/^\d+$/.test(raw)) return undefined;
  const value = Number(raw);
  return Number.isSafeInteger(value) ? value : undefined;
}

/** A short, safe rendering of a client's value for an error message. */
function describe(value: unknown): string {
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : typeof value;
}

function fileLabel(fileName: string | undefined): string {
  return fileName === undefined ? 'file' : `file ${quote(fileName)}`;
}

function quote(value: string | undefined): string {
  return JSON.stringify(truncate(value ?? '', 60));
}

function truncate(value: string, maxLength: number): string {
  return value.length <= maxLength ? value : `${value.slice(0, maxLength)}...`;
}
