import { AppError } from '../../../src/errors/app-error';
import { createLogger } from '../../../src/logging/logger';
import { IntakeGate } from '../../../src/worker-upkeep/intake-gate';
import {
  RenderImageSupply,
  type RenderImageState,
} from '../../../src/render-image/render-image-supply';

const logger = createLogger({ level: 'error', service: 'test', silent: true });
const IMAGE = 'registry.example/render:1';

/**
 * A supply wired like the worker's composition root: its changes are recorded and drive an
 * intake gate in front of a consumer that records its pauses and resumes. Pulls end by hand.
 */
function harness(options: { pullable?: boolean; present?: boolean } = {}) {
  let present = options.present ?? false;
  let now = 1_000_000;
  const pulls: Array<{ succeed(): void; fail(error: Error): void }> = [];
  const states: RenderImageState[] = [];
  const consumerCalls: string[] = [];
  const gate = new IntakeGate();
  const supply: RenderImageSupply = new RenderImageSupply({
    image: IMAGE,
    manimVersion: '0.22.0',
    exists: () => Promise.resolve(present),
    ...(options.pullable === false
      ? {}
      : {
          pull: () =>
            new Promise<void>((resolve, reject) => {
              pulls.push({
                succeed() {
                  present = true;
                  resolve();
                },
                fail: reject,
              });
            }),
        }),
    missingHint: 'Run `npm run prepare-image`.',
    retry: { firstMs: 5_000, maxMs: 20_000 },
    recheckMs: 30_000,
    logger,
    now: () => now,
    onChange(state) {
      states.push(state);
      if (supply.pullable) void (state.present ? gate.release('image') : gate.hold('image'));
    },
  });
  void gate.attach({
    pause: async () => void consumerCalls.push('pause'),
    resume: async () => void consumerCalls.push('resume'),
  });
  return {
    supply,
    gate,
    states,
    consumerCalls,
    pulls,
    advance(ms: number) {
      now += ms;
    },
    remove() {
      present = false;
    },
    lastState: () => states[states.length - 1],
  };
}

/** Lets the promise callbacks queued so far run. */
async function settle(): Promise<void> {
  for (let turn = 0; turn < 20; turn += 1) await Promise.resolve();
}

