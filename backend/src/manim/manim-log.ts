import { stripTerminalNoise } from './failure-classification';

export type ManimLogEvent =
  | { kind: 'banner' }
  | { kind: 'animation-started' }
  | { kind: 'animation-written'; index: number; cached: boolean }
  | { kind: 'combining' }
  | { kind: 'file-ready' }
  | { kind: 'played'; animations: number };

type LogContext = 'empty-info' | 'rendered' | undefined;

// Rich's level column (an optional `[time]` column before it when log_timestamps is on).
const LOG_HEADER = /^\s*(?:\[[^\]]*\]\s+)?(DEBUG|INFO|WARNING|ERROR|CRITICAL)(?:\s+(.*))?$/;
const WRITTEN = /^Animation (\d+) : (Partial movie file written in|Using cached data)\b/;

/**
 * Reads Manim's stdout line by line. Rich continues a message on indented lines, so `File ready
 * at` and `Played N animations` only count right after the `INFO` line that opened them.
 */
export class ManimLogParser {
  private context: LogContext;

  parse(line: string): ManimLogEvent | undefined {
    const text = stripTerminalNoise(line);
    if (text.trim().length === 0) return undefined;

    const header = LOG_HEADER.exec(text);
    if (header !== null) {
      const level = header[1];
      const message = (header[2] ?? '').trim();
      this.context =
        level !== 'INFO'
          ? undefined
          : message === ''
            ? 'empty-info'
            : message.startsWith('Rendered ')
              ? 'rendered'
              : undefined;
      return level === 'INFO' ? infoEvent(message) : undefined;
    }

    if (/^\s/.test(text)) {
      const continued = text.trim();
      if (this.context === 'empty-info' && continued.startsWith("File ready at '")) {
        return { kind: 'file-ready' };
      }
      const played = /^Played (\d+) animations?$/.exec(continued);
      if (this.context === 'rendered' && played !== null) {
        return { kind: 'played', animations: Number(played[1]) };
      }
      return undefined;
    }

    this.context = undefined;
    return /^Manim Community v\d/.test(text) ? { kind: 'banner' } : undefined;
  }
}

function infoEvent(message: string): ManimLogEvent | undefined {
  if (message === 'Caching disabled.') return { kind: 'animation-started' };
  const written = WRITTEN.exec(message);
  if (written !== null) {
    return {
      kind: 'animation-written',
      index: Number(written[1]),
      cached: written[2] === 'Using cached data',
    };
  }
  if (message === 'Combining to Movie file.' || message.startsWith('Combining partial files')) {
    return { kind: 'combining' };
  }
  return undefined;
}

/** `Played N animations` from a whole stdout, e.g. of a `-s` first pass; undefined if absent. */
export function parsePlayedAnimations(stdout: string): number | undefined {
  const parser = new ManimLogParser();
  let played: number | undefined;
  for (const line of stdout.split(/\r?\n|\r/)) {
    const event = parser.parse(line);
    if (event?.kind === 'played') played = event.animations;
  }
  return played;
}
