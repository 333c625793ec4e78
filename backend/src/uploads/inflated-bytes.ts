import { createGunzip, type Gunzip } from 'node:zlib';

/**
 * The bytes a gzip stream inflates to, inflated only as far as they are read: every read and skip
 * is charged to `spend` before a byte of it is inflated, so a budget behind `spend` refuses a
 * stream after at most its own worth of work, whatever the stream declares or hides.
 */
export class InflatedBytes {
  private readonly gunzip: Gunzip;
  private readonly chunks: AsyncIterator<Buffer>;
  /** Inflated but not yet read, oldest first. */
  private readonly pending: Buffer[] = [];
  private pendingBytes = 0;
  private ended = false;

  constructor(
    gzip: Buffer,
    private readonly spend: (bytes: number) => void,
  ) {
    this.gunzip = createGunzip();
    this.gunzip.end(gzip);
    this.chunks = this.gunzip[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  }

  /** The next `length` bytes; fewer only where the stream ends. */
  async read(length: number): Promise<Buffer> {
    this.spend(length);
    return this.take(length);
  }

  /** Passes over the next `length` bytes; returns how many there were before the stream ended. */
  async skip(length: number): Promise<number> {
    this.spend(length);
    let skipped = 0;
    while (skipped < length) {
      const part = await this.take(Math.min(length - skipped, 1 << 20));
      if (part.length === 0) break;
      skipped += part.length;
    }
    return skipped;
  }

  /** Stops inflating; nothing after the last read is looked at. */
  close(): void {
    this.gunzip.destroy();
  }

  private async take(length: number): Promise<Buffer> {
    await this.fill(length);
    const wanted = Math.min(length, this.pendingBytes);
    const parts: Buffer[] = [];
    let taken = 0;
    while (taken < wanted) {
      const head = this.pending[0] as Buffer;
      const part = head.subarray(0, wanted - taken);
      parts.push(part);
      taken += part.length;
      if (part.length === head.length) this.pending.shift();
      else this.pending[0] = head.subarray(part.length);
    }
    this.pendingBytes -= taken;
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, taken);
  }

  private async fill(length: number): Promise<void> {
    while (this.pendingBytes < length && !this.ended) {
      const next = await this.chunks.next();
      if (next.done === true) {
        this.ended = true;
      } else {
        this.pending.push(next.value);
        this.pendingBytes += next.value.length;
      }
    }
  }
}
