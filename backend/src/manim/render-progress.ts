import { RENDER_STAGES, type RenderProgress, type RenderStage } from '../job/job-progress';
import { ManimLogParser } from './manim-log';
import { LineSplitter, type OutputLine } from './output-lines';
import { parseProgressBar, type ProgressBar } from './progress-bar';

/**
 * Render progress read from what Manim 0.19.0 really prints (see
 * backend/test/fixtures/manim-logs/progress-multi.*). Pure: no I/O, no timers; the caller passes
 * the wall-clock time of every event in milliseconds. The streams are cut into lines by
 * output-lines.ts; progress-bar.ts reads the bars and manim-log.ts the log events; the tracker
 * below turns them into stages, a percent and an ETA.
 *
 * What Manim tells us:
 * - stdout (rich log lines, one per line): `INFO  Caching disabled.` when a play()/wait() starts,
 *   `INFO  Animation N : Partial movie file written in '...'` (or `... : Using cached data ...`)
 *   when it has been written, `INFO  Combining to Movie file.` when the pieces are joined, then an
 *   empty `INFO` line continued by `File ready at '...'`, and `Rendered <Scene>` / `Played N
 *   animations`.
 * - stderr (tqdm, each redraw starts with `\r`, the bar is erased with spaces when done):
 *   `Animation N: Create(Circle):  40%|####      | 6/15 [00:00<00:00, 25.1it/s]`, or
 *   `Waiting N:  ...` for a wait with updaters. A static wait draws no bar at all, and a fast
 *   animation may be erased before any redraw past `0/15`. A redraw is read when the `\r` of
 *   the next one (or of its erasure) arrives, so the frames shown lag by one redraw (tqdm redraws
 *   at most every 0.1 s).
 *
 * The user's own print() output shares both streams, so a line counts only when it has Manim's
 * shape: log events need rich's `INFO` level column, bars must come from stderr as a `\r` redraw
 * (a print ends with `\n`), and animation numbers must follow on from those already seen.
 */

export type OutputStream = 'stdout' | 'stderr';

/**
 * Percent bands. Preparing covers the container start, `import manim` (~1 s) and whatever the
 * scene does before its first play() (LaTeX included); rendering maps into 10..90 so that
 * encoding and finalizing always have room; 100 is reserved for `done`.
 */
export const PROGRESS_PERCENT = {
  queued: 0,
  preparing: 1,
  manimStarted: 5,
  renderingStart: 10,
  renderingEnd: 90,
  encoding: 92,
  finalizing: 96,
  done: 100,
} as const;

/**
 * Without a known total, the percent model assumes this many animations still follow the current
 * one: after x animations (fractional within the current one) the rendering share is x / (x + 4).
 */
export const ASSUMED_REMAINING_ANIMATIONS = 4;

/** When the expected total is reached but more animations come, the share keeps rising slowly. */
const MIN_REMAINING_ANIMATIONS = 0.25;
/** Rendering time observed before a frame rate (and so an ETA) is trusted. */
const ETA_MIN_OBSERVED_MS = 1000;
const ETA_MIN_FRAMES = 10;
const DEFAULT_MIN_PUBLISH_INTERVAL_MS = 500;

export interface ProgressTrackerOptions {
  /**
   * The number of play()/wait() calls, when known beforehand (e.g. from `Played N animations` of
   * a `-s` first pass, see parsePlayedAnimations). Makes the rendering percent linear in
   * animations and enables the ETA.
   * @defaultValue unknown: the percent assumes ASSUMED_REMAINING_ANIMATIONS more
   */
  expectedAnimations?: number;
  /**
   * Least time between two updates that only change the animation or its frames.
   * @defaultValue 500
   */
  minPublishIntervalMs?: number;
}

interface CurrentAnimation {
  index: number;
  name?: string;
  done?: number;
  total?: number;
}

