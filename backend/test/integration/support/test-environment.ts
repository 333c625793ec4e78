import { randomUUID } from 'node:crypto';
import type { RenderImage } from '../../../src/render-image/render-image';

/** What the global setup started, handed to the test workers through their environment. */
export interface TestEnvironment {
  redisUrl: string;
  /** The render image of the default (newest) Manim version. */
  image: string;
  /** The render image of every served version, newest first. */
  images: RenderImage[];
  /** RENDER_IMAGE as the services get it ('' for the local images). */
  renderImageSetting: string;
  /** MANIM_VERSIONS as the services get it. */
  manimVersions: string;
  /** Prefix of every queue this run creates, so that its teardown touches nothing else. */
  queuePrefix: string;
}

const VARIABLE = 'MANIM_RENDER_TEST_ENVIRONMENT';

export function publishTestEnvironment(environment: TestEnvironment): void {
  process.env[VARIABLE] = JSON.stringify(environment);
}

export function testEnvironment(): TestEnvironment {
  const raw = process.env[VARIABLE];
  if (!raw)
    throw new Error(
      `${VARIABLE} is not set: run integration tests through jest (globalSetup starts the services)`,
    );
  return JSON.parse(raw) as TestEnvironment;
}

/** A queue name of its own for one test, inside this run's prefix. */
export function testQueueName(): string {
  return `${testEnvironment().queuePrefix}${randomUUID()}`;
}
