import type { Logger } from '../logging/logger';
import { delay } from '../timing/timing';

/** One warm render container and its folder, as the pool sees it. */
export interface WarmSlot {
  /** The container's id. */
  readonly id: string;
  /** Resolves once the container is ready for a job; rejects when it failed to get there. */
  readonly ready: Promise<void>;
  /** Resolves when the container has exited or the engine connection to it broke. */
  readonly gone: Promise<void>;
  /** True while it runs and has no job yet (asks the engine). */
  isAlive(): Promise<boolean>;
  /** Removes the container and the folder; never throws. */
  discard(): Promise<void>;
}

export interface WarmPoolPorts<S extends WarmSlot> {
  /** Prepares a folder and starts a container on it; the slot's `ready` says when it may serve. */
  startSlot(): Promise<S>;
  /** Ids of the containers of this worker's pool that the engine has, running or not. */
  listContainers(): Promise<string[]>;
  removeContainer(id: string): Promise<void>;
}

/** A slot taken for one job: the job runs in it, then calls `done` (whatever happened). */
export interface WarmLease<S> {
  readonly slot: S;
  /** Removes what is left of the slot and lets the pool forget it. */
  done(): Promise<void>;
}

export interface WarmPoolStatus {
  size: number;
  ready: number;
}

export interface WarmPoolOptions {
  /** How many ready containers to keep; 0 turns the pool off. */
  size: number;
  logger: Logger;
  /** A container that has waited this long is replaced by a fresh one. */
  maxIdleMs: number;
  /** The waits after failed starts, by number of failures in a row; the last one repeats. */
  retryDelaysMs: readonly number[];
  /** Called whenever the number of ready containers changes. */
  onChange?: (status: WarmPoolStatus) => void;
}

type PoolState = 'stopped' | 'running' | 'suspended' | 'closed';

interface IdleSlot<S> {
  slot: S;
  timer: NodeJS.Timeout;
}

/**
 * Keeps up to `size` render containers started and ready, each for exactly one job. A job takes
 * one if one is ready (never waiting for one), and the pool starts a replacement in the
 * background at once. Containers are started one at a time; a failure waits before the next try.
 * When the engine goes away the pool forgets its containers (`suspend`); when it is back
 * (`resume`) it removes whatever of them is left, except those jobs hold, and fills again.
 */
export class WarmPool<S extends WarmSlot> {
  private state: PoolState = 'stopped';
  /** Bumped whenever the pool forgets its containers; a start from before is thrown away. */
  private generation = 0;
  private idle: Array<IdleSlot<S>> = [];
  /** Containers jobs have taken and not yet given back, by id. */
  private readonly held = new Set<string>();
  /** Slots started (or asked for) and not ready yet. */
  private starting: Promise<S> | undefined;
  private pending: S | undefined;
  /** Slots forgotten while the engine was away, removed when it is back. */
  private forgotten: S[] = [];
  private filling = false;
  private failures = 0;
  private wakeRetry: (() => void) | undefined;
  private cleaning: Promise<void> | undefined;
  private readonly discarding = new Set<Promise<void>>();
  private fullWaiters: Array<() => void> = [];

  constructor(
    private readonly ports: WarmPoolPorts<S>,
    private readonly options: WarmPoolOptions,
  ) {}

  get size(): number {
    return this.options.size;
  }

  status(): WarmPoolStatus {
    return { size: this.options.size, ready: this.idle.length };
  }

  /** Starts filling; a pool of size 0 does nothing at all. */
  start(): void {
    if (this.state !== 'stopped' || this.options.size === 0) return;
    this.state = 'running';
    void this.fill();
  }

  /**
   * A ready container for a job, or undefined when none is ready now. A container that stopped
   * while it waited is discarded on the way. The pool starts a replacement at once.
   */
  async take(): Promise<WarmLease<S> | undefined> {
    while (this.state === 'running') {
      const entry = this.idle.shift();
      if (!entry) return undefined;
      clearTimeout(entry.timer);
      this.changed();
      void this.fill();
      if (await entry.slot.isAlive()) {
        this.held.add(entry.slot.id);
        return {
          slot: entry.slot,
          done: async () => {
            await entry.slot.discard();
            this.held.delete(entry.slot.id);
          },
        };
      }
      this.options.logger.warn('a warm render container stopped while it waited; discarded', {
        containerId: entry.slot.id.slice(0, 12),
      });
      this.discard(entry.slot);
    }
    return undefined;
  }

  /** The engine went away: its containers are gone or unreachable; forget them. */
  suspend(): void {
    if (this.state !== 'running') return;
    this.state = 'suspended';
    this.forgetAll();
    this.changed();
  }

  /** The engine answers again: remove what is left of the pool's containers, then fill again. */
  resume(): void {
    if (this.state !== 'suspended') return;
    this.state = 'running';
    this.generation += 1;
    const forgotten = this.forgotten;
    this.forgotten = [];
    this.cleaning = this.removeLeftovers(forgotten).finally(() => {
      this.cleaning = undefined;
      void this.fill();
    });
  }

