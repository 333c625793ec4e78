import { StringDecoder } from 'node:string_decoder';

/** How a piece of output ended: a newline, a carriage return (a redraw), or the end of output. */
export type LineTerminator = '\n' | '\r' | 'end';

export interface OutputLine {
  text: string;
  terminator: LineTerminator;
}

/** Longest line kept; the rest of a longer line is dropped so that memory stays bounded. */
export const MAX_LINE_LENGTH = 8192;

/**
 * Splits a chunked byte or text stream into lines at `\n`, `\r\n` and `\r`. A line (or a UTF-8
 * character) cut by a chunk boundary is completed by the next chunk; a `\r` at the very end of a
 * chunk waits for the next one to tell whether a `\n` follows.
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';
  private pendingCarriageReturn = false;
  private overflowed = false;

  push(chunk: string | Uint8Array): OutputLine[] {
    const text = typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    const lines: OutputLine[] = [];
    let start = 0;

    if (this.pendingCarriageReturn && text.length > 0) {
      this.pendingCarriageReturn = false;
      if (text[0] === '\n') {
        this.emit(lines, '\n');
        start = 1;
      } else {
        this.emit(lines, '\r');
      }
    }

    for (let index = start; index < text.length; index++) {
      const char = text[index];
      if (char !== '\n' && char !== '\r') continue;
      this.append(text.slice(start, index));
      start = index + 1;
      if (char === '\n') {
        this.emit(lines, '\n');
      } else if (index + 1 === text.length) {
        this.pendingCarriageReturn = true;
      } else if (text[index + 1] === '\n') {
        this.emit(lines, '\n');
        index++;
        start = index + 1;
      } else {
        this.emit(lines, '\r');
      }
    }
    this.append(text.slice(start));
    return lines;
  }

  /** The output has ended: returns what was left without a terminator. */
  end(): OutputLine[] {
    this.append(this.decoder.end());
    const lines: OutputLine[] = [];
    if (this.pendingCarriageReturn) {
      this.pendingCarriageReturn = false;
      this.emit(lines, '\r');
    }
    if (this.pending.length > 0 || this.overflowed) this.emit(lines, 'end');
    return lines;
  }

  private append(text: string): void {
    if (text.length === 0) return;
    const room = MAX_LINE_LENGTH - this.pending.length;
    if (text.length > room) this.overflowed = true;
    if (room > 0) this.pending += text.slice(0, room);
  }

  private emit(lines: OutputLine[], terminator: LineTerminator): void {
    lines.push({ text: this.pending, terminator });
    this.pending = '';
    this.overflowed = false;
  }
}
