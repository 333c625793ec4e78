import type { ErrorBody } from './api-types';

/**
 * What went wrong, as the service says it: its stable code, a one-line message, a hint and the
 * details. `status` is the HTTP status, or 0 when the service could not be reached at all.
 */
export class ManimRenderError extends Error {
  readonly code: ErrorBody['code'];
  readonly hint: string;
  readonly details: Record<string, unknown> | undefined;
  readonly status: number;

  constructor(body: ErrorBody, status: number, options: { cause?: unknown } = {}) {
    super(body.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ManimRenderError';
    this.code = body.code;
    this.hint = body.hint;
    this.details = body.details;
    this.status = status;
  }

  /** The error body again, e.g. to print it. */
  toBody(): ErrorBody {
    return {
      code: this.code,
      message: this.message,
      hint: this.hint,
      ...(this.details === undefined ? {} : { details: this.details }),
    };
  }
}

/** Codes the client itself gives, for failures that come with no error body from the service. */
export const CLIENT_ERROR_CODES = {
  /** No answer: the server is down, the URL is wrong, or the network is. */
  unreachable: 'server_unreachable',
  /** An answer that is not the service's: a proxy's error page, an unexpected status. */
  unexpected: 'unexpected_response',
} as const;

/** The error of an HTTP answer: the service's error body, or a description of what came. */
export function errorFromResponse(status: number, body: unknown, url: string): ManimRenderError {
  const error = isRecord(body) ? body.error : undefined;
  if (isRecord(error) && typeof error.code === 'string' && typeof error.message === 'string') {
    return new ManimRenderError(
      {
        code: error.code,
        message: error.message,
        hint: typeof error.hint === 'string' ? error.hint : '',
        ...(isRecord(error.details) ? { details: error.details } : {}),
      },
      status,
    );
  }
  const text = typeof body === 'string' ? body.trim().slice(0, 200) : '';
  return new ManimRenderError(
    {
      code: CLIENT_ERROR_CODES.unexpected,
      message: `${url} answered HTTP ${status}${text ? `: ${text}` : ' without an error body'}`,
      hint: 'Check that the URL points at the Manim render service and not at another server or proxy.',
    },
    status,
  );
}

/** The error of a request that got no answer. */
export function unreachableError(baseUrl: string, cause: unknown): ManimRenderError {
  const reason = causeMessage(cause);
  return new ManimRenderError(
    {
      code: CLIENT_ERROR_CODES.unreachable,
      message: `Cannot reach the render service at ${baseUrl}: ${reason}`,
      hint: 'Start the service (npm start) or pass its address with --url or MANIM_RENDER_URL.',
    },
    0,
    { cause },
  );
}

function causeMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // fetch reports "fetch failed" and keeps the reason (ECONNREFUSED, ENOTFOUND) in its cause.
  const cause: unknown = error.cause;
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return typeof code === 'string' ? `${code} (${cause.message})` : cause.message;
  }
  return error.message;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
