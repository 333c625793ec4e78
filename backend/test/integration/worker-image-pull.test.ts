import { randomUUID } from 'node:crypto';
import Docker from 'dockerode';
import type { Readiness } from '../../src/api/readiness';
import {
  manifestForLocalImage,
  startFakeRegistry,
  type FakeRegistry,
} from './support/fake-registry';
import { testEnvironment } from './support/test-environment';
import { startTestService, type TestService } from './support/test-service';
import { waitUntil } from './support/wait-until';

const docker = new Docker();
const renderImageId = async () => (await docker.getImage(testEnvironment().image).inspect()).Id;

/** A quick scene; the comment makes each one a request of its own. */
const scene = () =>
  `from manim import *\n# ${randomUUID()}\nclass Quick(Scene):\n    def construct(self):\n        self.play(Create(Circle()))\n`;

// The tests run in order and share one worker, whose RENDER_IMAGE is served by a registry on
// 127.0.0.1. The registry's manifest names the real render image by its id, so the engine, which
// has that image, only tags it: a pull without moving 1.4 GB.
describe('a worker whose render image is missing', () => {
  let registry: FakeRegistry;
  let service: TestService;
  let repository: string;
  let image: string;

  const ready = async (): Promise<{ status: number; body: Readiness }> => {
    const response = await fetch(`${service.url}/ready`);
    return { status: response.status, body: (await response.json()) as Readiness };
  };
  const workerStatus = (readiness: { body: Readiness }) => readiness.body.checks.workers.workers[0];

  beforeAll(async () => {
    registry = await startFakeRegistry();
    repository = `render-${randomUUID()}`;
    image = `${registry.host}/${repository}:1`;
  });

  afterAll(async () => {
    await service?.close();
    // Only the test's tag goes; the render image keeps its own.
    await docker
      .getImage(image)
      .remove()
      .catch(() => undefined);
    await registry?.close();
  });

  it('keeps jobs queued while its pull fails, and says why in /ready', async () => {
    const firstPull = registry.nextManifestRequest(repository);
    service = await startTestService({ env: { RENDER_IMAGE: image, MANIM_VERSIONS: '0.22.0' } });
    await firstPull;

    const submitted = await service.submit({ code: scene() });
    expect(submitted.status).toBe(202);
    const failed = await waitUntil(
      'readiness names the failed pull',
      ready,
      (readiness) => workerStatus(readiness)?.images[0]?.error !== undefined,
    );

    expect(failed.status).toBe(503);
    expect(workerStatus(failed)).toMatchObject({
      paused: true,
      images: [
        {
          manimVersion: '0.22.0',
          name: image,
          present: false,
          error: expect.stringContaining(
            `Pulling ${image} from ${registry.host} failed: `,
          ) as string,
          retryAt: expect.any(String) as string,
        },
      ],
    });
    expect(failed.body.problems.join('\n')).toContain('pulling it failed');
    expect((await service.getJob(submitted.body.id)).status).toBe('queued');
  });

  it('pulls the image on its next try while jobs wait, then renders them', async () => {
    const { id } = (await service.submit({ code: scene() })).body;
    registry.publish(repository, '1', manifestForLocalImage(await renderImageId()));
    const release = registry.holdManifests();
    await registry.nextManifestRequest(repository);

    const pulling = await ready();
    expect(workerStatus(pulling)).toMatchObject({
      paused: true,
      images: [{ manimVersion: '0.22.0', name: image, present: false, pulling: true }],
    });
    expect((await service.getJob(id)).status).toBe('queued');
    release();

    const ended = await service.waitForEnd(id);
    expect(ended.status).toBe('completed');
    const up = await waitUntil('the API is ready', ready, ({ status }) => status === 200);
    expect(workerStatus(up)).toMatchObject({
      paused: false,
      images: [{ manimVersion: '0.22.0', name: image, present: true }],
    });
    expect(workerStatus(up)?.images[0]?.error).toBeUndefined();
  });

  it('pulls the image again for a job that finds it removed, and renders that job', async () => {
    // A manifest the engine has not seen, so that its pull shows as a GET.
    registry.publish(repository, '1', manifestForLocalImage(await renderImageId()));
    await docker.getImage(image).remove();
    const pullsBefore = registry.manifestGets(repository);

    const { id } = (await service.submit({ code: scene() })).body;
    const ended = await service.waitForEnd(id);

    expect(ended.status).toBe('completed');
    expect(registry.manifestGets(repository)).toBe(pullsBefore + 1);
    expect((await docker.getImage(image).inspect()).Id).toBe(await renderImageId());
  });
});
