import { ConfigError, loadConfig } from '../config/load-config';
import { createDockerClient, waitForEngine } from '../render-engine/docker-client/docker-client';
import { prepareRenderImages } from '../render-image/prepare-render-images';
import { localRenderImage, renderImages } from '../render-image/render-image';
import { AppError } from '../errors/app-error';
import { createLogger } from '../logging/logger';

/**
 * `npm run prepare-image`: makes sure the render image of every served Manim version exists (pull
 * or build) and prints their names. With `--list` it builds nothing and prints one line per
 * version: the image name, then for a local image the build arguments as KEY=VALUE words.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  if (process.argv.includes('--list')) {
    for (const image of renderImages(config)) {
      const args =
        config.RENDER_IMAGE === ''
          ? Object.entries(
              localRenderImage(image.manimVersion, { cjkLatex: config.RENDER_IMAGE_CJK_LATEX })
                .buildArgs,
            ).map(([key, value]) => `${key}=${value}`)
          : [];
      process.stdout.write(`${[image.name, ...args].join(' ')}\n`);
    }
    return;
  }
  const logger = createLogger({
    level: config.LOG_LEVEL,
    service: 'prepare-image',
    toStderr: true,
  });
  const docker = createDockerClient();
  await waitForEngine(docker, 30_000);
  const images = await prepareRenderImages(docker, config, logger);
  for (const image of images) process.stdout.write(`${image.name}\n`);
}

main().catch((error: unknown) => {
  if (error instanceof AppError || error instanceof ConfigError) {
    process.stderr.write(`prepare-image: ${error.message}\n  fix: ${error.hint}\n`);
  } else {
    process.stderr.write(`prepare-image: ${(error as Error).stack ?? String(error)}\n`);
  }
  process.exit(1);
});
