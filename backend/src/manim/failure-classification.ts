import { AppError } from '../errors/app-error';
import type { RenderOptions } from '../job/render-job';
import { RENDER_CONTAINER_PATHS } from './manim-command';

/**
 * Turns the output of a failed Manim run into the error the client sees. The patterns below were
 * taken from real Manim 0.19.0 output (see backend/test/fixtures/manim-logs/): Manim logs through
 * rich on stdout, while tracebacks and progress bars go to stderr. An exception raised while the
 * scene renders is printed as a rich traceback (boxed frames, the exception after the box); one
 * raised while the file is imported (syntax errors, module-level code) as a plain Python one.
 */
export interface RenderRunOutcome {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  oomKilled: boolean;
  limits: { timeoutSeconds: number; memoryMb: number };
}

const LOG_TAIL_LINES = 40;
const MAX_MESSAGE_LENGTH = 300;
const SIGKILL_EXIT_CODE = 137;
const SYNTAX_ERROR_TYPES = ['SyntaxError', 'IndentationError', 'TabError'];
/**
 * `sceneFile` is where the scene sits in the job folder (scene.py, or a project's own file);
 * frames in the other Python files of the job folder (modules sent with the scene) count as the
 * user's code too.
 */
export function classifyRenderFailure(
  outcome: RenderRunOutcome,
  options: RenderOptions,
  sceneFile: string = RENDER_CONTAINER_PATHS.sceneFileName,
): AppError {
  const stdoutLines = meaningfulLines(outcome.stdout);
  const stderrLines = meaningfulLines(outcome.stderr);
  const logTail = [...stdoutLines, ...stderrLines].slice(-LOG_TAIL_LINES);

  if (outcome.timedOut) {
    const seconds = outcome.limits.timeoutSeconds;
    return new AppError(
      'timeout',
      `Rendering ${options.scene} took longer than the ${seconds} s limit and was stopped`,
      { details: { limitSeconds: seconds, logTail } },
    );
  }
  if (outcome.oomKilled || outcome.exitCode === SIGKILL_EXIT_CODE) {
    const megabytes = outcome.limits.memoryMb;
    return new AppError(
      'out_of_memory',
      `Rendering ${options.scene} ran out of memory (limit ${megabytes} MiB) and was stopped`,
      { details: { limitMb: megabytes, logTail } },
    );
  }

  const exception = findException(stderrLines);
  if (exception !== undefined) {
    return classifyException(exception, { stderrLines, stdoutLines, logTail, sceneFile });
  }

  const sceneNotFound = findSceneNotFound(stdoutLines, options.scene, sceneFile);
  if (sceneNotFound !== undefined) {
    return new AppError('scene_not_found', sceneNotFound.message, {
      details: { requested: options.scene, found: sceneNotFound.found, logTail },
    });
  }

  if (outcome.exitCode === 0) {
    return new AppError(
      'output_missing',
      `Manim exited successfully but wrote no ${options.format} file for ${options.scene}`,
      { details: { logTail } },
    );
  }
  const lastLine = logTail[logTail.length - 1]?.trim();
  const how =
    outcome.exitCode === null ? 'was stopped by a signal' : `exited with code ${outcome.exitCode}`;
  return new AppError(
    'render_failed',
    oneLine(lastLine === undefined ? `Manim ${how}` : `Manim ${how}: ${lastLine}`),
    { details: { exitCode: outcome.exitCode, logTail } },
  );
}

