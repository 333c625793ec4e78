import { registryOfImage } from '../../../src/render-engine/image-operations';
import { createImagePuller } from '../../../src/render-image/image-puller';

/** A pull the test finishes by hand, counting how often it was started. */
function controlledOperations(initiallyPresent: string[] = []) {
  const present = new Set(initiallyPresent);
  const pending: Array<{ name: string; succeed(): void; fail(error: Error): void }> = [];
  const operations = {
    pulls: 0,
    exists: (name: string) => Promise.resolve(present.has(name)),
    pull(name: string) {
      operations.pulls += 1;
      return new Promise<void>((resolve, reject) => {
        pending.push({
          name,
          succeed() {
            present.add(name);
            resolve();
          },
          fail: reject,
        });
      });
    },
  };
  /** The pull started last, once it has started. */
  const nextPull = async () => {
    for (let turn = 0; turn < 10 && pending.length === 0; turn += 1) await Promise.resolve();
    const pull = pending.shift();
    if (!pull) throw new Error('no pull started');
    return pull;
  };
  return { operations, nextPull };
}

describe('the shared image pull', () => {
  it('does not pull an image that is present', async () => {
    const { operations } = controlledOperations(['registry.example/render:1']);
    await createImagePuller(operations).ensureImage('registry.example/render:1');
    expect(operations.pulls).toBe(0);
  });

  it('gives two callers for one missing image one pull, and both its success', async () => {
    const { operations, nextPull } = controlledOperations();
    const puller = createImagePuller(operations);

    const first = puller.ensureImage('registry.example/render:1');
    const second = puller.ensureImage('registry.example/render:1');
    expect(puller.inProgress('registry.example/render:1')).toBe(true);
    (await nextPull()).succeed();

    await expect(Promise.all([first, second])).resolves.toEqual([undefined, undefined]);
    expect(operations.pulls).toBe(1);
    expect(puller.inProgress('registry.example/render:1')).toBe(false);
  });

  it('rejects both callers when the shared pull fails, and pulls again on the next call', async () => {
    const { operations, nextPull } = controlledOperations();
    const puller = createImagePuller(operations);

    const first = puller.ensureImage('registry.example/render:1');
    const second = puller.ensureImage('registry.example/render:1');
    (await nextPull()).fail(new Error('manifest unknown'));

    await expect(first).rejects.toThrow('manifest unknown');
    await expect(second).rejects.toThrow('manifest unknown');
    expect(puller.inProgress('registry.example/render:1')).toBe(false);

    const retry = puller.ensureImage('registry.example/render:1');
    (await nextPull()).succeed();
    await expect(retry).resolves.toBeUndefined();
    expect(operations.pulls).toBe(2);
  });

  it('pulls different images separately', async () => {
    const { operations, nextPull } = controlledOperations();
    const puller = createImagePuller(operations);

    const one = puller.ensureImage('registry.example/render:1');
    const two = puller.ensureImage('registry.example/render:2');
    const pulls = [await nextPull(), await nextPull()];
    expect(pulls.map((pull) => pull.name).sort()).toEqual([
      'registry.example/render:1',
      'registry.example/render:2',
    ]);
    for (const pull of pulls) pull.succeed();
    await Promise.all([one, two]);
    expect(operations.pulls).toBe(2);
  });
});

describe('the registry of an image name', () => {
  it.each([
    ['manimcommunity/manim:v0.19.0', 'docker.io'],
    ['debian:bookworm-slim', 'docker.io'],
    ['ghcr.io/example/render:1', 'ghcr.io'],
    ['127.0.0.1:5000/render:1', '127.0.0.1:5000'],
    ['localhost/render', 'localhost'],
    ['registry.example:8443/team/render@sha256:abc', 'registry.example:8443'],
  ])('%s comes from %s', (name, registry) => {
    expect(registryOfImage(name)).toBe(registry);
  });
});
