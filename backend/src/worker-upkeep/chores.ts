import type { Logger } from '../logging/logger';

/** A task a worker repeats: sweeping containers, removing expired files, and the like. */
export interface Chore {
  name: string;
  everyMs: number;
  run(): Promise<void>;
  /** Whether the worker waits for its first run before going on (e.g. before taking jobs). */
  waitForFirstRun?: boolean;
}

/**
 * Runs each chore now and then every `everyMs`, logging (not throwing) its failures; resolves
 * once the first runs that are waited for are done. The timers never keep the process alive;
 * `stop` clears them.
 */
export async function startChores(chores: Chore[], logger: Logger): Promise<{ stop(): void }> {
  const runSafely = (chore: Chore) =>
    chore
      .run()
      .catch((error: unknown) =>
        logger.warn(`could not ${chore.name}`, { error: (error as Error).message }),
      );
  const timers = chores.map((chore) => {
    const timer = setInterval(() => void runSafely(chore), chore.everyMs);
    timer.unref();
    return timer;
  });
  const firstRuns = chores.map((chore) => ({ chore, run: runSafely(chore) }));
  await Promise.all(firstRuns.filter(({ chore }) => chore.waitForFirstRun).map(({ run }) => run));
  return {
    stop() {
      for (const timer of timers) clearInterval(timer);
    },
  };
}
