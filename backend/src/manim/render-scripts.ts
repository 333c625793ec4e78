import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The Python programs in backend/render-scripts/, which the worker hands to the render image's
 * Python as `python3 -c` (or runs inside a warm container), so that any render image serves them
 * without being rebuilt. Each is read once.
 */
const sources = new Map<string, string>();

export function renderScriptSource(fileName: string): string {
  let source = sources.get(fileName);
  if (source === undefined) {
    source = readFileSync(renderScriptPath(fileName), 'utf8');
    sources.set(fileName, source);
  }
  return source;
}

/**
 * run_manim.py and poster.py: the functions a program that runs Manim in its own process calls
 * (a render with a poster, a warm container, the split module), to be put before that program.
 */
export function manimRunnerFunctions(): string {
  return `${renderScriptSource('poster.py')}\n${renderScriptSource('run_manim.py')}`;
}

function renderScriptPath(fileName: string): string {
  const relative = path.join('backend', 'render-scripts', fileName);
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, relative);
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) throw new Error(`${relative} not found above ${__dirname}`);
  }
}