/**
 * Follows one render from Manim's two output streams and yields a RenderProgress snapshot.
 *
 * Percent model. Manim does not say up front how many play()/wait() calls a scene makes, so
 * rendering progress is counted in animations: x = finished animations + the finished fraction
 * (frames done / frames total, from the bar) of the current one. The rendering band (10..90) is
 * filled by
 * - x / E when the total E is known (`expectedAnimations`): linear; should the scene play more
 *   than E (randomness, reading files), the share keeps creeping up towards 90 instead of passing
 *   it;
 * - x / (x + 4) when it is not: as if about four more animations always followed. It starts
 *   quickly, slows down as animations accumulate and never reaches 90 before Manim starts
 *   encoding: 26 % after 1 animation, 50 % after 4, 70 % after 12, 82 % after 36.
 * Every animation weighs the same, whatever its length: a 0.2 s wait moves the bar as much as a
 * 10 s transformation; within an animation the bar moves with its frames. Frame-weighting would
 * be closer to time but cannot be done without knowing the frames of the animations still to
 * come, and it would make the bar jump back (held still here) whenever a long animation starts.
 * Knowing E costs a first pass with `-s`, which runs the user's code twice (side effects,
 * randomness, twice the time of heavy construct() code) and costs, measured with Manim 0.19.0 on
 * 2 busy cores (medians of 5, container start of ~0.4 s included): 1.5 s before a 1.7 s render of
 * a trivial scene at -ql (+90 %), 2.0 s before a 3.2 s render of a 6-animation Text/MathTex
 * scene at -ql (+47 %: the second pass reuses the LaTeX cache and takes 2.7 s), 1.9 s before
 * 17.8 s for that scene at -qh (+10 %). Without it, the percent is an honest "how far in
 * animations", not a fraction of the time.
 *
 * Percent never goes back: every snapshot keeps the highest value reached, and stages only move
 * forward (a bar seen after `Combining to Movie file.` is ignored).
 *
 * ETA: effective frames per second of wall time since rendering started (LaTeX and scene code
 * between animations included) applied to the frames left: the rest of the current bar plus, for
 * the animations not yet started, the mean frame count of those seen. Only given when E is known,
 * at least 1 s and 10 frames have been observed, and the scene has not played more than E.
 */
export class ProgressTracker {
  private readonly expectedAnimations: number | undefined;
  private readonly minPublishIntervalMs: number;
  private readonly splitters: Record<OutputStream, LineSplitter> = {
    stdout: new LineSplitter(),
    stderr: new LineSplitter(),
  };
  private readonly logParser = new ManimLogParser();

  private stage: RenderStage = 'queued';
  private percent: number = PROGRESS_PERCENT.queued;
  private completed = 0;
  private current: CurrentAnimation | undefined;
  /** Frame totals of the animations that drew a bar, by index. */
  private readonly frameTotals = new Map<number, number>();
  private renderingStartedMs: number | undefined;
  private lastEventMs: number | undefined;
  private played: number | undefined;

  private lastPublished: RenderProgress | undefined;
  private lastPublishedMs = 0;

  constructor(options: ProgressTrackerOptions = {}) {
    const expected = options.expectedAnimations;
    if (expected !== undefined && (!Number.isInteger(expected) || expected < 0)) {
      throw new RangeError(`expectedAnimations must be a whole number >= 0, got ${expected}`);
    }
    this.expectedAnimations = expected !== undefined && expected > 0 ? expected : undefined;
    this.minPublishIntervalMs = options.minPublishIntervalMs ?? DEFAULT_MIN_PUBLISH_INTERVAL_MS;
  }

  /** The worker has taken the job and prepares the folder and the container. */
  start(nowMs: number): void {
    this.advance('preparing', nowMs);
  }

  /** A chunk of the container's output, in the order it arrived. */
  push(stream: OutputStream, chunk: string | Uint8Array, nowMs: number): void {
    this.lastEventMs = nowMs;
    if (this.stage === 'queued') this.advance('preparing', nowMs);
    for (const line of this.splitters[stream].push(chunk)) this.handleLine(stream, line, nowMs);
  }

  /** The container has exited: reads what was left without a line end on both streams. */
  endOfOutput(nowMs: number): void {
    this.lastEventMs = nowMs;
    for (const stream of ['stdout', 'stderr'] as const) {
      for (const line of this.splitters[stream].end()) this.handleLine(stream, line, nowMs);
    }
  }

