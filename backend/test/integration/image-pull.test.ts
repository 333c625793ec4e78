import { randomUUID } from 'node:crypto';
import Docker from 'dockerode';
import { createImagePuller } from '../../src/render-image/image-puller';
import { enginePullOperations } from '../../src/render-engine/docker-client/engine-image-operations';
import { AppError } from '../../src/errors/app-error';
import { createLogger } from '../../src/logging/logger';
import { startFakeRegistry, tinyImage, type FakeRegistry } from './support/fake-registry';

const docker = new Docker();
const logger = createLogger({
  level: 'info',
  service: 'test',
  silent: process.env.TEST_LOGS !== '1',
});

describe('the shared image pull against the real engine and a registry on 127.0.0.1', () => {
  let registry: FakeRegistry;
  const names: string[] = [];

  beforeAll(async () => {
    registry = await startFakeRegistry();
  });

  afterAll(async () => {
    for (const name of names) {
      await docker
        .getImage(name)
        .remove({ force: true })
        .catch(() => undefined);
    }
    await registry.close();
  });

  /** A repository of its own for one test, serving a tiny image of its own. */
  function publishTinyImage() {
    const repository = `test-pull-${randomUUID()}`;
    const image = tinyImage(randomUUID());
    const name = registry.publish(repository, '1', image);
    names.push(name);
    return { repository, image, name, layer: image.layerDigests[0] ?? '' };
  }

  function puller(stallSeconds = 60) {
    return createImagePuller(enginePullOperations(docker, { stallSeconds, logger }));
  }

  async function present(name: string): Promise<boolean> {
    return docker
      .getImage(name)
      .inspect()
      .then(
        () => true,
        () => false,
      );
  }

  it('pulls a missing image once for two callers at the same time, and not again once present', async () => {
    const { repository, name } = publishTinyImage();
    const shared = puller();

    await Promise.all([shared.ensureImage(name), shared.ensureImage(name)]);

    expect(registry.manifestGets(repository)).toBe(1);
    expect(await present(name)).toBe(true);
    await shared.ensureImage(name);
    expect(registry.manifestGets(repository)).toBe(1);
  });

  it('fails with image_missing and the engine message when the engine reports an error inside its 200 answer', async () => {
    const { name, layer } = publishTinyImage();
    registry.setBlobBehaviour(layer, 'corrupt');

    const failure = await puller()
      .ensureImage(name)
      .then(
        () => undefined,
        (error: unknown) => error,
      );

    expect(failure).toBeInstanceOf(AppError);
    const error = failure as AppError;
    expect(error.code).toBe('image_missing');
    expect(error.message).toContain(`Pulling ${name} from ${registry.host} failed: `);
    expect(error.message).toMatch(/verification failed/);
    expect(error.details).toMatchObject({ image: name, registry: registry.host });
    expect(await present(name)).toBe(false);
  });

  it('aborts a pull that makes no progress for the stall limit, naming the registry and the fix', async () => {
    const { name, layer } = publishTinyImage();
    registry.setBlobBehaviour(layer, 'hang');

    const failure = await puller(3)
      .ensureImage(name)
      .then(
        () => undefined,
        (error: unknown) => error,
      );

    expect(failure).toBeInstanceOf(AppError);
    const error = failure as AppError;
    expect(error.code).toBe('image_missing');
    expect(error.message).toBe(
      `Pulling ${name} from ${registry.host} made no progress for 3 s; the pull was aborted`,
    );
    expect(error.hint).toContain('RENDER_IMAGE_PULL_STALL_SECONDS');
    expect(await present(name)).toBe(false);
  });

  it('fails with the engine message when the registry does not know the image, and pulls again on the next call', async () => {
    const repository = `test-pull-${randomUUID()}`;
    const name = `${registry.host}/${repository}:1`;
    names.push(name);
    const shared = puller();

    const failure = await shared.ensureImage(name).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(AppError);
    expect((failure as AppError).message).toMatch(/manifest unknown|not found/);

    registry.publish(repository, '1', tinyImage(randomUUID()));
    await shared.ensureImage(name);
    expect(registry.manifestGets(repository)).toBe(2);
    expect(await present(name)).toBe(true);
  });
});
