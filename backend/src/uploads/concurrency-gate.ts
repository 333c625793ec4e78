/** Lets at most `limit` tasks run at once; the others wait their turn, first come first served. */
export class ConcurrencyGate {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running += 1;
    }
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      // A waiting task takes over the finished one's place, so `running` stays the same.
      if (next) next();
      else this.running -= 1;
    }
  }
}