function classifyException(
  exception: string,
  output: { stderrLines: string[]; stdoutLines: string[]; logTail: string[]; sceneFile: string },
): AppError {
  const { stderrLines, stdoutLines, logTail, sceneFile } = output;
  const frame = innermostUserFrame(stderrLines);
  const line = frame?.file === sceneFile ? frame.line : lastFrameLine(stderrLines, sceneFile);
  // Where the user's own code failed, when that is a module sent with the scene.
  const location = frame !== undefined && frame.file !== sceneFile ? { location: frame } : {};
  const atLine = (text: string) => describeAt(text, frame ?? lineIn(sceneFile, line));
  const type = exception.split(':', 1)[0] ?? exception;

  if (SYNTAX_ERROR_TYPES.includes(type)) {
    return new AppError('syntax_error', atLine(exception), {
      details: { line, ...location, exception, logTail },
    });
  }

  const latex = findLatexError(stdoutLines);
  if (latex !== undefined && frame !== undefined) {
    return new AppError('latex_error', atLine(`LaTeX error: ${latex.error}`), {
      details: {
        line,
        ...location,
        exception,
        latexError: latex.error,
        latexContext: latex.context,
        logTail,
      },
    });
  }

  // Python ignores SIGXFSZ, so the file-size limit surfaces as this OSError wherever it is hit.
  if (/\[Errno 27\] File too large/.test(exception)) {
    return new AppError(
      'output_too_large',
      oneLine(`A file written by the render hit the size limit: ${exception}`),
      {
        details: { exception, line, logTail },
      },
    );
  }
  if (/\[Errno 13\] Permission denied: '\/job(\/|')/.test(exception)) {
    return new AppError(
      'permission_denied',
      oneLine(`The render user may not write its job folder: ${exception}`),
      {
        details: { exception, line, logTail, readOnly: false },
      },
    );
  }
  if (/\[Errno 30\] Read-only file system: '\/job(\/|')/.test(exception)) {
    return new AppError(
      'permission_denied',
      oneLine(`The job folder is mounted read-only in the render container: ${exception}`),
      {
        hint: 'Mount the folder behind TEMP_DIR read-write for the Docker daemon; no user, not even root, can write a read-only mount.',
        details: { exception, line, logTail, readOnly: true },
      },
    );
  }

  // Without a frame in the user's files the exception came from Manim or its environment.
  if (frame === undefined) {
    return new AppError('render_failed', oneLine(`Manim failed: ${exception}`), {
      details: { exception, logTail },
    });
  }
  return new AppError('scene_error', atLine(exception), {
    details: { exception, line, ...location, logTail },
  });
}

/**
 * Removes what only makes sense on a terminal: ANSI escapes, carriage-return redraws of progress
 * bars (the last drawn state of a line wins), trailing padding, and the right-aligned source
 * column (`scene_file_writer.py:588`) of rich log lines.
 */
export function stripTerminalNoise(text: string): string {
  return (
    text
      .replace(/\r\n/g, '\n')
      // eslint-disable-next-line no-control-regex -- ANSI escapes start with the ESC control character
      .replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, '')
      // eslint-disable-next-line no-control-regex -- as above, terminal title sequences
      .replace(/\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/g, '')
      .split('\n')
      .map((line) => {
        const drawn = line.split('\r').filter((segment) => segment.length > 0);
        const visible = drawn[drawn.length - 1] ?? '';
        return visible.replace(/\s{2,}[\w.-]+\.py:\d+\s*$/, '').trimEnd();
      })
      .join('\n')
  );
}

