import type { Config } from '../config/config-schema';
import type { ConfigError } from '../config/load-config';
import { loadConfig } from '../config/load-config';
import { AppError } from '../errors/app-error';
import { createLogger, type Logger } from '../logging/logger';

/** Beyond the grace period for running renders: time to stop them and hand their jobs back. */
const SHUTDOWN_MARGIN_MS = 15_000;

/**
 * Runs a process's composition root: config parsed once (failing fast with every bad variable),
 * one logger, and an orderly close on SIGINT/SIGTERM.
 */
export function runProcess(
  service: string,
  start: (config: Config, logger: Logger) => Promise<{ close(): Promise<void> }>,
): void {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    // A ConfigError, or an AppError of a part the configuration names (a missing lock file).
    const failure = error as ConfigError | AppError;
    process.stderr.write(`${service}: ${failure.message}\n  fix: ${failure.hint}\n`);
    process.exit(1);
  }
  const logger = createLogger({ level: config.LOG_LEVEL, service });
  start(config, logger).then(
    (running) => {
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        logger.info('shutting down', { signal });
        const limitMs = config.SHUTDOWN_GRACE_SECONDS * 1000 + SHUTDOWN_MARGIN_MS;
        const timer = setTimeout(() => {
          logger.error('shutdown took too long; exiting', { limitMs });
          process.exit(1);
        }, limitMs);
        timer.unref();
        running.close().then(
          () => process.exit(0),
          (error: unknown) => {
            logger.error('shutdown failed', { error: (error as Error).message });
            process.exit(1);
          },
        );
      };
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
    },
    (error: unknown) => {
      const failure =
        error instanceof AppError
          ? { message: error.message, hint: error.hint }
          : { message: String((error as Error).stack ?? error) };
      logger.error(`${service} failed to start`, failure);
      process.exit(1);
    },
  );
}
