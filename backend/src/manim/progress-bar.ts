import { stripTerminalNoise } from './failure-classification';

/** Longest animation name kept; Manim names an animation after its mobjects, which may be long. */
const MAX_NAME_LENGTH = 200;

export interface ProgressBar {
  /** Absent for `Waiting for <condition>` (wait_until), whose bar has no number and no total. */
  index?: number;
  /** `Create(Circle)`, `FadeIn(Text('a')), etc.` or `Waiting 3`, as Manim names it. */
  name: string;
  done: number;
  total?: number;
}

// `{desc}: {percent:3.0f}%|{bar}| {n}/{total} [{elapsed}<{remaining}, {rate}]`; the description
// may itself contain `: ` or `|` (a Text's content), hence the lazy name and the anchored tail.
const BAR = /^(Animation (\d+): (.+?)|Waiting (\d+)):\s+\d{1,3}%\|[^|]*\|\s*(\d+)\/(\d+)\s*\[/;
const CONDITION_BAR = /^(Waiting for .+?):\s+(\d+)it \[/;

/** Reads one tqdm redraw (without its `\r`), or undefined when it is not one of Manim's bars. */
export function parseProgressBar(line: string): ProgressBar | undefined {
  const text = stripTerminalNoise(line).trimStart();
  const bar = BAR.exec(text);
  if (bar !== null) {
    const index = Number(bar[2] ?? bar[4]);
    const name = bar[4] !== undefined ? (bar[1] ?? '') : (bar[3] ?? '');
    return { index, name: shorten(name), done: Number(bar[5]), total: Number(bar[6]) };
  }
  const condition = CONDITION_BAR.exec(text);
  if (condition !== null) {
    return { name: shorten(condition[1] ?? ''), done: Number(condition[2]) };
  }
  return undefined;
}

function shorten(name: string): string {
  const trimmed = name.trim();
  return trimmed.length <= MAX_NAME_LENGTH ? trimmed : `${trimmed.slice(0, MAX_NAME_LENGTH - 1)}…`;
}