const NOISE_PATTERNS = [
  /^[\s│]*$/, // blank lines, also inside a rich traceback box
  /\d+%\|.*\|\s*\d+\/\d+\s*\[/, // a tqdm progress bar left mid-way
  /pydub[\\/]utils\.py:\d+: RuntimeWarning: Couldn't find ffmpeg/,
  /^\s*warn\("Couldn't find ffmpeg/,
];

/** The lines worth showing to a user: no blank lines, no progress bars, no box padding. */
export function meaningfulLines(text: string): string[] {
  return stripTerminalNoise(text)
    .split('\n')
    .filter((line) => !NOISE_PATTERNS.some((pattern) => pattern.test(line)))
    .map((line) => (line.startsWith('│') ? line.replace(/\s+│$/, '') : line));
}

/**
 * The final exception of the last traceback on stderr, e.g. `NameError: name 'foo' is not
 * defined`. Rich prints it after the box and wraps it at the console width, so its lines are
 * joined; Python prints it as the first unindented line after the frames.
 */
function findException(stderrLines: string[]): string | undefined {
  const boxEnd = lastIndexWhere(stderrLines, (line) => line.startsWith('╰'));
  const plainStart = lastIndexWhere(stderrLines, (line) =>
    line.startsWith('Traceback (most recent call last):'),
  );
  if (boxEnd === -1 && plainStart === -1) return undefined;

  let candidate: string | undefined;
  if (boxEnd > plainStart) {
    candidate = stderrLines
      .slice(boxEnd + 1)
      .map((line) => line.trim())
      .join(' ');
  } else {
    candidate = stderrLines.slice(plainStart + 1).find((line) => /^\S/.test(line));
  }
  if (candidate === undefined || !/^[A-Za-z_][\w.]*(?::|$)/.test(candidate)) return undefined;
  return candidate.trim();
}

interface SourceLocation {
  /** Relative to the job folder, e.g. scene.py or helpers/shapes.py. */
  file: string;
  line: number;
}

const JOB_DIR = escapeRegExp(RENDER_CONTAINER_PATHS.jobDir);
// Rich frames read "/job/scene.py:12 in construct" (a syntax error's box, from Manim 0.20 on,
// only "/job/scene.py:4"); plain ones 'File "/job/scene.py", line 12'.
const RICH_FRAME = new RegExp(`${JOB_DIR}/([^\\s:"]+\\.py):(\\d+)(?: in |\\s|$)`);
const PLAIN_FRAME = new RegExp(`File "${JOB_DIR}/([^"]+\\.py)", line (\\d+)`);

/** The innermost traceback frame in a Python file of the job folder: the user's own code. */
function innermostUserFrame(stderrLines: string[]): SourceLocation | undefined {
  let found: SourceLocation | undefined;
  for (const text of stderrLines) {
    const match = RICH_FRAME.exec(text) ?? PLAIN_FRAME.exec(text);
    const [file, line] = [match?.[1], match?.[2]];
    // Manim writes nothing of its own into the job folder but media/ and the home folder.
    if (file === undefined || line === undefined || /^(media|home)\//.test(file)) continue;
    found = { file, line: Number(line) };
  }
  return found;
}

/** The line of the innermost frame in `file`, the scene file. */
function lastFrameLine(stderrLines: string[], file: string): number | undefined {
  let line: number | undefined;
  for (const text of stderrLines) {
    const match = RICH_FRAME.exec(text) ?? PLAIN_FRAME.exec(text);
    if (match?.[1] === file && match[2] !== undefined) line = Number(match[2]);
  }
  return line;
}

function lineIn(file: string, line: number | undefined): SourceLocation | undefined {
  return line === undefined ? undefined : { file, line };
}

function findLatexError(stdoutLines: string[]): { error: string; context: string[] } | undefined {
  const error = stdoutLines
    .map((line) => /LaTeX compilation error: (.*)$/.exec(line)?.[1]?.trim())
    .find((message) => message !== undefined && message !== '');
  if (error === undefined) return undefined;

  const contextStart = stdoutLines.findIndex((line) => line.includes('Context of error:'));
  const context: string[] = [];
  if (contextStart !== -1) {
    for (const line of stdoutLines.slice(contextStart + 1)) {
      if (!/^\s/.test(line) || context.length >= 10) break;
      context.push(line.trim());
    }
  }
  return { error, context };
}

/**
 * Manim logs "<name> is not in the script" for an unknown scene name, listing the scenes when
 * there are several, and "There are no scenes inside that module" for a file without scenes.
 */
function findSceneNotFound(
  stdoutLines: string[],
  requested: string,
  sceneFile: string,
): { message: string; found: string[] } | undefined {
  if (stdoutLines.some((line) => line.includes('There are no scenes inside that module'))) {
    return { message: `No Scene subclass found in ${sceneFile}`, found: [] };
  }
  const notInScript = stdoutLines.findIndex((line) => line.includes(' is not in the script'));
  if (notInScript === -1) return undefined;

  const found = stdoutLines
    .slice(notInScript + 1)
    .map((line) => /^\s*\d+: (\S+)$/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);
  const available = found.length === 0 ? '' : ` (found: ${found.join(', ')})`;
  return { message: `Scene "${requested}" is not defined in ${sceneFile}${available}`, found };
}

function lastIndexWhere(lines: string[], predicate: (line: string) => boolean): number {
  for (let index = lines.length - 1; index >= 0; index--) {
    if (predicate(lines[index] ?? '')) return index;
  }
  return -1;
}

function oneLine(text: string): string {
  const collapsed = text.replace(/\s+/g, ' ').trim();
  return collapsed.length <= MAX_MESSAGE_LENGTH
    ? collapsed
    : `${collapsed.slice(0, MAX_MESSAGE_LENGTH - 1)}…`;
}

/** The one-line message: the exception (shortened if need be) and where it happened. */
function describeAt(text: string, location: SourceLocation | undefined): string {
  const where = location === undefined ? '' : ` (${location.file} line ${location.line})`;
  return `${oneLine(text)}${where}`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
