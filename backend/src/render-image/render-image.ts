import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { compareVersionsNewestFirst, type Config } from '../config/config-schema';
import { AppError } from '../errors/app-error';

/**
 * The render images: one per Manim version the deployment serves (MANIM_VERSIONS). Each is either
 * the image RENDER_IMAGE names (`{version}` in it replaced), or the one built from
 * backend/render-image/Dockerfile with the version's lock file, tagged by a hash of everything the
 * build reads, so that a changed recipe or lock gets a new tag and an unchanged one is never
 * rebuilt.
 */
export interface RenderImage {
  manimVersion: string;
  /** The image name the worker runs for this version. */
  name: string;
}

/** How to build a local render image. */
export interface LocalRenderImage {
  tag: string;
  manimVersion: string;
  contextDir: string;
  /** The files of the context the build reads, relative to it; their contents make the tag. */
  files: string[];
  buildArgs: Record<string, string>;
}

export const LOCAL_IMAGE_REPOSITORY = 'manim-render';
export const VERSION_PLACEHOLDER = '{version}';
const BUILD_TOOLS_LOCK = 'requirements/build-tools.txt';

type ImageConfig = Pick<Config, 'RENDER_IMAGE' | 'MANIM_VERSIONS' | 'RENDER_IMAGE_CJK_LATEX'>;

export function renderImageContextDir(): string {
  let dir = __dirname;
  for (;;) {
    const candidate = path.join(dir, 'backend', 'render-image');
    if (existsSync(path.join(candidate, 'Dockerfile'))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir)
      throw new Error(`backend/render-image/Dockerfile not found above ${__dirname}`);
    dir = parent;
  }
}

export function lockFileOf(manimVersion: string): string {
  return `requirements/manim-${manimVersion}.txt`;
}

/** Manim versions that have a lock file, and so a local image recipe; newest first. */
export function lockedManimVersions(contextDir = renderImageContextDir()): string[] {
  const folder = path.join(contextDir, 'requirements');
  const versions: string[] = [];
  for (const name of existsSync(folder) ? readdirSync(folder) : []) {
    const match = /^manim-(\d+\.\d+\.\d+)\.txt$/.exec(name);
    if (match?.[1]) versions.push(match[1]);
  }
  return versions.sort(compareVersionsNewestFirst);
}

/** The local image of one Manim version: its tag and what its build reads. */
export function localRenderImage(
  manimVersion: string,
  options: { cjkLatex: boolean },
  contextDir = renderImageContextDir(),
): LocalRenderImage {
  const lockFile = lockFileOf(manimVersion);
  if (!existsSync(path.join(contextDir, lockFile))) {
    const locked = lockedManimVersions(contextDir);
    throw new AppError(
      'config_invalid',
      `Manim ${manimVersion} has no lock file (backend/render-image/${lockFile}), so there is no recipe for its render image; versions with one: ${locked.join(', ') || 'none'}`,
      {
        hint: `Create the lock with \`npm run lock -- ${manimVersion}\`, or remove ${manimVersion} from MANIM_VERSIONS, or set RENDER_IMAGE to an image with that version (manimcommunity/manim:v{version}).`,
        details: { manimVersion, lockedVersions: locked },
      },
    );
  }
  const files = ['Dockerfile', BUILD_TOOLS_LOCK, lockFile];
  const buildArgs = {
    MANIM_VERSION: manimVersion,
    WITH_CJK_LATEX: options.cjkLatex ? '1' : '0',
  };
  const hash = createHash('sha256');
  for (const file of files) {
    hash
      .update(`${file}\0`)
      .update(readFileSync(path.join(contextDir, file)))
      .update('\0');
  }
  hash.update(JSON.stringify(buildArgs));
  const tag = `${LOCAL_IMAGE_REPOSITORY}:${manimVersion}-${hash.digest('hex').slice(0, 12)}`;
  return { tag, manimVersion, contextDir, files, buildArgs };
}

/** The render image of every served version, newest version first. */
export function renderImages(config: ImageConfig): RenderImage[] {
  return config.MANIM_VERSIONS.map((manimVersion) => ({
    manimVersion,
    name: renderImageName(config, manimVersion),
  }));
}

/** The image name the worker runs for one Manim version. */
export function renderImageName(config: ImageConfig, manimVersion: string): string {
  if (config.RENDER_IMAGE === '') {
    return localRenderImage(manimVersion, { cjkLatex: config.RENDER_IMAGE_CJK_LATEX }).tag;
  }
  return config.RENDER_IMAGE.split(VERSION_PLACEHOLDER).join(manimVersion);
}

/** The version a request that names none gets: the newest served. */
export function defaultManimVersion(config: Pick<Config, 'MANIM_VERSIONS'>): string {
  const [newest] = config.MANIM_VERSIONS;
  if (newest === undefined) throw new Error('MANIM_VERSIONS is empty');
  return newest;
}

/**
 * Whether a missing render image is pulled: only a configured registry image, with pull policy
 * `missing`. The local images (`manim-render:<version>-<hash>`, also when named in RENDER_IMAGE)
 * are built by `npm run prepare-image`, never pulled.
 */
export function renderImagePullable(
  config: Pick<Config, 'RENDER_IMAGE' | 'RENDER_IMAGE_PULL_POLICY'>,
): boolean {
  return (
    config.RENDER_IMAGE !== '' &&
    !isLocalRenderImage(config.RENDER_IMAGE) &&
    config.RENDER_IMAGE_PULL_POLICY === 'missing'
  );
}

/** True for a tag of an image built from backend/render-image/Dockerfile. */
export function isLocalRenderImage(name: string): boolean {
  return name.startsWith(`${LOCAL_IMAGE_REPOSITORY}:`);
}
