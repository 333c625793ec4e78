import { AppError } from '../errors/app-error';
import { RUNTIME_MISSING } from '../render-engine/render-engine';

/** Why the engine does not answer, and how to fix it. */
export interface EngineProblem {
  message: string;
  hint: string;
  /** A stable name of the cause when it is known, e.g. `socket-group-missing`. */
  cause?: string;
}

/** One plain line for people reading the worker's stderr (`docker logs`): the cause and the fix. */
export function engineProblemLine(service: string, problem: EngineProblem): string {
  const until =
    problem.cause === RUNTIME_MISSING ? 'until the engine has it' : 'until the engine answers';
  return `${service}: ${problem.message}; not taking jobs ${until} (fix: ${problem.hint})\n`;
}

export type EngineHealth =
  { state: 'unknown' } | { state: 'up' } | { state: 'down'; problem: EngineProblem };

export type PingResult = { ok: true } | { ok: false; problem: EngineProblem };

/**
 * What one ping changed: the engine answered for the first time or again (`came-up`), stopped
 * answering (`went-down`), or still does not answer for another reason (`problem-changed`).
 */
export type EngineTransition = 'came-up' | 'went-down' | 'problem-changed';

/** The state machine of the monitor: the health after a ping, and the transition it makes. */
export function observePing(
  health: EngineHealth,
  result: PingResult,
): { health: EngineHealth; transition?: EngineTransition } {
  if (result.ok) {
    return health.state === 'up' ? { health } : { health: { state: 'up' }, transition: 'came-up' };
  }
  const next: EngineHealth = { state: 'down', problem: result.problem };
  if (health.state !== 'down') return { health: next, transition: 'went-down' };
  if (health.problem.message !== result.problem.message) {
    return { health: next, transition: 'problem-changed' };
  }
  return { health: next };
}

export interface EngineMonitor {
  current(): EngineHealth;
  /** Resolves once the engine has answered (at once if it already does). */
  whenUp(): Promise<void>;
  close(): void;
}

/**
 * Pings the engine every `intervalMs` (the next ping waits for the last one and its handler) and
 * feeds the results to `observePing`; `onPing` sees every result with the transition it made.
 */
export function startEngineMonitor(options: {
  /** Resolves when the engine answers; throws (ideally an AppError with a hint) when not. */
  ping: () => Promise<void>;
  intervalMs: number;
  onPing: (health: EngineHealth, transition: EngineTransition | undefined) => Promise<void>;
}): EngineMonitor {
  let health: EngineHealth = { state: 'unknown' };
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let waiters: Array<() => void> = [];

  const check = async () => {
    const result = await options.ping().then(
      (): PingResult => ({ ok: true }),
      (error: unknown): PingResult => ({ ok: false, problem: problemOf(error) }),
    );
    if (closed) return;
    const observed = observePing(health, result);
    health = observed.health;
    if (health.state === 'up') {
      for (const wake of waiters) wake();
      waiters = [];
    }
    await options.onPing(health, observed.transition).catch(() => undefined);
    if (!closed) timer = setTimeout(() => void check(), options.intervalMs);
  };
  void check();

  return {
    current: () => health,
    whenUp: () =>
      health.state === 'up' ? Promise.resolve() : new Promise((resolve) => waiters.push(resolve)),
    close() {
      closed = true;
      clearTimeout(timer);
    },
  };
}

function problemOf(error: unknown): EngineProblem {
  if (error instanceof AppError) {
    const cause = error.details?.problem;
    return {
      message: error.message,
      hint: error.hint,
      ...(typeof cause === 'string' ? { cause } : {}),
    };
  }
  return {
    message: `Docker Engine unavailable: ${(error as Error).message}`,
    hint: 'Start the Docker Engine or point DOCKER_HOST at a running one.',
  };
}
