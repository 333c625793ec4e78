import type { RenderProgress } from '../../client/api-types';

const MAX_NAME_LENGTH = 40;

/**
 * One line that says how a render is doing, e.g.
 * `[ 40%] rendering · animation 3: Create(Circle) · frames 6/15 · ETA 12s`. Animations are
 * counted from 1 (Manim numbers them from 0); a queued job shows its place in line.
 */
export function progressLine(progress: RenderProgress, position?: number): string {
  const parts: string[] = [progress.stage];
  if (progress.stage === 'queued' && position !== undefined)
    parts[0] = `queued, ${ordinal(position)} in line`;
  if (progress.animation !== undefined) {
    const name =
      progress.animation.name === undefined ? '' : `: ${shorten(progress.animation.name)}`;
    parts.push(`animation ${progress.animation.index + 1}${name}`);
  }
  if (progress.frames !== undefined && progress.frames.total > 0) {
    parts.push(`frames ${progress.frames.done}/${progress.frames.total}`);
  }
  if (progress.etaSeconds !== undefined) parts.push(`ETA ${duration(progress.etaSeconds)}`);
  return `[${String(progress.percent).padStart(3)}%] ${parts.join(' · ')}`;
}

/** 7s, 1m05s, 1h02m. */
export function duration(seconds: number): string {
  const total = Math.max(0, Math.round(seconds));
  if (total < 60) return `${total}s`;
  const minutes = Math.floor(total / 60);
  if (minutes < 60) return `${minutes}m${String(total % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

function ordinal(n: number): string {
  const tens = n % 100;
  const suffix =
    tens >= 11 && tens <= 13
      ? 'th'
      : (({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th');
  return `${n}${suffix}`;
}

function shorten(text: string): string {
  return text.length <= MAX_NAME_LENGTH ? text : `${text.slice(0, MAX_NAME_LENGTH - 1)}…`;
}
