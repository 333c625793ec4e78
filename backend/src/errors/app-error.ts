/**
 * The one error type of the service. Every failure a client or operator sees carries a stable
 * machine-readable code, the HTTP status it maps to, a one-line message that says what went wrong
 * and where, and a hint that says how to fix it.
 */
export const ERROR_CATALOGUE = {
  // Request errors
  validation_failed: { status: 400, hint: 'Fix the listed fields and send the request again.' },
  payload_too_large: { status: 413, hint: 'Send smaller scene code or raise the server limit.' },
  unsupported_media_type: {
    status: 415,
    hint: 'Send application/json or multipart/form-data with a .py file in the field "file".',
  },
  unauthorized: {
    status: 401,
    hint: 'Send a valid API key in "Authorization: Bearer <key>" or "X-API-Key: <key>".',
  },
  key_in_query: {
    status: 400,
    hint: 'Send the key in "Authorization: Bearer <key>" or "X-API-Key: <key>". A browser loads videos, posters and event streams through the browserLinks of a job, which carry a short-lived token instead of the key.',
  },
  invalid_token: {
    status: 401,
    hint: 'Read the job again (GET /api/animation/jobs/{id}) with your API key: its browserLinks carry fresh tokens, each opening one route of that job.',
  },
  admin_closed: {
    status: 403,
    hint: 'Set ADMIN_API_KEY to open the admin pages to whoever has that key.',
  },
  rate_limited: {
    status: 429,
    hint: 'Wait for the time in Retry-After, then send the request again.',
  },
  invalid_files: {
    status: 422,
    hint: 'Fix the uploaded file or archive entry named in the message (see "Files beside the scene" in docs/api.md), then send the request again.',
  },
  scene_not_found: {
    status: 422,
    hint: 'Name one of the Scene subclasses defined in the code with the "scene" field.',
  },
  job_not_found: {
    status: 404,
    hint: 'Check the job id; finished jobs expire after the retention period.',
  },
  job_not_completed: { status: 409, hint: 'Poll the job until its status is "completed".' },
  poster_not_found: {
    status: 404,
    hint: "No poster could be made for this video; the job's log (GET /api/animation/jobs/{id}/logs) says why. The video itself is there.",
  },
  job_already_finished: {
    status: 409,
    hint: 'Only queued or active jobs can be cancelled.',
  },
  route_not_found: { status: 404, hint: 'See docs/api.md for the available routes.' },
  method_not_allowed: {
    status: 405,
    hint: 'Use one of the methods in the Allow header; see docs/api.md.',
  },
  queue_unavailable: {
    status: 503,
    hint: 'Check that Redis is running and reachable at REDIS_URL.',
  },
  queue_full: {
    status: 503,
    hint: 'Retry after the time in Retry-After; the operator can raise MAX_QUEUED_JOBS or add workers.',
  },
  output_store_unavailable: {
    status: 503,
    hint: 'Check that the object store named in the message is running and reachable from this host, that S3_BUCKET exists, and that the S3_* credentials may read and write it; retry later.',
  },
  insufficient_storage: {
    status: 507,
    hint: 'The operator must free disk space or lower JOB_RETENTION_HOURS; retry later.',
  },
  config_invalid: {
    status: 500,
    hint: 'Fix the listed environment variables (see docs/configuration.md).',
  },
  internal: {
    status: 500,
    hint: 'This is a bug or an unexpected environment problem; check the server logs.',
  },

  // Job failures (reported in a failed job's `error`)
  syntax_error: { status: 422, hint: 'Fix the Python syntax at the reported line.' },
  scene_error: { status: 422, hint: 'Fix the exception raised by the scene at the reported line.' },
  timeout: {
    status: 422,
    hint: 'Simplify the scene, lower the quality, or raise RENDER_TIMEOUT_SECONDS.',
  },
  out_of_memory: {
    status: 422,
    hint: 'Lower the quality or resolution, or raise RENDER_MEMORY_MB.',
  },
  latex_error: {
    status: 422,
    hint: 'Fix the LaTeX of the Tex or MathTex at the reported line; details.latexContext shows the failing source.',
  },
  output_too_large: {
    status: 422,
    hint: 'Write smaller files: lower the quality, resolution or length, or raise RENDER_MAX_OUTPUT_MB.',
  },
  permission_denied: {
    status: 500,
    hint: 'The render user cannot write the job folder; see docs/troubleshooting.md and RENDER_USER.',
  },
  cancelled: { status: 409, hint: 'The job was cancelled on request; submit it again if needed.' },
  job_folder_too_large: {
    status: 422,
    hint: 'Write less: lower the quality, resolution or length, write no files of your own, or ask the operator to raise JOB_FOLDER_MAX_MB.',
  },
  job_folder_too_many_files: {
    status: 422,
    hint: 'Create fewer files (a scene writing files in a loop?), or ask the operator to raise JOB_FOLDER_MAX_FILES.',
  },
  job_files_missing: {
    status: 500,
    hint: 'The files sent with the job were removed before it rendered (it waited longer than JOB_RETENTION_HOURS, or Redis lost them); send the request again.',
  },
  render_failed: {
    status: 500,
    hint: "Read the log tail in details; it holds Manim's own output.",
  },
  output_missing: {
    status: 500,
    hint: 'Manim exited without writing the expected file; read the log tail in details.',
  },
  docker_unavailable: {
    status: 503,
    hint: 'Start the Docker Engine or fix access to its socket (run `npm run setup`).',
  },
  runtime_missing: {
    status: 503,
    hint: 'Register the container runtime named in RENDER_RUNTIME with the Docker Engine (daemon.json "runtimes") and reload it, or unset RENDER_RUNTIME.',
  },
  image_missing: {
    status: 503,
    hint: 'Build or pull the render image with `npm run prepare-image`.',
  },
  worker_path_not_shared: {
    status: 503,
    hint: 'Mount the job folders (TEMP_DIR) into the worker container at the same path as on the host (-v /srv/manim/temp:/srv/manim/temp), or set HOST_PATH_MAP to the host directories behind them.',
  },
  worker_mount_read_only: {
    status: 503,
    hint: 'Mount the job folders into the worker container read-write (drop ":ro" from their -v or volumes entry).',
  },
  worker_container_unknown: {
    status: 503,
    hint: "Set WORKER_CONTAINER to the worker's container name or id, set HOST_PATH_MAP to the host directories behind the job folders, or let job files be copied (JOB_FILE_TRANSFER=auto or copy).",
  },
} as const satisfies Record<string, { status: number; hint: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  hint: string;
  details?: Record<string, unknown>;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly hint: string;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { hint?: string; details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = ERROR_CATALOGUE[code].status;
    this.hint = options.hint ?? ERROR_CATALOGUE[code].hint;
    this.details = options.details;
  }

  toBody(): ErrorBody {
    return {
      code: this.code,
      message: this.message,
      hint: this.hint,
      ...(this.details === undefined ? {} : { details: this.details }),
    };
  }

  static fromBody(body: ErrorBody): AppError {
    return new AppError(body.code, body.message, { hint: body.hint, details: body.details });
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ERROR_CATALOGUE, value);
}
