import path from 'node:path';
import {
  DEFAULT_URL,
  parseCliArguments,
  UsageError,
} from '../../../../src/cli/manim-render/cli-arguments';
import { assetPath } from '../../../../src/cli/manim-render/render-input';

describe('parseCliArguments', () => {
  it('reads a render with its options', () => {
    const command = parseCliArguments(
      [
        'render',
        'intro.py',
        '--scene',
        'Intro',
        '-q',
        '4k',
        '--format',
        'webm',
        '--fps',
        '24',
        '--resolution',
        '1280x720',
        '--transparent',
        '--timeout',
        '60',
        '--manim-version',
        '0.19.0',
        '--no-cache',
        '--preview',
        '--poster',
        '-a',
        'logo.png',
        '--asset',
        'data/points.csv',
        '-o',
        'videos',
        '--watch',
      ],
      {},
    );
    expect(command).toEqual({
      command: 'render',
      sceneFile: 'intro.py',
      connection: { url: DEFAULT_URL, apiKey: undefined },
      scene: 'Intro',
      quality: '4k',
      format: 'webm',
      fps: 24,
      resolution: '1280x720',
      transparent: true,
      timeout: 60,
      manimVersion: '0.19.0',
      cache: false,
      preview: true,
      poster: true,
      assets: ['logo.png', 'data/points.csv'],
      outDir: 'videos',
      watch: true,
    });
  });

  it('takes the service and key from the environment unless the flags name them', () => {
    const env = { MANIM_RENDER_URL: 'http://render:3001/', MANIM_RENDER_API_KEY: 'env-key' };
    expect(parseCliArguments(['scenes', 'a.py'], env)).toEqual({
      command: 'scenes',
      sceneFile: 'a.py',
      connection: { url: 'http://render:3001', apiKey: 'env-key' },
    });
    expect(
      parseCliArguments(['scenes', 'a.py', '--url', 'https://x.example', '--api-key', 'k'], env),
    ).toMatchObject({ connection: { url: 'https://x.example', apiKey: 'k' } });
  });

  it('answers help without a command, with help or with --help', () => {
    for (const argv of [[], ['help'], ['render', '--help'], ['-h']]) {
      expect(parseCliArguments(argv, {})).toEqual({ command: 'help' });
    }
  });

  it.each([
    [['draw', 'a.py'], 'Unknown command "draw"'],
    [['render'], 'render needs a scene file'],
    [['render', 'a.py', 'b.py'], 'Unexpected argument "b.py"'],
    [
      ['render', 'a.py', '--quality', 'ultra'],
      '--quality must be one of low, medium, high, production, 4k',
    ],
    [['render', 'a.py', '--fps', '2.5'], '--fps must be a whole number'],
    [['render', 'a.py', '--resolution', 'big'], '--resolution must be WIDTHxHEIGHT'],
    [['render', 'a.py', '--url', 'ftp://x'], '--url must be an http(s) URL'],
    [['render', 'a.py', '--colour'], "Unknown option '--colour'"],
    [['scenes', 'a.py', '--watch'], '--watch is an option of render'],
  ])('refuses %j', (argv, message) => {
    expect(() => parseCliArguments(argv, {})).toThrow(UsageError);
    expect(() => parseCliArguments(argv, {})).toThrow(message);
  });
});

describe('assetPath', () => {
  const folder = path.resolve('/work/scenes');

  it("is the file's path relative to the scene's folder", () => {
    expect(assetPath(folder, '/work/scenes/images/logo.png')).toBe('images/logo.png');
  });

  it("refuses files outside the scene's folder", () => {
    expect(() => assetPath(folder, '/work/other/logo.png')).toThrow(UsageError);
  });
});
