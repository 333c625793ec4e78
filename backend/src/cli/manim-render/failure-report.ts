import type { ErrorBody } from '../../client/api-types';
import type { TerminalStyle } from './terminal-style';

/** The code a failure points into: the file as the user has it, and the line. */
export interface FailureSource {
  /** How the file is named to the user, e.g. the path given on the command line. */
  label: string;
  text: string;
  line: number;
}

/** Lines shown before and after the failing one. */
const CONTEXT_LINES = 2;
/** Lines of Manim's output shown when the failure points at no line of the scene. */
const LOG_TAIL_LINES = 12;

/**
 * Where in the user's files a failure happened, from its details: `location.file` when it was a
 * module sent beside the scene, otherwise the scene file (`file` undefined); `line` 1-based.
 */
export function failureLocation(
  details: Record<string, unknown> | undefined,
): { file: string | undefined; line: number } | undefined {
  const location = details?.location;
  if (typeof location === 'object' && location !== null) {
    const { file, line } = location as { file?: unknown; line?: unknown };
    if (typeof file === 'string' && isLineNumber(line)) return { file, line };
  }
  const line = details?.line;
  return isLineNumber(line) ? { file: undefined, line } : undefined;
}

/**
 * The report of a failed render or a refused request: code and message, the hint, the fields at
 * fault, and the failing line of the user's code with a little context (or, without one, the last
 * lines of Manim's output).
 */
export function failureReport(
  error: ErrorBody,
  source: FailureSource | undefined,
  style: TerminalStyle,
): string {
  const lines = [`${style.red(style.bold(`error ${error.code}:`))} ${error.message}`];
  if (error.hint !== '') lines.push(`  ${style.yellow('hint:')} ${error.hint}`);
  for (const problem of problemsOf(error.details)) lines.push(`  - ${problem}`);
  if (source !== undefined) {
    lines.push('', ...codeExcerpt(source, style));
  } else {
    const tail = logTailOf(error.details);
    if (tail.length > 0) {
      lines.push('', style.dim("  last lines of Manim's output:"));
      lines.push(...tail.map((line) => style.dim(`    ${line}`)));
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The failing line with CONTEXT_LINES around it, numbered, the failing one marked. */
export function codeExcerpt(source: FailureSource, style: TerminalStyle): string[] {
  const all = source.text.split(/\r\n|\r|\n/);
  // A final line break ends the last line; it does not start another.
  if (all.length > 1 && all[all.length - 1] === '') all.pop();
  if (source.line > all.length) return [`  ${source.label} line ${source.line}`];
  const first = Math.max(1, source.line - CONTEXT_LINES);
  const last = Math.min(all.length, source.line + CONTEXT_LINES);
  const width = String(last).length;
  const excerpt = [`  ${style.bold(`${source.label}:${source.line}`)}`];
  for (let number = first; number <= last; number++) {
    const text = all[number - 1] ?? '';
    const gutter = `${String(number).padStart(width)} |`;
    excerpt.push(
      number === source.line
        ? style.red(style.bold(`> ${gutter} ${text}`))
        : `  ${style.dim(gutter)} ${text}`,
    );
  }
  return excerpt;
}

function problemsOf(details: Record<string, unknown> | undefined): string[] {
  const problems = details?.problems;
  if (!Array.isArray(problems)) return [];
  return problems.map((problem: unknown) => {
    const { field, message } = (problem ?? {}) as { field?: unknown; message?: unknown };
    return typeof field === 'string' ? `${field}: ${String(message)}` : String(message ?? problem);
  });
}

function logTailOf(details: Record<string, unknown> | undefined): string[] {
  const tail = details?.logTail;
  if (!Array.isArray(tail)) return [];
  return tail.filter((line): line is string => typeof line === 'string').slice(-LOG_TAIL_LINES);
}

function isLineNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1;
}
