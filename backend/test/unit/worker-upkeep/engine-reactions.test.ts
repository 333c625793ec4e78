import { createLogger } from '../../../src/logging/logger';
import type { EngineHealth } from '../../../src/worker-upkeep/engine-monitor';
import { engineReactions } from '../../../src/worker-upkeep/engine-reactions';
import { IntakeGate } from '../../../src/worker-upkeep/intake-gate';
import { RUNTIME_MISSING } from '../../../src/render-engine/render-engine';

const down: EngineHealth = {
  state: 'down',
  problem: { message: '/var/run/docker.sock does not exist', hint: 'Start the Docker Engine.' },
};
const up: EngineHealth = { state: 'up' };

function setUp() {
  const said: string[] = [];
  const published: Array<{ ok: boolean }> = [];
  const imageChecks: boolean[] = [];
  const pool = { suspended: 0, resumed: 0 };
  const intake = new IntakeGate();
  const react = engineReactions({
    logger: createLogger({ level: 'error', service: 'test', silent: true }),
    publish: (status) => published.push(status.engine),
    intake,
    checkImages: async ({ force }) => void imageChecks.push(force),
    warmPool: () => ({
      suspend: () => void (pool.suspended += 1),
      resume: () => void (pool.resumed += 1),
    }),
    consuming: () => true,
    say: (line) => void said.push(line),
  });
  return { react, said, published, imageChecks, pool, intake };
}

describe("the worker's reactions to its engine", () => {
  it('stops taking jobs and suspends the warm pool when the engine goes away, saying why once', async () => {
    const { react, said, published, pool, intake } = setUp();

    await react(down, 'went-down');
    await react(down, undefined);

    expect(intake.holding()).toEqual(['engine']);
    expect(pool.suspended).toBe(1);
    expect(said).toHaveLength(1);
    expect(said[0]).toContain('/var/run/docker.sock does not exist');
    expect(published.map((engine) => engine.ok)).toEqual([false, false]);
  });

  it('holds jobs while the engine lacks the render runtime, and says what to add', async () => {
    const { react, said, published, intake } = setUp();

    await react(
      {
        state: 'down',
        problem: {
          message: 'The Docker Engine at /var/run/docker.sock has no container runtime "runsc"',
          hint: 'Add "runtimes" to /etc/docker/daemon.json, then reload the engine.',
          cause: RUNTIME_MISSING,
        },
      },
      'went-down',
    );

    expect(intake.holding()).toEqual(['engine']);
    expect(said[0]).toBe(
      'worker: The Docker Engine at /var/run/docker.sock has no container runtime "runsc"; not taking jobs until the engine has it (fix: Add "runtimes" to /etc/docker/daemon.json, then reload the engine.)\n',
    );
    expect(published).toEqual([
      expect.objectContaining({ ok: false, error: expect.stringContaining('runsc') }),
    ]);
  });

  it('says it again when the reason changes', async () => {
    const { react, said } = setUp();

    await react(down, 'went-down');
    await react(
      { state: 'down', problem: { message: 'permission denied', hint: 'Join the docker group.' } },
      'problem-changed',
    );

    expect(said).toHaveLength(2);
  });

  it('takes jobs again when the engine is back, after looking for its images afresh', async () => {
    const { react, said, imageChecks, pool, intake } = setUp();

    await react(down, 'went-down');
    await react(up, 'came-up');

    expect(intake.isOpen()).toBe(true);
    expect(imageChecks).toEqual([true]);
    expect(pool.resumed).toBe(1);
    expect(said[1]).toBe('worker: the Docker Engine answers again; taking jobs\n');
  });

  it('names what it still waits for when the engine is back but something else holds jobs', async () => {
    const { react, said, intake } = setUp();
    void intake.hold('image:0.22.0');

    await react(down, 'went-down');
    await react(up, 'came-up');

    expect(said[1]).toBe(
      'worker: the Docker Engine answers again; not taking jobs yet (image:0.22.0)\n',
    );
  });

  it('only publishes and looks at the images while the engine stays up', async () => {
    const { react, said, imageChecks, published } = setUp();

    await react(up, undefined);

    expect(imageChecks).toEqual([false]);
    expect(published).toEqual([expect.objectContaining({ ok: true })]);
    expect(said).toEqual([]);
  });
});
