import type { Quality } from '../config/config-schema';
import type { RenderOptions } from '../job/render-job';

/**
 * How the render container is laid out and what it runs. The worker mounts the job directory at
 * `jobDir`; everything Manim reads or writes lives below it.
 */
export const RENDER_CONTAINER_PATHS = {
  jobDir: '/job',
  workingDir: '/job',
  sceneFileName: 'scene.py',
  sceneFile: '/job/scene.py',
  configFileName: 'manim.cfg',
  /** Folder names relative to the job directory, for the worker that prepares it on the host. */
  mediaDirName: 'media',
  homeDirName: 'home',
  mediaDir: '/job/media',
  homeDir: '/job/home',
} as const;

const QUALITY_FLAGS: Record<Quality, string> = {
  low: 'l',
  medium: 'm',
  high: 'h',
  production: 'p',
  '4k': 'k',
};

/**
 * The full argv of the render container, checked against `manim render --help` of 0.19.0 and
 * 0.22.0. `sceneFile` is relative to the job folder (the working directory).
 */
export function buildManimArgs(
  options: RenderOptions,
  sceneFile: string = RENDER_CONTAINER_PATHS.sceneFileName,
): string[] {
  const args = ['manim', 'render', '--quality', QUALITY_FLAGS[options.quality]];

  // `--format png` would write every frame; a PNG result means the last frame only. mp4 is
  // Manim's own default and is left unnamed: from 0.20 on, a scene that plays nothing fails when
  // a video format is named, and gives its last frame as PNG when none is.
  if (options.format === 'png') args.push('--save_last_frame');
  else if (options.format !== 'mp4') args.push('--format', options.format);

  // Every job starts in an empty folder, so the cache only costs hashing time.
  args.push('--media_dir', RENDER_CONTAINER_PATHS.mediaDir, '--disable_caching');

  // PyAV rejects fractional rates ("ValueError: invalid frame rate"), so only whole numbers go out.
  if (options.fps !== undefined) args.push('--fps', String(Math.round(options.fps)));
  if (options.resolution !== undefined) {
    args.push('--resolution', `${options.resolution.width},${options.resolution.height}`);
  }
  if (options.transparent) args.push('--transparent');

  args.push(sceneFile, options.scene);
  return args;
}

/**
 * The command of a retry as root: `args`, then every file below the job folder handed back to
 * `owner` however Manim ended, so that the worker can still move and delete them. (A container
 * killed outright never runs the trap; the worker checks ownership afterwards for that case.)
 */
export function commandRestoringOwner(
  args: string[],
  owner: { uid: number; gid: number },
): string[] {
  return [
    'sh',
    '-c',
    `trap 'chown -Rh "$0" ${RENDER_CONTAINER_PATHS.jobDir}' EXIT; "$@"`,
    `${owner.uid}:${owner.gid}`,
    ...args,
  ];
}

/** Hands every file below the job folder to `owner`; run as root after a killed retry as root. */
export function restoreOwnerCommand(owner: { uid: number; gid: number }): string[] {
  return ['chown', '-Rh', `${owner.uid}:${owner.gid}`, RENDER_CONTAINER_PATHS.jobDir];
}

/**
 * The `manim.cfg` written next to scene.py; Manim reads it from the working directory at import.
 * - notify_outdated_version: otherwise Manim asks PyPI for a newer version after each render
 *   (up to 10 s without network).
 * - log_timestamps: the worker stamps its own logs; Manim's time column only widens every line
 *   and puts noise into the log tail shown to users.
 */
export function manimConfigFile(): string {
  return [
    '[CLI]',
    'notify_outdated_version = False',
    '',
    '[logger]',
    'log_timestamps = False',
    '',
  ].join('\n');
}

/**
 * Rich pads every log line to the console width (the source file column is right-aligned), and
 * wraps at 80 columns when stdout is not a terminal unless COLUMNS says otherwise. 300 keeps a
 * "Partial movie file written in '<path>'" line whole for scene names up to about 130 characters
 * while a line costs 300 bytes rather than thousands.
 */
export const RENDER_COLUMNS = 300;

export const RENDER_ENVIRONMENT: Readonly<Record<string, string>> = {
  COLUMNS: String(RENDER_COLUMNS),
  HOME: RENDER_CONTAINER_PATHS.homeDir,
  // Without a terminal Python buffers stdout in blocks; the user's print() output would arrive
  // late and out of order with Manim's own log lines.
  PYTHONUNBUFFERED: '1',
  // String hashes, and so the order of sets of strings, the same in every run: the ranges of a
  // split render must run the scene's code exactly as the plan pass did.
  PYTHONHASHSEED: '0',
  // pydub warns on every start when the ffmpeg program is absent; Manim encodes with PyAV and
  // does not need it, so the warning only confuses users reading the log.
  PYTHONWARNINGS: 'ignore::RuntimeWarning:pydub.utils',
};