  /**
   * Moves to a later stage (never back), e.g. `finalizing` while the worker moves the file when
   * Manim's own marker was missed. Ignored when the tracker is already at or past it.
   */
  advance(stage: RenderStage, nowMs: number): void {
    this.lastEventMs = nowMs;
    if (stageOrder(stage) <= stageOrder(this.stage)) return;
    this.stage = stage;
    if (stage === 'rendering') this.renderingStartedMs = nowMs;
    this.raisePercent(STAGE_FLOOR[stage]);
  }

  /** The result is stored: 100 %. */
  complete(nowMs: number): void {
    this.advance('done', nowMs);
  }

  /** `Played N animations` as Manim reported it at the end, if it did. */
  get playedAnimations(): number | undefined {
    return this.played;
  }

  snapshot(): RenderProgress {
    const progress: RenderProgress = { stage: this.stage, percent: this.percent };
    if (this.stage !== 'rendering' || this.current === undefined) return progress;

    const { index, name, done, total } = this.current;
    progress.animation = name === undefined ? { index } : { index, name };
    if (total !== undefined) progress.frames = { done: done ?? 0, total };
    const eta = this.etaSeconds();
    if (eta !== undefined) progress.etaSeconds = eta;
    return progress;
  }

  /**
   * Whether the snapshot differs enough from the last published one: always for the first one, a
   * new stage or a percent one point higher; for a new animation or new frames alone, only when
   * `minPublishIntervalMs` has passed since the last publication.
   */
  shouldPublish(nowMs: number): boolean {
    const last = this.lastPublished;
    if (last === undefined) return true;
    const next = this.snapshot();
    if (next.stage !== last.stage || next.percent >= last.percent + 1) return true;
    if (nowMs - this.lastPublishedMs < this.minPublishIntervalMs) return false;
    return (
      next.animation?.index !== last.animation?.index ||
      next.animation?.name !== last.animation?.name ||
      next.frames?.done !== last.frames?.done ||
      next.frames?.total !== last.frames?.total
    );
  }

  /** Records a snapshot as published, for shouldPublish. */
  markPublished(progress: RenderProgress, nowMs: number): void {
    this.lastPublished = progress;
    this.lastPublishedMs = nowMs;
  }

  /** The snapshot to publish now, recorded as published, or undefined when nothing changed enough. */
  takeUpdate(nowMs: number): RenderProgress | undefined {
    if (!this.shouldPublish(nowMs)) return undefined;
    const progress = this.snapshot();
    this.markPublished(progress, nowMs);
    return progress;
  }

  private handleLine(stream: OutputStream, line: OutputLine, nowMs: number): void {
    if (stream === 'stderr') {
      // A bar is a `\r` redraw; text ending with `\n` was printed by the user (or is a traceback).
      if (line.terminator === '\n') return;
      const bar = parseProgressBar(line.text);
      if (bar !== undefined) this.onBar(bar, nowMs);
      return;
    }
    const event = this.logParser.parse(line.text);
    if (event === undefined) return;
    switch (event.kind) {
      case 'banner':
        if (this.stage === 'preparing') this.raisePercent(PROGRESS_PERCENT.manimStarted);
        break;
      case 'animation-started':
        if (!this.advanceRendering(nowMs)) break;
        if (this.current === undefined || this.current.index < this.completed) {
          this.current = { index: this.completed };
        }
        break;
      case 'animation-written':
        this.onWritten(event.index, nowMs);
        break;
      case 'combining':
        this.advance('encoding', nowMs);
        break;
      case 'file-ready':
        this.advance('finalizing', nowMs);
        break;
      case 'played':
        this.played = event.animations;
        this.advance('finalizing', nowMs);
        break;
    }
    this.updatePercent();
  }

