/** Keeps the last `limitBytes` of a text stream; what came before is counted, not kept. */
export class TailBuffer {
  private chunks: Buffer[] = [];
  private keptBytes = 0;
  private droppedBytes = 0;

  constructor(private readonly limitBytes: number) {}

  append(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.keptBytes += chunk.length;
    while (this.keptBytes > this.limitBytes && this.chunks.length > 1) {
      const first = this.chunks.shift() as Buffer;
      this.keptBytes -= first.length;
      this.droppedBytes += first.length;
    }
  }

  get truncatedBytes(): number {
    const excess = Math.max(0, this.keptBytes - this.limitBytes);
    return this.droppedBytes + excess;
  }

  text(): string {
    const all = Buffer.concat(this.chunks);
    const start = Math.max(0, all.length - this.limitBytes);
    return all.subarray(start).toString('utf8');
  }
}
