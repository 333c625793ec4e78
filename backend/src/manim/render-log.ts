import { stripTerminalNoise } from './failure-classification';

const MAX_LINES_PER_STREAM = 300;

/**
 * The render's output as a person wants to read it: Manim's log (stdout) then tracebacks and
 * warnings (stderr), without terminal redraws and padding, the last lines of each.
 */
export function renderLogText(stdout: string, stderr: string): string {
  return [...section('stdout', stdout), ...section('stderr', stderr)].join('\n');
}

function section(name: string, text: string): string[] {
  const lines = stripTerminalNoise(text)
    .split('\n')
    .filter((line) => line.trim() !== '');
  const kept = lines.slice(-MAX_LINES_PER_STREAM);
  const dropped = lines.length - kept.length;
  return [
    `--- ${name}${dropped > 0 ? ` (last ${kept.length} of ${lines.length} lines)` : ''} ---`,
    ...kept,
  ];
}
