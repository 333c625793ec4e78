import {
  decodeUploadedCode,
  parseRenderRequest,
  type FieldProblem,
  type RenderRequestInput,
} from '../../../src/api/render-request';
import { loadConfig } from '../../../src/config/load-config';
import { AppError } from '../../../src/errors/app-error';

// Caps at their widest, so these tests see the format rules; the caps have tests of their own.
const config = loadConfig({
  MAX_CODE_BYTES: '1000',
  MAX_QUALITY: '4k',
  MAX_FPS: '120',
  MAX_WIDTH: '7680',
  MAX_HEIGHT: '4320',
});
const code = 'from manim import *\n\nclass Intro(Scene):\n    def construct(self):\n        pass\n';
const twoScenes = `${code}\nclass Outro(Scene):\n    pass\n`;

function parse(fields: Record<string, unknown>, upload: Partial<RenderRequestInput> = {}) {
  return parseRenderRequest({ fields, ...upload }, config);
}

function errorOf(action: () => unknown): AppError {
  try {
    action();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected an AppError, but nothing was thrown');
}

function problemsOf(action: () => unknown): FieldProblem[] {
  const error = errorOf(action);
  expect(error.code).toBe('validation_failed');
  expect(error.status).toBe(400);
  return (error.details?.problems ?? []) as FieldProblem[];
}

/** The problems of a 422 invalid_files: an uploaded file that cannot be used as it is. */
function fileProblemsOf(action: () => unknown): FieldProblem[] {
  const error = errorOf(action);
  expect(error.code).toBe('invalid_files');
  expect(error.status).toBe(422);
  return (error.details?.problems ?? []) as FieldProblem[];
}

function fieldsWithProblems(action: () => unknown): string[] {
  return problemsOf(action).map((problem) => problem.field);
}

describe('parseRenderRequest', () => {
  describe('with only code', () => {
    it('renders the single scene at the configured default quality and format, opaque', () => {
      expect(parse({ code })).toEqual({
        code,
        options: {
          scene: 'Intro',
          manimVersion: '0.22.0',
          quality: 'medium',
          format: 'mp4',
          transparent: false,
          timeoutSeconds: 300,
          chunks: 'auto',
        },
        cache: true,
      });
    });

    it('lets a request turn the reuse of identical renders off', () => {
      expect(parse({ code, cache: false }).cache).toBe(false);
      expect(parse({ code, cache: 'false' }).cache).toBe(false);
      expect(fieldsWithProblems(() => parse({ code, cache: 'sometimes' }))).toEqual(['cache']);
    });

    it('takes the defaults from the configuration', () => {
      const custom = loadConfig({ DEFAULT_QUALITY: 'low', DEFAULT_FORMAT: 'webm' });
      const { options } = parseRenderRequest({ fields: { code } }, custom);
      expect(options).toMatchObject({ quality: 'low', format: 'webm' });
    });

    it('leaves fps and resolution out so the quality decides them', () => {
      const { options } = parse({ code });
      expect(options).not.toHaveProperty('fps');
      expect(options).not.toHaveProperty('resolution');
    });
  });

  describe('with every option set in JSON types', () => {
    it('passes each option through', () => {
      const { options } = parse({
        code: twoScenes,
        scene: 'Outro',
        quality: '4k',
        format: 'gif',
        fps: 60,
        resolution: '1920x1080',
        transparent: true,
        timeout: 60,
        chunks: 3,
      });
      expect(options).toEqual({
        scene: 'Outro',
        manimVersion: '0.22.0',
        quality: '4k',
        format: 'gif',
        fps: 60,
        resolution: { width: 1920, height: 1080 },
        transparent: true,
        timeoutSeconds: 60,
        chunks: 3,
      });
    });
  });

  describe('with multipart form strings', () => {
    it('coerces "30" to a number and "true"/"false" to booleans', () => {
      expect(parse({ code, fps: '30', transparent: 'true' }).options).toMatchObject({
        fps: 30,
        transparent: true,
      });
      expect(parse({ code, transparent: 'false' }).options.transparent).toBe(false);
    });

    it('treats empty form fields as not sent', () => {
      const { options } = parse({
        code,
        scene: '',
        quality: '',
        format: '',
        fps: '',
        resolution: '',
        transparent: '',
        timeout: '',
      });
      expect(options).toEqual({
        scene: 'Intro',
        manimVersion: '0.22.0',
        quality: 'medium',
        format: 'mp4',
        transparent: false,
        timeoutSeconds: 300,
        chunks: 'auto',
      });
    });

    it('also accepts the string forms in JSON, so both encodings mean the same', () => {
      expect(parse({ code, fps: '24' }).options.fps).toBe(24);
    });

    it('treats JSON null as not sent', () => {
      expect(parse({ code, fps: null, scene: null }).options).toMatchObject({ scene: 'Intro' });
    });
  });

  describe('code', () => {
    it('is required when no file is uploaded', () => {
      const [problem] = problemsOf(() => parse({}));
      expect(problem?.field).toBe('code');
      expect(problem?.message).toContain('is required');
    });

    it('must be a string', () => {
      const [problem] = problemsOf(() => parse({ code: 42 }));
      expect(problem).toEqual({ field: 'code', message: 'must be a string, got 42' });
    });

    it('must not be empty or whitespace only', () => {
      expect(fieldsWithProblems(() => parse({ code: '  \n\t ' }))).toEqual(['code']);
    });

    it('must not be sent together with an uploaded file', () => {
      const [problem] = problemsOf(() =>
        parse({ code }, { uploadedCode: code, uploadedFileName: 'scene.py' }),
      );
      expect(problem?.field).toBe('code');
      expect(problem?.message).toContain('not be sent together with an uploaded file');
    });

    it('may sit empty next to an uploaded file, as a browser form sends it', () => {
      const result = parse({ code: '' }, { uploadedCode: code, uploadedFileName: 'scene.py' });
      expect(result.code).toBe(code);
    });

    it('is rejected with 413 naming the size and the limit when over MAX_CODE_BYTES', () => {
      const error = errorOf(() => parse({ code: `# ${'é'.repeat(500)}\n${code}` }));
      const sizeBytes = 2 + 1000 + 1 + Buffer.byteLength(code);
      expect(error.code).toBe('payload_too_large');
      expect(error.status).toBe(413);
      expect(error.message).toBe(
        `Scene code is ${sizeBytes} bytes (UTF-8), over the limit of 1000 bytes`,
      );
      expect(error.details).toEqual({ field: 'code', sizeBytes, limitBytes: 1000 });
    });

    it('counts UTF-8 bytes, not characters, and accepts exactly the limit', () => {
      const padding = 1000 - Buffer.byteLength(code) - 4; // "#", "é" (2 bytes) and "\n"
      const atLimit = `${code}#${'x'.repeat(padding)}é\n`;
      expect(Buffer.byteLength(atLimit)).toBe(1000);
      expect(atLimit).toHaveLength(999);
      expect(parse({ code: atLimit }).code).toBe(atLimit);
      expect(errorOf(() => parse({ code: `${atLimit}#` })).status).toBe(413);
    });
  });

  describe('uploaded code', () => {
    const upload = { uploadedCode: code, uploadedFileName: 'my_scene.PY' };

    it('is used as the code', () => {
      expect(parse({}, upload).code).toBe(code);
    });

    it('must come from a file whose name ends in .py', () => {
      const [problem] = fileProblemsOf(() =>
        parse({}, { uploadedCode: code, uploadedFileName: 'scene.txt' }),
      );
      expect(problem).toEqual({
        field: 'file',
        message: 'must be a Python file whose name ends in .py, got "scene.txt"',
      });
    });

    it('must not be empty, and the problem names the file', () => {
      const [problem] = fileProblemsOf(() =>
        parse({}, { uploadedCode: '\n\n', uploadedFileName: 'empty.py' }),
      );
      expect(problem?.field).toBe('file');
      expect(problem?.message).toContain('"empty.py" is empty');
    });

    it('is rejected with 413 naming the file when over MAX_CODE_BYTES', () => {
      const error = errorOf(() =>
        parse({}, { uploadedCode: `#${'x'.repeat(1000)}`, uploadedFileName: 'big.py' }),
      );
      expect(error.status).toBe(413);
      expect(error.message).toBe(
        'Uploaded file "big.py" is 1001 bytes (UTF-8), over the limit of 1000 bytes',
      );
    });
  });

  describe('scene', () => {
    it('must be a Python identifier', () => {
      for (const scene of ['1Intro', 'my-scene', 'Intro()', 'a b', 42]) {
        expect(fieldsWithProblems(() => parse({ code, scene }))).toEqual(['scene']);
      }
    });

    it('may use non-ASCII letters, as Python allows', () => {
      const unicode = 'from manim import *\nclass Größe(Scene):\n    pass\n';
      expect(parse({ code: unicode, scene: 'Größe' }).options.scene).toBe('Größe');
    });

    it('is needed when the code defines several scenes, and the 422 names them', () => {
      const error = errorOf(() => parse({ code: twoScenes }));
      expect(error.code).toBe('scene_not_found');
      expect(error.status).toBe(422);
      expect(error.message).toContain('Intro, Outro');
    });

    it('must name a scene defined in the code, else 422 naming the scenes found', () => {
      const error = errorOf(() => parse({ code, scene: 'Missing' }));
      expect(error.code).toBe('scene_not_found');
      expect(error.status).toBe(422);
      expect(error.message).toContain('Missing');
      expect(error.message).toContain('Intro');
    });

    it('cannot be resolved when the code defines no scene (422)', () => {
      const error = errorOf(() => parse({ code: 'print("hello")\n' }));
      expect(error.code).toBe('scene_not_found');
    });
  });

  describe('quality', () => {
    it.each(['low', 'medium', 'high', 'production', '4k'])('accepts %s', (quality) => {
      expect(parse({ code, quality }).options.quality).toBe(quality);
    });

    it.each([['ultra'], ['LOW'], [1080], [true]])(
      'rejects %p, listing the allowed values',
      (quality) => {
        const [problem] = problemsOf(() => parse({ code, quality }));
        expect(problem?.field).toBe('quality');
        expect(problem?.message).toContain('must be one of low, medium, high, production, 4k');
      },
    );
  });

  describe('format', () => {
    it.each(['mp4', 'gif', 'webm', 'mov', 'png'])('accepts %s', (format) => {
      expect(parse({ code, format }).options.format).toBe(format);
    });

    it.each([['avi'], ['.mp4'], [4]])('rejects %p, listing the allowed values', (format) => {
      const [problem] = problemsOf(() => parse({ code, format }));
      expect(problem?.field).toBe('format');
      expect(problem?.message).toContain('must be one of mp4, gif, webm, mov, png');
    });
  });

  describe('preview', () => {
    it('renders the last frame as PNG, and says it is a preview', () => {
      expect(parse({ code, preview: true }).options).toMatchObject({
        format: 'png',
        preview: true,
      });
      expect(parse({ code, preview: 'true', format: 'png' }).options.format).toBe('png');
      expect(parse({ code, preview: false }).options).not.toHaveProperty('preview');
    });

    it('takes the place of a video format beside it', () => {
      expect(parse({ code, preview: true, format: 'mp4' }).options.format).toBe('png');
    });
  });

  describe('fps', () => {
    it.each([
      [1, 1],
      [120, 120],
      ['60', 60],
    ])('accepts %p as %p', (fps, expected) => {
      expect(parse({ code, fps }).options.fps).toBe(expected);
    });

    it.each([[0], [121], [-5], [29.97], ['30.5'], ['thirty'], ['1e2'], [true], [[30]]])(
      'rejects %p as not a whole number from 1 to 120',
      (fps) => {
        const [problem] = problemsOf(() => parse({ code, fps }));
        expect(problem?.field).toBe('fps');
        expect(problem?.message).toContain('must be a whole number from 1 to 120');
      },
    );
  });

  describe('resolution', () => {
    it.each([
      ['1280x720', { width: 1280, height: 720 }],
      ['7680x16', { width: 7680, height: 16 }],
      ['1080X1920', { width: 1080, height: 1920 }],
    ])('accepts %p', (resolution, expected) => {
      expect(parse({ code, resolution }).options.resolution).toEqual(expected);
    });

    it.each([
      ['1281x720', 'width 1281 is odd'],
      ['1280x721', 'height 721 is odd'],
      ['14x720', 'width 14 is below 16'],
      ['7682x720', 'width 7682 is above 7680'],
    ])('rejects %p, saying why (%s)', (resolution, reason) => {
      const [problem] = problemsOf(() => parse({ code, resolution }));
      expect(problem?.field).toBe('resolution');
      expect(problem?.message).toContain(reason);
    });

    it.each([['1280*720'], ['1280x'], ['x720'], ['-1280x720'], ['1280.0x720'], [1280]])(
      'rejects %p as not WIDTHxHEIGHT',
      (resolution) => {
        const [problem] = problemsOf(() => parse({ code, resolution }));
        expect(problem?.message).toContain('must be WIDTHxHEIGHT');
      },
    );
  });

  describe('transparent', () => {
    it.each([['yes'], ['1'], [1], ['TRUE'], [{}]])('rejects %p as not true or false', (value) => {
      const [problem] = problemsOf(() => parse({ code, transparent: value }));
      expect(problem?.field).toBe('transparent');
      expect(problem?.message).toContain('must be true or false');
    });
  });

  describe('the Manim version', () => {
    it('is the newest served unless the request names one it serves', () => {
      expect(parse({ code }).options.manimVersion).toBe('0.22.0');
      expect(parse({ code, manimVersion: '0.19.0' }).options.manimVersion).toBe('0.19.0');
      expect(parse({ code, manimVersion: 'v0.19.0' }).options.manimVersion).toBe('0.19.0');
    });

    it('answers an unknown version with the versions served', () => {
      expect(problemsOf(() => parse({ code, manimVersion: '0.18.1' }))).toEqual([
        {
          field: 'manimVersion',
          message:
            'must be one of the Manim versions this server renders with: 0.22.0, 0.19.0 (MANIM_VERSIONS), got "0.18.1"',
        },
      ]);
      expect(fieldsWithProblems(() => parse({ code, manimVersion: 22 }))).toEqual(['manimVersion']);
    });
  });

  describe('unknown fields', () => {
    it('are rejected, each named, with the known fields listed', () => {
      const problems = problemsOf(() => parse({ code, colour: 'red', file: 'x.py' }));
      expect(problems.map((problem) => problem.field)).toEqual(['colour', 'file']);
      expect(problems[0]?.message).toContain(
        'known fields: code, scene, manimVersion, quality, format, fps, resolution, transparent, timeout, chunks, preview, cache, callbackUrl, sceneFile',
      );
    });
  });

  describe('a request with several problems', () => {
    it('lists all of them at once, in the details and in the message', () => {
      const error = errorOf(() =>
        parse({
          code: '',
          scene: '9',
          quality: 'ultra',
          format: 'avi',
          fps: 0,
          resolution: '1x1',
          transparent: 'maybe',
          extra: true,
        }),
      );
      const problems = (error.details?.problems ?? []) as FieldProblem[];
      expect(problems.map((problem) => problem.field)).toEqual([
        'code',
        'scene',
        'quality',
        'format',
        'fps',
        'resolution',
        'transparent',
        'extra',
      ]);
      expect(error.message).toMatch(/^Invalid render request: code .+; scene .+; quality .+/);
      for (const problem of problems) {
        expect(error.message).toContain(`${problem.field} ${problem.message}`);
      }
    });

    it('reports field problems before looking for the scene', () => {
      expect(fieldsWithProblems(() => parse({ code: twoScenes, fps: 0 }))).toEqual(['fps']);
    });
  });
});

describe('decodeUploadedCode', () => {
  it('decodes UTF-8 text', () => {
    expect(decodeUploadedCode('scene.py', Buffer.from('# Größe\n', 'utf8'))).toBe('# Größe\n');
  });

  it('drops a leading byte order mark', () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('x = 1\n')]);
    expect(decodeUploadedCode('scene.py', bytes)).toBe('x = 1\n');
  });

  it('accepts .py in any letter case', () => {
    expect(decodeUploadedCode('SCENE.Py', Buffer.from('x = 1\n'))).toBe('x = 1\n');
  });

  it('rejects a name not ending in .py before looking at the bytes', () => {
    const error = errorOf(() => decodeUploadedCode('picture.png', Buffer.from([0x89, 0x50])));
    expect(error.code).toBe('invalid_files');
    expect(error.details?.problems).toEqual([
      { field: 'file', message: 'must be a Python file whose name ends in .py, got "picture.png"' },
    ]);
  });

  it('rejects bytes that are not valid UTF-8, naming the file', () => {
    const error = errorOf(() => decodeUploadedCode('latin.py', Buffer.from([0x23, 0xe4, 0x0a])));
    expect(error.status).toBe(422);
    expect(error.message).toContain('"latin.py" is not valid UTF-8');
  });

  describe("the server's caps", () => {
    const capped = loadConfig({
      MAX_QUALITY: 'high',
      MAX_FPS: '30',
      MAX_WIDTH: '1920',
      MAX_HEIGHT: '1080',
      RENDER_TIMEOUT_SECONDS: '60',
      MAX_RENDER_TIMEOUT_SECONDS: '120',
    });
    const parseCapped = (fields: Record<string, unknown>) =>
      parseRenderRequest({ fields: { code, ...fields } }, capped);

    it('refuses everything over a cap at once, naming each cap', () => {
      const problems = problemsOf(() =>
        parseCapped({ quality: '4k', fps: 60, resolution: '3840x2160', timeout: 600 }),
      );
      expect(problems.map((problem) => problem.field)).toEqual([
        'quality',
        'fps',
        'resolution',
        'timeout',
      ]);
      expect(problems[0]?.message).toContain('cap of high (MAX_QUALITY)');
      expect(problems[1]?.message).toContain("server's cap is 30");
      expect(problems[2]?.message).toContain('width 3840 is above 1920');
      expect(problems[3]?.message).toContain('from 1 to 120 (MAX_RENDER_TIMEOUT_SECONDS)');
    });

    it('accepts requests at the caps and applies the default timeout', () => {
      const { options } = parseCapped({ quality: 'high', fps: 30, resolution: '1920x1080' });
      expect(options).toMatchObject({ quality: 'high', fps: 30, timeoutSeconds: 60 });
      expect(parseCapped({ timeout: '120' }).options.timeoutSeconds).toBe(120);
    });
  });
});
