import winston from 'winston';

export type Logger = winston.Logger;

/** JSON lines on stdout. Child loggers carry requestId, jobId and containerId. */
export function createLogger(options: {
  level: string;
  service: string;
  silent?: boolean;
  /** Write to stderr, for command-line tools whose stdout is their result. */
  toStderr?: boolean;
}): Logger {
  return winston.createLogger({
    level: options.level,
    silent: options.silent ?? false,
    defaultMeta: { service: options.service },
    format: winston.format.combine(
      winston.format.timestamp(),
      winston.format.errors({ stack: true }),
      winston.format.json(),
    ),
    transports: [
      new winston.transports.Console({
        stderrLevels: options.toStderr ? ['error', 'warn', 'info', 'debug'] : [],
      }),
    ],
  });
}
