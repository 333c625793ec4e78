import type { Logger } from '../logging/logger';
import type { WorkerStatus } from './worker-status';
import { RUNTIME_MISSING } from '../render-engine/render-engine';
import { engineProblemLine, type EngineHealth, type EngineTransition } from './engine-monitor';

/** What the worker does when its engine goes away and comes back. */
export interface EngineReactionPorts {
  logger: Logger;
  /** The worker's published status. */
  publish(status: Pick<WorkerStatus, 'engine'>): void;
  /** Holds and releases the taking of jobs (see intake-gate.ts). */
  intake: {
    hold(reason: 'engine'): Promise<void>;
    release(reason: 'engine'): Promise<void>;
    isOpen(): boolean;
    holding(): string[];
  };
  /** Looks for the render images again; `force` when the engine is back (it may have lost them). */
  checkImages(options: { force: boolean }): Promise<void>;
  /** The warm containers, once the pool exists. */
  warmPool(): { suspend(): void; resume(): void } | undefined;
  /** Whether the queue consumer runs yet (before, nobody waits to hear it is back). */
  consuming(): boolean;
  /** One plain line for people reading the container's log (`docker logs`). */
  say(line: string): void;
}

/**
 * Jobs stay queued while the engine is away: the worker stops taking them, says why once (again
 * only when the reason changes), and takes them again when the engine answers.
 */
export function engineReactions(
  ports: EngineReactionPorts,
): (health: EngineHealth, transition: EngineTransition | undefined) => Promise<void> {
  const { logger, intake } = ports;
  let reportedDown = false;
  return async (health, transition) => {
    const checkedAt = new Date().toISOString();
    if (health.state === 'down') {
      if (transition) {
        logger.error(
          health.problem.cause === RUNTIME_MISSING
            ? 'Docker Engine lacks the render runtime; not taking new jobs until it has it'
            : 'Docker Engine does not answer; not taking new jobs until it does',
          {
            error: health.problem.message,
            hint: health.problem.hint,
            cause: health.problem.cause,
          },
        );
        ports.say(engineProblemLine('worker', health.problem));
        reportedDown = true;
      }
      ports.publish({
        engine: { ok: false, error: health.problem.message, hint: health.problem.hint, checkedAt },
      });
      if (transition === 'went-down') {
        ports.warmPool()?.suspend();
        await intake.hold('engine');
      }
      return;
    }
    await ports.checkImages({ force: transition === 'came-up' });
    ports.publish({ engine: { ok: true, checkedAt } });
    if (transition !== 'came-up') return;
    ports.warmPool()?.resume();
    await intake.release('engine');
    if (ports.consuming()) {
      logger.info(
        intake.isOpen()
          ? 'Docker Engine answers again; taking jobs'
          : 'Docker Engine answers again; not taking jobs yet',
        { waitingFor: intake.holding() },
      );
    }
    if (reportedDown) {
      ports.say(
        intake.isOpen()
          ? 'worker: the Docker Engine answers again; taking jobs\n'
          : `worker: the Docker Engine answers again; not taking jobs yet (${intake.holding().join(', ')})\n`,
      );
      reportedDown = false;
    }
  };
}
