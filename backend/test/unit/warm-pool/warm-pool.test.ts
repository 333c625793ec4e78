import { createLogger } from '../../../src/logging/logger';
import { WarmPool, type WarmPoolPorts, type WarmSlot } from '../../../src/warm-pool/warm-pool';

const logger = createLogger({ level: 'error', service: 'test', silent: true });

/** A slot whose readiness and exit the test decides. */
class FakeSlot implements WarmSlot {
  readonly ready: Promise<void>;
  readonly gone: Promise<void>;
  alive = true;
  discarded = false;
  private readyOutcome!: { resolve: () => void; reject: (error: Error) => void };
  private exit!: () => void;

  constructor(readonly id: string) {
    this.ready = new Promise<void>((resolve, reject) => {
      this.readyOutcome = { resolve, reject };
    });
    this.ready.catch(() => undefined);
    this.gone = new Promise<void>((resolve) => {
      this.exit = resolve;
    });
  }

  becomeReady(): void {
    this.readyOutcome.resolve();
  }

  failToStart(message: string): void {
    this.alive = false;
    this.readyOutcome.reject(new Error(message));
    this.exit();
  }

  die(): void {
    this.alive = false;
    this.exit();
  }

  async isAlive(): Promise<boolean> {
    return this.alive;
  }

  async discard(): Promise<void> {
    this.discarded = true;
    this.alive = false;
  }
}

/** Ports whose slots become ready when the test says (or at once with `autoReady`). */
class FakePorts implements WarmPoolPorts<FakeSlot> {
  readonly started: FakeSlot[] = [];
  readonly removed: string[] = [];
  engineContainers: string[] = [];
  autoReady = true;
  failNextStarts = 0;
  private waiters: Array<() => void> = [];

  async startSlot(): Promise<FakeSlot> {
    if (this.failNextStarts > 0) {
      this.failNextStarts -= 1;
      throw new Error('engine said no');
    }
    const slot = new FakeSlot(`container-${this.started.length + 1}`);
    this.started.push(slot);
    if (this.autoReady) slot.becomeReady();
    for (const wake of this.waiters.splice(0)) wake();
    return slot;
  }

  async listContainers(): Promise<string[]> {
    return this.engineContainers;
  }

  async removeContainer(id: string): Promise<void> {
    this.removed.push(id);
  }

  /** Resolves once `count` slots have been started in all. */
  async startedAtLeast(count: number): Promise<void> {
    while (this.started.length < count) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }
}

function poolOf(ports: FakePorts, size: number, retryDelaysMs: number[] = [0]) {
  return new WarmPool(ports, { size, logger, maxIdleMs: 3600_000, retryDelaysMs });
}

