import { loadConfig } from '../config/load-config';
import { createDockerClient, waitForEngine } from '../docker/docker-client';
import { prepareRenderImage } from '../docker/prepare-render-image';
import { AppError } from '../errors/app-error';
import { createLogger } from '../logging/logger';

/** `npm run prepare-image`: makes sure the render image exists (pull or build). */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({
    level: config.LOG_LEVEL,
    service: 'prepare-image',
    toStderr: true,
  });
  const docker = createDockerClient();
  await waitForEngine(docker, 30_000);
  const image = await prepareRenderImage(docker, config, logger);
  process.stdout.write(`${image}\n`);
}

main().catch((error: unknown) => {
  if (error instanceof AppError) {
    process.stderr.write(`prepare-image: ${error.message}\n  fix: ${error.hint}\n`);
  } else {
    process.stderr.write(`prepare-image: ${(error as Error).stack ?? String(error)}\n`);
  }
  process.exit(1);
});
