/** The queue consumer as the gate drives it. */
export interface PausableConsumer {
  pause(): Promise<void>;
  resume(): Promise<void>;
}

/**
 * Why a worker takes no jobs now: it is starting, its engine does not answer, its render image is
 * being pulled. The consumer is paused while any reason holds and resumed when the last one is
 * released; pauses and resumes run one at a time, in order.
 */
export class IntakeGate {
  private readonly reasons = new Set<string>();
  private consumer: PausableConsumer | undefined;
  private consumerPaused = false;
  private applying: Promise<void> = Promise.resolve();

  constructor(private readonly onChange?: (reasons: string[]) => void) {}

  /** True when no reason holds: the consumer takes jobs. */
  isOpen(): boolean {
    return this.reasons.size === 0;
  }

  holding(): string[] {
    return [...this.reasons];
  }

  hold(reason: string): Promise<void> {
    if (!this.reasons.has(reason)) {
      this.reasons.add(reason);
      this.onChange?.(this.holding());
    }
    return this.apply();
  }

  release(reason: string): Promise<void> {
    if (this.reasons.delete(reason)) this.onChange?.(this.holding());
    return this.apply();
  }

  /** The consumer once it runs (it starts taking jobs); paused at once if a reason holds. */
  attach(consumer: PausableConsumer): Promise<void> {
    this.consumer = consumer;
    this.consumerPaused = false;
    return this.apply();
  }

  private apply(): Promise<void> {
    this.applying = this.applying
      .then(async () => {
        const consumer = this.consumer;
        if (!consumer) return;
        const shouldPause = this.reasons.size > 0;
        if (shouldPause && !this.consumerPaused) {
          this.consumerPaused = true;
          await consumer.pause();
        } else if (!shouldPause && this.consumerPaused) {
          this.consumerPaused = false;
          await consumer.resume();
        }
      })
      .catch(() => undefined);
    return this.applying;
  }
}