describe('the render image supply', () => {
  it('pulls a missing image once in the background, holding jobs back until it is there', async () => {
    const worker = harness();

    await worker.supply.check({ force: true });
    await worker.supply.check();
    await settle();

    expect(worker.pulls).toHaveLength(1);
    expect(worker.lastState()).toEqual({
      manimVersion: '0.22.0',
      name: IMAGE,
      present: false,
      pulling: true,
    });
    expect(worker.gate.isOpen()).toBe(false);
    expect(worker.consumerCalls).toEqual(['pause']);

    worker.pulls[0]?.succeed();
    await settle();

    expect(worker.lastState()).toEqual({ manimVersion: '0.22.0', name: IMAGE, present: true });
    expect(worker.gate.isOpen()).toBe(true);
    expect(worker.consumerCalls).toEqual(['pause', 'resume']);
  });

  it('keeps reporting a failed pull and tries again with growing waits, capped', async () => {
    const worker = harness();
    await worker.supply.check({ force: true });
    await settle();

    worker.pulls[0]?.fail(new AppError('image_missing', 'Pulling it failed: manifest unknown'));
    await settle();
    expect(worker.lastState()).toMatchObject({
      present: false,
      error: 'Pulling it failed: manifest unknown',
      hint: expect.any(String) as string,
      retryAt: expect.any(String) as string,
    });
    expect(worker.lastState()?.pulling).toBeUndefined();
    expect(worker.gate.isOpen()).toBe(false);

    const waits: number[] = [];
    for (let failure = 2; failure <= 5; failure += 1) {
      let waited = 0;
      while (worker.pulls.length < failure) {
        worker.advance(1_000);
        waited += 1_000;
        await worker.supply.check();
        await settle();
      }
      waits.push(waited);
      worker.pulls[failure - 1]?.fail(new Error('connection refused'));
      await settle();
    }
    expect(waits).toEqual([5_000, 10_000, 20_000, 20_000]);

    worker.advance(20_000);
    await worker.supply.check();
    await settle();
    worker.pulls[5]?.succeed();
    await settle();
    expect(worker.lastState()).toEqual({ manimVersion: '0.22.0', name: IMAGE, present: true });
    expect(worker.gate.isOpen()).toBe(true);
  });

  it('lets a job that found the image gone share the pull and wait for it', async () => {
    const worker = harness({ present: true });
    await worker.supply.check({ force: true });
    expect(worker.lastState()).toEqual({ manimVersion: '0.22.0', name: IMAGE, present: true });

    worker.remove();
    const first = worker.supply.whenBack();
    const second = worker.supply.whenBack();
    await settle();
    expect(worker.pulls).toHaveLength(1);
    expect(worker.gate.isOpen()).toBe(false);

    worker.pulls[0]?.succeed();
    await expect(Promise.all([first, second])).resolves.toEqual([undefined, undefined]);
    await settle();
    expect(worker.gate.isOpen()).toBe(true);
  });

  it('fails a job that found the image gone when the pull fails', async () => {
    const worker = harness({ present: true });
    await worker.supply.check({ force: true });
    worker.remove();

    const back = worker.supply.whenBack();
    await settle();
    worker.pulls[0]?.fail(new AppError('image_missing', 'Pulling it made no progress for 3 s'));

    await expect(back).rejects.toThrow('made no progress for 3 s');
  });

  it('looks for a present image again only after the recheck interval', async () => {
    const worker = harness({ present: true });
    await worker.supply.check({ force: true });
    worker.remove();

    await worker.supply.check();
    expect(worker.lastState()?.present).toBe(true);

    worker.advance(30_000);
    await worker.supply.check();
    await settle();
    expect(worker.lastState()).toEqual({
      manimVersion: '0.22.0',
      name: IMAGE,
      present: false,
      pulling: true,
    });
  });

  it('never pulls an image it may not pull: jobs are not held back and fail with the hint', async () => {
    const worker = harness({ pullable: false });
    await worker.supply.check({ force: true });
    await settle();

    expect(worker.pulls).toHaveLength(0);
    expect(worker.lastState()).toEqual({ manimVersion: '0.22.0', name: IMAGE, present: false });
    expect(worker.gate.isOpen()).toBe(true);
    const failure = await worker.supply.whenBack().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(AppError);
    expect((failure as AppError).code).toBe('image_missing');
    expect((failure as AppError).hint).toBe('Run `npm run prepare-image`.');
  });
});

describe('the intake gate', () => {
  it('pauses on the first reason and resumes only when the last one is released', async () => {
    const calls: string[] = [];
    const changes: string[][] = [];
    const gate = new IntakeGate((reasons) => changes.push(reasons));
    await gate.hold('starting');
    await gate.attach({
      pause: async () => void calls.push('pause'),
      resume: async () => void calls.push('resume'),
    });
    expect(calls).toEqual(['pause']);

    await gate.hold('image');
    await gate.release('starting');
    expect(calls).toEqual(['pause']);
    await gate.hold('engine');
    await gate.release('image');
    expect(calls).toEqual(['pause']);
    await gate.release('engine');
    expect(calls).toEqual(['pause', 'resume']);
    expect(gate.isOpen()).toBe(true);
    expect(changes).toEqual([
      ['starting'],
      ['starting', 'image'],
      ['image'],
      ['image', 'engine'],
      ['engine'],
      [],
    ]);
  });

  it('records reasons before the consumer runs and applies them when it attaches', async () => {
    const calls: string[] = [];
    const gate = new IntakeGate();
    await gate.hold('engine');
    await gate.release('engine');
    await gate.hold('image');
    expect(calls).toEqual([]);

    await gate.attach({
      pause: async () => void calls.push('pause'),
      resume: async () => void calls.push('resume'),
    });
    expect(calls).toEqual(['pause']);
  });
});
