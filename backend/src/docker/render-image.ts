import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/config-schema';

/**
 * The render image: either the one configured in RENDER_IMAGE, or the one built from
 * backend/render-image/Dockerfile, tagged by a hash of the Dockerfile so that a changed recipe
 * gets a new tag and an unchanged one is never rebuilt.
 */
export interface LocalRenderImage {
  tag: string;
  manimVersion: string;
  contextDir: string;
}

export const LOCAL_IMAGE_REPOSITORY = 'manim-render';

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

export function localRenderImageFromDockerfile(
  dockerfile: string,
  contextDir: string,
): LocalRenderImage {
  const version = /^ARG MANIM_VERSION=(\S+)/m.exec(dockerfile)?.[1];
  if (!version)
    throw new Error(`${contextDir}/Dockerfile has no "ARG MANIM_VERSION=<version>" line`);
  const hash = createHash('sha256').update(dockerfile).digest('hex').slice(0, 12);
  return { tag: `${LOCAL_IMAGE_REPOSITORY}:${version}-${hash}`, manimVersion: version, contextDir };
}

export function localRenderImage(): LocalRenderImage {
  const contextDir = renderImageContextDir();
  const dockerfile = readFileSync(path.join(contextDir, 'Dockerfile'), 'utf8');
  return localRenderImageFromDockerfile(dockerfile, contextDir);
}

/**
 * Whether a missing render image is pulled: only a configured registry image, with pull policy
 * `missing`. The local image (`manim-render:<version>-<hash>`, also when named in RENDER_IMAGE)
 * is built by `npm run prepare-image`, never pulled.
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

/** True for a tag of the image built from backend/render-image/Dockerfile. */
export function isLocalRenderImage(name: string): boolean {
  return name.startsWith(`${LOCAL_IMAGE_REPOSITORY}:`);
}

/** The image name the worker runs. */
export function renderImageName(config: Pick<Config, 'RENDER_IMAGE'>): string {
  return config.RENDER_IMAGE !== '' ? config.RENDER_IMAGE : localRenderImage().tag;
}
