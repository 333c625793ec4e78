/** How `manim-render` exits, so that scripts can tell the cases apart. */
export const EXIT_CODES = {
  /** The render completed and its file was saved (or the scenes were listed). */
  ok: 0,
  /** The render failed or was cancelled, or the service refused the request (HTTP 4xx). */
  renderFailed: 1,
  /** The command line is wrong, or the scene file cannot be read. */
  usage: 2,
  /** The service cannot be reached, or failed itself (HTTP 5xx, an answer that is not its own). */
  serviceError: 3,
  /** Interrupted with Ctrl-C (128 + SIGINT); a running render was cancelled. */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

/** The exit code of an error the service (or the way to it) gave, by its HTTP status. */
export function exitCodeOfStatus(status: number): ExitCode {
  return status >= 400 && status < 500 ? EXIT_CODES.renderFailed : EXIT_CODES.serviceError;
}
