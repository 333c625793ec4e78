import { AppError } from '../errors/app-error';
import type { RenderOptions } from '../job/render-job';
import { resolveScene } from '../manim/scene-detection';
import {
  describe,
  FORM_ONLY_FIELDS,
  quote,
  RENDER_FIELDS,
  renderFieldRules,
  truncate,
  type RenderField,
  type RenderFieldRules,
  type RenderFieldValues,
  type RenderRequestConfig,
} from './render-request-schema';

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

type FieldResult<T> = { ok: true; value: T } | { ok: false; message: string };

const KNOWN_FIELDS: ReadonlySet<string> = new Set([...RENDER_FIELDS, ...FORM_ONLY_FIELDS]);

/**
 * Turns the fields of a render request (a JSON object, or the text fields of a multipart form)
 * into validated render options, each field by its rule in render-request-schema.ts.
 */
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

  const rules = rulesFor(config);
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
    if (source.field !== 'code') {
      // What an uploaded file holds is beyond the request's schema: a 422, not a 400.
      const fileNameMessage =
        source.fileName === undefined ? undefined : pythonFileNameProblem(source.fileName);
      if (fileNameMessage !== undefined) {
        throw invalidFiles([{ field: 'file', message: fileNameMessage }]);
      }
      if (!rules.code.schema.safeParse(source.code).success) {
        throw invalidFiles([
          {
            field: source.field,
            message: `must contain Python code, but ${fileLabel(source.fileName)} is empty or only whitespace`,
          },
        ]);
      }
    } else if (!rules.code.schema.safeParse(source.code).success) {
      problems.push({
        field: 'code',
        message: 'must contain Python code, but it is empty or only whitespace',
      });
    }
  }

  const read = <K extends Exclude<RenderField, 'code'>>(
    name: K,
  ): RenderFieldValues[K] | undefined => {
    const raw = fields[name];
    const parsed = rules[name].schema.safeParse(raw);
    if (parsed.success) return parsed.data;
    problems.push({ field: name, message: rules[name].problem(raw) });
    return undefined;
  };
  const scene = read('scene');
  const manimVersion = read('manimVersion');
  const quality = read('quality');
  const format = read('format');
  const fps = read('fps');
  const resolution = read('resolution');
  const transparent = read('transparent');
  const timeout = read('timeout');
  const chunks = read('chunks');
  const preview = read('preview');
  const cache = read('cache');
  const callbackUrl = read('callbackUrl');

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
    format: preview === true ? 'png' : (format ?? config.DEFAULT_FORMAT),
    transparent: transparent ?? false,
    timeoutSeconds: timeout ?? config.RENDER_TIMEOUT_SECONDS,
    chunks: chunks ?? 'auto',
  };
  if (preview === true) options.preview = true;
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
  if (nameMessage !== undefined) throw invalidFiles([{ field: 'file', message: nameMessage }]);
  try {
    // A leading byte order mark is dropped, as Python itself does.
    return new TextDecoder('utf-8', { fatal: true }).decode(content);
  } catch {
    throw invalidFiles([
      {
        field: 'file',
        message: `must be UTF-8 text, but ${quote(fileName)} is not valid UTF-8; save it as UTF-8 and upload it again`,
      },
    ]);
  }
}

/**
 * A 422: the request is well formed, but an uploaded file cannot be used as it is (its name, its
 * encoding, what an archive holds), which no schema of the request can say.
 */
export function invalidFiles(problems: FieldProblem[]): AppError {
  return requestProblems('invalid_files', problems);
}

export function validationError(problems: FieldProblem[]): AppError {
  return requestProblems('validation_failed', problems);
}

function requestProblems(
  code: 'invalid_files' | 'validation_failed',
  problems: FieldProblem[],
): AppError {
  const listed = problems.map((problem) => `${problem.field} ${problem.message}`).join('; ');
  return new AppError(code, `Invalid render request: ${listed}`, { details: { problems } });
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

function newestVersion(served: readonly string[]): string {
  const [newest] = served;
  if (newest === undefined) throw new Error('MANIM_VERSIONS is empty');
  return newest;
}

function fileLabel(fileName: string | undefined): string {
  return fileName === undefined ? 'file' : `file ${quote(fileName)}`;
}

const rulesByConfig = new WeakMap<RenderRequestConfig, RenderFieldRules>();

/** The rules depend on the configuration only, which is parsed once: built once per config. */
function rulesFor(config: RenderRequestConfig): RenderFieldRules {
  let rules = rulesByConfig.get(config);
  if (!rules) {
    rules = renderFieldRules(config);
    rulesByConfig.set(config, rules);
  }
  return rules;
}