describe('the warm pool', () => {
  let pools: Array<WarmPool<FakeSlot>> = [];
  const track = (pool: WarmPool<FakeSlot>) => {
    pools.push(pool);
    return pool;
  };
  afterEach(async () => {
    await Promise.all(pools.map((pool) => pool.close()));
    pools = [];
  });

  it('does nothing at size 0', async () => {
    const ports = new FakePorts();
    const pool = track(poolOf(ports, 0));
    pool.start();
    await pool.whenFull();
    expect(await pool.take()).toBeUndefined();
    expect(ports.started).toHaveLength(0);
  });

  it('fills to its size, one container at a time', async () => {
    const ports = new FakePorts();
    ports.autoReady = false;
    const pool = track(poolOf(ports, 3));
    pool.start();
    for (let count = 1; count <= 3; count += 1) {
      await ports.startedAtLeast(count);
      await new Promise((resolve) => setImmediate(resolve));
      expect(ports.started).toHaveLength(count);
      expect(pool.status()).toEqual({ size: 3, ready: count - 1 });
      ports.started[count - 1]?.becomeReady();
    }
    await pool.whenFull();
    expect(pool.status()).toEqual({ size: 3, ready: 3 });
    expect(ports.started).toHaveLength(3);
  });

  it('hands out a ready container once, and starts a replacement at once', async () => {
    const ports = new FakePorts();
    const pool = track(poolOf(ports, 1));
    pool.start();
    await pool.whenFull();
    const lease = await pool.take();
    expect(lease?.slot.id).toBe('container-1');
    await ports.startedAtLeast(2);
    await pool.whenFull();
    expect((await pool.take())?.slot.id).toBe('container-2');
    await lease?.done();
    expect(ports.started[0]?.discarded).toBe(true);
  });

  it('never waits: with nothing ready, a job goes without', async () => {
    const ports = new FakePorts();
    ports.autoReady = false;
    const pool = track(poolOf(ports, 1));
    pool.start();
    await ports.startedAtLeast(1);
    expect(await pool.take()).toBeUndefined();
    ports.started[0]?.becomeReady();
    await pool.whenFull();
    expect((await pool.take())?.slot.id).toBe('container-1');
  });

  it('discards a container that stopped while it waited and replaces it', async () => {
    const ports = new FakePorts();
    const pool = track(poolOf(ports, 1));
    pool.start();
    await pool.whenFull();
    ports.started[0]?.die();
    await ports.startedAtLeast(2);
    await pool.whenFull();
    expect(ports.started[0]?.discarded).toBe(true);
    expect((await pool.take())?.slot.id).toBe('container-2');
  });

  it('skips a container found dead when taken', async () => {
    const ports = new FakePorts();
    const pool = track(poolOf(ports, 1));
    pool.start();
    await pool.whenFull();
    const slot = ports.started[0] as FakeSlot;
    slot.alive = false; // dead, but its exit not noticed yet
    expect(await pool.take()).toBeUndefined();
    expect(slot.discarded).toBe(true);
  });

  it('tries again after failed starts', async () => {
    const ports = new FakePorts();
    ports.failNextStarts = 2;
    const pool = track(poolOf(ports, 1));
    pool.start();
    await pool.whenFull();
    expect(ports.started).toHaveLength(1);
  });

  it('tries again after a container that never got ready', async () => {
    const ports = new FakePorts();
    ports.autoReady = false;
    const pool = track(poolOf(ports, 1));
    pool.start();
    await ports.startedAtLeast(1);
    ports.started[0]?.failToStart('exited with code 1 before it was ready');
    await ports.startedAtLeast(2);
    ports.started[1]?.becomeReady();
    await pool.whenFull();
    expect(ports.started[0]?.discarded).toBe(true);
    expect((await pool.take())?.slot.id).toBe('container-2');
  });

  it('forgets its containers while the engine is away, and clears up and fills when it is back', async () => {
    const ports = new FakePorts();
    const pool = track(poolOf(ports, 1));
    pool.start();
    await pool.whenFull();
    const held = await pool.take();
    await pool.whenFull();

    pool.suspend();
    expect(pool.status().ready).toBe(0);
    expect(await pool.take()).toBeUndefined();
    // The engine still has the held container, the idle one and one the pool never heard of.
    ports.engineContainers = ['container-1', 'container-2', 'stray'];
    pool.resume();
    await ports.startedAtLeast(3);
    await pool.whenFull();
    expect(ports.started[1]?.discarded).toBe(true);
    expect(ports.removed.sort()).toEqual(['container-2', 'stray']);
    expect(ports.started[0]?.discarded).toBe(false);
    await held?.done();
    expect((await pool.take())?.slot.id).toBe('container-3');
  });

  it('removes every container no job holds when closed, and starts none after', async () => {
    const ports = new FakePorts();
    const pool = track(poolOf(ports, 2));
    pool.start();
    await pool.whenFull();
    const held = await pool.take();
    await pool.close();
    expect(ports.started.filter((slot) => slot.discarded).map((slot) => slot.id)).not.toContain(
      held?.slot.id,
    );
    expect(ports.started.filter((slot) => !slot.discarded)).toEqual([held?.slot]);
    expect(await pool.take()).toBeUndefined();
    const startedAtClose = ports.started.length;
    await new Promise((resolve) => setImmediate(resolve));
    expect(ports.started).toHaveLength(startedAtClose);
  });
});
