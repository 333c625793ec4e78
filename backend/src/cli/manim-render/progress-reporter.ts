/** Where progress goes: stderr, or a test's stand-in. */
export interface StatusStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Without a terminal, a line that says nothing new is printed at most this often. */
const PLAIN_REPEAT_MS = 5000;

/**
 * Shows a live status line. On a terminal it is redrawn in place (`\r`, then erase to the end of
 * the line); elsewhere (a log file, CI) a line is printed when its `topic` changes (stage or
 * animation) and otherwise at most every few seconds. Messages printed between updates go on
 * lines of their own.
 */
export class ProgressReporter {
  private drawn = false;
  private lastTopic: string | undefined;
  private lastPlainAt = -Infinity;

  constructor(
    private readonly stream: StatusStream,
    private readonly now: () => number = Date.now,
  ) {}

  update(line: string, topic: string): void {
    if (this.stream.isTTY === true) {
      const width = Math.max(20, (this.stream.columns ?? 80) - 1);
      const shown = line.length > width ? `${line.slice(0, width - 1)}…` : line;
      this.stream.write(`\r${shown}\x1b[K`);
      this.drawn = true;
      return;
    }
    const now = this.now();
    if (topic === this.lastTopic && now - this.lastPlainAt < PLAIN_REPEAT_MS) return;
    this.lastTopic = topic;
    this.lastPlainAt = now;
    this.stream.write(`${line}\n`);
  }

  /** Prints a message on a line of its own, below the status line. */
  message(text: string): void {
    this.clear();
    this.stream.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** Erases the status line (on a terminal). */
  clear(): void {
    if (!this.drawn) return;
    this.stream.write('\r\x1b[K');
    this.drawn = false;
  }
}
