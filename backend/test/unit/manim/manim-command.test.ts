import {
  buildManimArgs,
  commandRestoringOwner,
  manimConfigFile,
  RENDER_CONTAINER_PATHS,
  RENDER_ENVIRONMENT,
  restoreOwnerCommand,
} from '../../../src/manim/manim-command';
import type { RenderOptions } from '../../../src/job/render-job';

const base: RenderOptions = {
  scene: 'TestScene',
  quality: 'medium',
  format: 'mp4',
  transparent: false,
  timeoutSeconds: 300,
};

describe('buildManimArgs', () => {
  it('renders the named scene of scene.py into the media folder without the cache', () => {
    // mp4 is Manim's default: named, a scene without animations would fail from Manim 0.20 on.
    expect(buildManimArgs(base)).toEqual([
      'manim',
      'render',
      '--quality',
      'm',
      '--media_dir',
      '/job/media',
      '--disable_caching',
      'scene.py',
      'TestScene',
    ]);
  });

  it('names the scene file of a project at its place in the job folder', () => {
    expect(buildManimArgs(base, 'scenes/intro.py').slice(-2)).toEqual([
      'scenes/intro.py',
      'TestScene',
    ]);
  });

  it.each([
    ['low', 'l'],
    ['medium', 'm'],
    ['high', 'h'],
    ['production', 'p'],
    ['4k', 'k'],
  ] as const)('always passes a quality flag: %s is %s', (quality, flag) => {
    const args = buildManimArgs({ ...base, quality });
    expect(args.slice(2, 4)).toEqual(['--quality', flag]);
  });

  it.each(['gif', 'webm', 'mov'] as const)('passes --format %s', (format) => {
    const args = buildManimArgs({ ...base, format });
    expect(args.join(' ')).toContain(`--format ${format}`);
  });

  it("leaves mp4, Manim's default, unnamed", () => {
    expect(buildManimArgs(base)).not.toContain('--format');
  });

  it('renders only the last frame for png instead of a png sequence', () => {
    const args = buildManimArgs({ ...base, format: 'png' });
    expect(args).toContain('--save_last_frame');
    expect(args).not.toContain('--format');
  });

  it('adds --fps, --resolution and --transparent only when asked', () => {
    const args = buildManimArgs({
      ...base,
      fps: 24,
      resolution: { width: 640, height: 360 },
      transparent: true,
    });
    expect(args.join(' ')).toContain('--fps 24 --resolution 640,360 --transparent');
    expect(buildManimArgs(base).join(' ')).not.toMatch(/--fps|--resolution|--transparent/);
  });

  it('passes whole frame rates only, because Manim rejects fractional ones', () => {
    expect(buildManimArgs({ ...base, fps: 29.97 }).join(' ')).toContain('--fps 30');
  });

  it('ends with the scene file and the scene name', () => {
    const args = buildManimArgs({ ...base, scene: 'Other', fps: 10 });
    expect(args.slice(-2)).toEqual(['scene.py', 'Other']);
  });
});

describe('container layout', () => {
  it('keeps every path below the mounted job directory', () => {
    expect(RENDER_CONTAINER_PATHS.sceneFile).toBe(
      `${RENDER_CONTAINER_PATHS.jobDir}/${RENDER_CONTAINER_PATHS.sceneFileName}`,
    );
    expect(RENDER_CONTAINER_PATHS.mediaDir).toBe(
      `${RENDER_CONTAINER_PATHS.jobDir}/${RENDER_CONTAINER_PATHS.mediaDirName}`,
    );
    expect(RENDER_CONTAINER_PATHS.homeDir).toBe(
      `${RENDER_CONTAINER_PATHS.jobDir}/${RENDER_CONTAINER_PATHS.homeDirName}`,
    );
  });
});

describe('manimConfigFile', () => {
  it('turns off the version check and the log timestamps', () => {
    const text = manimConfigFile();
    expect(text).toMatch(/\[CLI\]\nnotify_outdated_version = False\n/);
    expect(text).toMatch(/\[logger\]\nlog_timestamps = False\n/);
  });
});

describe('RENDER_ENVIRONMENT', () => {
  it('sets a wide but bounded console, a writable HOME and unbuffered output', () => {
    expect(Number(RENDER_ENVIRONMENT.COLUMNS)).toBeGreaterThanOrEqual(200);
    expect(Number(RENDER_ENVIRONMENT.COLUMNS)).toBeLessThanOrEqual(1000);
    expect(RENDER_ENVIRONMENT.HOME).toBe('/job/home');
    expect(RENDER_ENVIRONMENT.PYTHONUNBUFFERED).toBe('1');
  });
});

describe('the command of a retry as root', () => {
  it('runs Manim unchanged and then hands the whole job folder back to its owner', () => {
    const args = ['manim', 'render', '--quality', 'l', 'scene.py', 'TestScene'];
    const command = commandRestoringOwner(args, { uid: 1500, gid: 1501 });
    expect(command.slice(0, 2)).toEqual(['sh', '-c']);
    expect(command[2]).toBe(`trap 'chown -Rh "$0" /job' EXIT; "$@"`);
    expect(command[3]).toBe('1500:1501');
    expect(command.slice(4)).toEqual(args);
  });

  it('repairs ownership with chown alone when the retry was killed', () => {
    expect(restoreOwnerCommand({ uid: 1500, gid: 1501 })).toEqual([
      'chown',
      '-Rh',
      '1500:1501',
      '/job',
    ]);
  });
});
