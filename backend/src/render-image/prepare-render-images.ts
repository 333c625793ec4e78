import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Config } from '../config/config-schema';
import { AppError } from '../errors/app-error';
import type { Logger } from '../logging/logger';
import type { DockerClient } from '../render-engine/docker-client/docker-client';
import { createImagePuller } from './image-puller';
import { enginePullOperations } from '../render-engine/docker-client/engine-image-operations';
import {
  followImageStream,
  imageExists,
  pullImage,
  type ImageStreamEvent,
} from '../render-engine/docker-client/image-streams';
import {
  localRenderImage,
  renderImages,
  type LocalRenderImage,
  type RenderImage,
} from './render-image';

const OFFICIAL_BASE_IMAGE = 'debian:bookworm-slim';
const LOCAL_BASE_REPOSITORY = 'manim-render-base';
const PULL_STALL_MS = 120_000;
const BUILD_STALL_MS = 900_000;

type PrepareConfig = Pick<
  Config,
  | 'RENDER_IMAGE'
  | 'RENDER_IMAGE_PULL_POLICY'
  | 'RENDER_IMAGE_PULL_STALL_SECONDS'
  | 'MANIM_VERSIONS'
  | 'RENDER_IMAGE_CJK_LATEX'
>;

/**
 * Makes sure the render image of every served Manim version exists: nothing to do for one that
 * is there; otherwise pull the configured image, or build the local one. Builds pull the official
 * Debian base and, where no registry answers, build an equivalent base from this machine's apt
 * mirror. The versions' images share their system layers (TeX, fonts): those build once.
 */
export async function prepareRenderImages(
  docker: DockerClient,
  config: PrepareConfig,
  logger: Logger,
): Promise<RenderImage[]> {
  const images = renderImages(config);
  for (const image of images) {
    if (config.RENDER_IMAGE !== '') {
      await ensurePulled(docker, image.name, config, logger);
    } else {
      await ensureBuilt(
        docker,
        localRenderImage(image.manimVersion, { cjkLatex: config.RENDER_IMAGE_CJK_LATEX }),
        logger,
      );
    }
  }
  return images;
}

async function ensureBuilt(
  docker: DockerClient,
  image: LocalRenderImage,
  logger: Logger,
): Promise<void> {
  if (await imageExists(docker, image.tag)) {
    logger.info('render image present', { image: image.tag, manimVersion: image.manimVersion });
    return;
  }
  const baseImage = await ensureBaseImage(docker, image.contextDir, logger);
  logger.info('building render image', {
    image: image.tag,
    baseImage,
    manimVersion: image.manimVersion,
  });
  const stream = await docker.buildImage(
    { context: image.contextDir, src: image.files },
    {
      t: image.tag,
      buildargs: { ...image.buildArgs, BASE_IMAGE: baseImage },
      networkmode: 'host',
      rm: true,
      forcerm: true,
      labels: { 'org.manim-render.recipe': image.tag },
    },
  );
  try {
    await followImageStream(docker, stream, {
      stallTimeoutMs: BUILD_STALL_MS,
      onEvent: (event) => writeBuildOutput(event),
    });
  } catch (error) {
    throw new AppError(
      'image_missing',
      `Building ${image.tag} failed: ${(error as Error).message}`,
      {
        hint: 'Read the build output above; the package registries (apt, PyPI) must be reachable from the build.',
        cause: error,
      },
    );
  }
  logger.info('render image built', { image: image.tag, manimVersion: image.manimVersion });
}

async function ensurePulled(
  docker: DockerClient,
  name: string,
  config: PrepareConfig,
  logger: Logger,
): Promise<void> {
  if (config.RENDER_IMAGE_PULL_POLICY === 'never') {
    if (await imageExists(docker, name)) return;
    throw new AppError(
      'image_missing',
      `Render image ${name} is not present on the Docker Engine`,
      {
        hint: `RENDER_IMAGE_PULL_POLICY is never: pull or load it yourself (docker pull ${name}, or docker load), or set the policy to missing.`,
        details: { image: name },
      },
    );
  }
  const puller = createImagePuller(
    enginePullOperations(docker, { stallSeconds: config.RENDER_IMAGE_PULL_STALL_SECONDS, logger }),
  );
  await puller.ensureImage(name);
}

async function ensureBaseImage(
  docker: DockerClient,
  contextDir: string,
  logger: Logger,
): Promise<string> {
  if (await imageExists(docker, OFFICIAL_BASE_IMAGE)) return OFFICIAL_BASE_IMAGE;
  try {
    await pullImage(docker, OFFICIAL_BASE_IMAGE, { stallTimeoutMs: PULL_STALL_MS });
    return OFFICIAL_BASE_IMAGE;
  } catch (error) {
    logger.warn('base image pull failed; using a base built from the local apt mirror', {
      image: OFFICIAL_BASE_IMAGE,
      reason: (error as Error).message,
    });
  }
  const script = path.resolve(contextDir, '..', '..', 'scripts', 'build-local-base-image.sh');
  const scriptHash = createHash('sha256').update(readFileSync(script)).digest('hex').slice(0, 12);
  const localBase = `${LOCAL_BASE_REPOSITORY}:bookworm-${scriptHash}`;
  if (await imageExists(docker, localBase)) return localBase;
  logger.info('building local base image', { image: localBase });
  try {
    await promisify(execFile)('bash', [script, localBase], { maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '')
      .trim()
      .split('\n')
      .slice(-5)
      .join(' | ');
    throw new AppError(
      'image_missing',
      `No base image: pulling ${OFFICIAL_BASE_IMAGE} failed and building one locally failed: ${stderr}`,
      {
        hint: `Make ${OFFICIAL_BASE_IMAGE} available (docker pull or docker load), or run scripts/build-local-base-image.sh as root.`,
        cause: error,
      },
    );
  }
  return localBase;
}

function writeBuildOutput(event: ImageStreamEvent): void {
  if (event.stream) process.stderr.write(event.stream);
  else if (event.status) process.stderr.write(`${event.status}\n`);
}