  private onBar(bar: ProgressBar, nowMs: number): void {
    const index = bar.index ?? this.completed;
    // A bar belongs to the next animation to finish; one further on means that the stdout line
    // of the previous one has not arrived yet. Anything else is not Manim's.
    if (index < this.completed || index > this.completed + 1) return;
    if (!this.advanceRendering(nowMs)) return;
    if (index === this.completed + 1) this.finish(this.completed);

    const previous = this.current?.index === index ? this.current : undefined;
    const done = bar.total === undefined ? bar.done : Math.min(bar.done, bar.total);
    this.current = {
      index,
      name: bar.name,
      done: Math.max(done, previous?.done ?? 0),
      total: bar.total,
    };
    if (bar.total !== undefined && bar.total > 0) this.frameTotals.set(index, bar.total);
    this.updatePercent();
  }

  private onWritten(index: number, nowMs: number): void {
    if (index !== this.completed) return; // already counted, or not Manim's
    if (!this.advanceRendering(nowMs)) return;
    this.finish(index);
  }

  private finish(index: number): void {
    this.completed = index + 1;
    if (this.current === undefined || this.current.index !== index) {
      this.current = { index };
    } else if (this.current.total !== undefined) {
      this.current.done = this.current.total;
    }
  }

  /** Enters rendering when still before it; false when already past it. */
  private advanceRendering(nowMs: number): boolean {
    if (stageOrder(this.stage) > stageOrder('rendering')) return false;
    this.advance('rendering', nowMs);
    return true;
  }

  private animationsDone(): number {
    const current = this.current;
    if (current === undefined || current.index !== this.completed) return this.completed;
    if (current.total === undefined || current.total <= 0) return this.completed;
    return this.completed + Math.min((current.done ?? 0) / current.total, 1);
  }

  private updatePercent(): void {
    if (this.stage !== 'rendering') return;
    const done = this.animationsDone();
    const expected = this.expectedAnimations;
    const remaining =
      expected === undefined
        ? ASSUMED_REMAINING_ANIMATIONS
        : Math.max(expected - done, MIN_REMAINING_ANIMATIONS);
    const share = done / (done + remaining);
    const { renderingStart, renderingEnd } = PROGRESS_PERCENT;
    const percent = renderingStart + (renderingEnd - renderingStart) * share;
    this.raisePercent(Math.min(Math.floor(percent), renderingEnd - 1));
  }

  private raisePercent(percent: number): void {
    if (percent > this.percent) this.percent = percent;
  }

  private etaSeconds(): number | undefined {
    const expected = this.expectedAnimations;
    const started = this.renderingStartedMs;
    const now = this.lastEventMs;
    if (expected === undefined || started === undefined || now === undefined) return undefined;
    const elapsedMs = now - started;
    if (elapsedMs < ETA_MIN_OBSERVED_MS || this.completed > expected) return undefined;

    let framesRendered = 0;
    for (const [index, total] of this.frameTotals) {
      if (index < this.completed) framesRendered += total;
    }
    const current = this.current;
    const currentActive = current !== undefined && current.index === this.completed;
    let framesLeft = 0;
    if (currentActive && current.total !== undefined) {
      framesRendered += current.done ?? 0;
      framesLeft += current.total - (current.done ?? 0);
    }
    if (framesRendered < ETA_MIN_FRAMES || this.frameTotals.size === 0) return undefined;

    let totalFrames = 0;
    for (const total of this.frameTotals.values()) totalFrames += total;
    const meanFrames = totalFrames / this.frameTotals.size;
    const notStarted = Math.max(expected - this.completed - (currentActive ? 1 : 0), 0);
    framesLeft += notStarted * meanFrames;

    const framesPerSecond = framesRendered / (elapsedMs / 1000);
    return Math.round(framesLeft / framesPerSecond);
  }
}

const STAGE_FLOOR: Record<RenderStage, number> = {
  queued: PROGRESS_PERCENT.queued,
  preparing: PROGRESS_PERCENT.preparing,
  rendering: PROGRESS_PERCENT.renderingStart,
  encoding: PROGRESS_PERCENT.encoding,
  finalizing: PROGRESS_PERCENT.finalizing,
  done: PROGRESS_PERCENT.done,
};

function stageOrder(stage: RenderStage): number {
  return RENDER_STAGES.indexOf(stage);
}
