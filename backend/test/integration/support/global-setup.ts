import { randomUUID } from 'node:crypto';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { loadConfig } from '../../../src/config/load-config';
import { renderImages } from '../../../src/render-image/render-image';
import { freePort, startRedisServer } from './redis-server';
import { publishTestEnvironment } from './test-environment';

/**
 * Integration tests run against real parts: a redis-server of their own on a free port, the
 * machine's Docker Engine and the real render image (`npm test` runs scripts/setup.sh first, which
 * installs and starts what is missing).
 */
export default async function globalSetup(): Promise<void> {
  const docker = new Docker();
  try {
    await docker.ping();
  } catch (error) {
    throw new Error(
      `Integration tests need a Docker Engine: ${(error as Error).message}. Run \`npm run setup\` (as root it installs and starts one).`,
    );
  }
  // The render images as the service computes them, from the same settings (RENDER_IMAGE,
  // MANIM_VERSIONS and RENDER_IMAGE_CJK_LATEX may be set to test other images).
  const imageSettings = {
    RENDER_IMAGE: process.env.RENDER_IMAGE ?? '',
    ...(process.env.MANIM_VERSIONS ? { MANIM_VERSIONS: process.env.MANIM_VERSIONS } : {}),
    ...(process.env.RENDER_IMAGE_CJK_LATEX
      ? { RENDER_IMAGE_CJK_LATEX: process.env.RENDER_IMAGE_CJK_LATEX }
      : {}),
  };
  const config = loadConfig(imageSettings);
  const images = renderImages(config);
  for (const { name } of images) {
    try {
      await docker.getImage(name).inspect();
    } catch {
      throw new Error(
        `Integration tests need the render image ${name}. Run \`npm run setup\` or \`npm run prepare-image\`.`,
      );
    }
  }
  if (spawnSync('redis-server', ['--version']).status !== 0) {
    throw new Error(
      'Integration tests need redis-server. Run `npm run setup` (as root it installs it).',
    );
  }

  const port = await freePort();
  const redis = await startRedisServer(port, mkdtempSync(path.join(tmpdir(), 'manim-test-redis-')));
  (globalThis as { testRedisServer?: ChildProcess }).testRedisServer = redis;
  const queuePrefix = `test-${randomUUID().slice(0, 8)}-`;
  (globalThis as { testQueuePrefix?: string }).testQueuePrefix = queuePrefix;
  publishTestEnvironment({
    redisUrl: `redis://127.0.0.1:${port}`,
    image: images[0]?.name ?? '',
    images,
    renderImageSetting: config.RENDER_IMAGE,
    manimVersions: config.MANIM_VERSIONS.join(','),
    queuePrefix,
  });
}