  /** Resolves once every slot is ready (at once for a pool of size 0 or a closed one). */
  whenFull(): Promise<void> {
    if (this.isFull()) return Promise.resolve();
    return new Promise((resolve) => this.fullWaiters.push(resolve));
  }

  /** Stops filling and removes every container no job holds. Jobs remove theirs themselves. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.forgetAll();
    const forgotten = this.forgotten;
    this.forgotten = [];
    for (const slot of forgotten) this.discard(slot);
    const starting = this.starting;
    if (starting) await starting.then((slot) => this.discard(slot)).catch(() => undefined);
    await this.cleaning;
    await Promise.all([...this.discarding]);
    this.changed();
  }

  private forgetAll(): void {
    this.generation += 1;
    for (const entry of this.idle) {
      clearTimeout(entry.timer);
      this.forgotten.push(entry.slot);
    }
    this.idle = [];
    if (this.pending) this.forgotten.push(this.pending);
    this.pending = undefined;
    this.wakeRetry?.();
  }

  private async removeLeftovers(forgotten: S[]): Promise<void> {
    await Promise.all(forgotten.map((slot) => slot.discard()));
    try {
      for (const id of await this.ports.listContainers()) {
        if (this.held.has(id)) continue;
        await this.ports.removeContainer(id);
        this.options.logger.info('removed a warm render container left from before the outage', {
          containerId: id.slice(0, 12),
        });
      }
    } catch (error) {
      this.options.logger.warn('could not remove warm render containers left from an outage', {
        error: (error as Error).message,
      });
    }
  }

  /** Starts containers one at a time until `size` are ready; a no-op while already at it. */
  private async fill(): Promise<void> {
    if (this.filling) return;
    this.filling = true;
    try {
      while (this.state === 'running' && !this.cleaning && this.idle.length < this.options.size) {
        const generation = this.generation;
        const slot = await this.startOne();
        if (slot === undefined) continue;
        if (generation !== this.generation || this.state !== 'running') {
          this.discard(slot);
          continue;
        }
        this.failures = 0;
        this.addIdle(slot);
      }
    } finally {
      this.filling = false;
    }
  }

  /** One container started and ready, or undefined after a failure (and the wait after it). */
  private async startOne(): Promise<S | undefined> {
    let slot: S;
    try {
      this.starting = this.ports.startSlot();
      slot = await this.starting;
    } catch (error) {
      await this.failed(error);
      return undefined;
    } finally {
      this.starting = undefined;
    }
    this.pending = slot;
    try {
      await slot.ready;
      return slot;
    } catch (error) {
      this.discard(slot);
      await this.failed(error);
      return undefined;
    } finally {
      if (this.pending === slot) this.pending = undefined;
    }
  }

  private addIdle(slot: S): void {
    const timer = setTimeout(() => this.retire(slot), this.options.maxIdleMs);
    timer.unref();
    this.idle.push({ slot, timer });
    void slot.gone.then(() => {
      if (!this.idle.some((entry) => entry.slot === slot)) return;
      this.options.logger.warn('a warm render container stopped while it waited; replacing it', {
        containerId: slot.id.slice(0, 12),
      });
      this.retire(slot);
    });
    this.options.logger.debug('warm render container ready', {
      containerId: slot.id.slice(0, 12),
      ready: this.idle.length,
      size: this.options.size,
    });
    this.changed();
  }

  /** Takes an idle slot out, removes it and starts a fresh one. */
  private retire(slot: S): void {
    const index = this.idle.findIndex((entry) => entry.slot === slot);
    if (index < 0) return;
    const [entry] = this.idle.splice(index, 1);
    if (entry) clearTimeout(entry.timer);
    this.discard(slot);
    this.changed();
    void this.fill();
  }

  private async failed(error: unknown): Promise<void> {
    if (this.state !== 'running') return;
    this.failures += 1;
    const delays = this.options.retryDelaysMs;
    const delayMs = delays[Math.min(this.failures, delays.length) - 1] ?? 0;
    this.options.logger.warn(
      'could not start a warm render container; jobs render cold meanwhile',
      {
        error: (error as Error).message,
        failuresInARow: this.failures,
        retryInMs: delayMs,
      },
    );
    const woken = new AbortController();
    this.wakeRetry = () => woken.abort();
    await delay(delayMs, { signal: woken.signal, ref: false });
    this.wakeRetry = undefined;
  }

  private discard(slot: S): void {
    const removal = slot.discard().finally(() => this.discarding.delete(removal));
    this.discarding.add(removal);
  }

  private isFull(): boolean {
    return (
      this.options.size === 0 || this.state === 'closed' || this.idle.length >= this.options.size
    );
  }

  private changed(): void {
    this.options.onChange?.(this.status());
    if (!this.isFull()) return;
    const waiters = this.fullWaiters;
    this.fullWaiters = [];
    for (const wake of waiters) wake();
  }
}
