import type { RedisConnection } from './redis-connection';

/**
 * Each worker process announces itself with a key that expires unless it is renewed. A render
 * container whose worker's key is gone belongs to a worker that died, and may be removed.
 */
export class WorkerPresence {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly redis: RedisConnection,
    private readonly queueName: string,
    private readonly ttlSeconds: number,
  ) {}

  async announce(workerId: string): Promise<void> {
    const renew = () => this.redis.set(this.key(workerId), '1', 'EX', this.ttlSeconds);
    await renew();
    this.timer = setInterval(
      () => {
        renew().catch(() => undefined);
      },
      (this.ttlSeconds * 1000) / 3,
    );
    this.timer.unref();
  }

  async isAlive(workerId: string): Promise<boolean> {
    return (await this.redis.exists(this.key(workerId))) === 1;
  }

  async withdraw(workerId: string): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.redis.del(this.key(workerId)).catch(() => undefined);
  }

  private key(workerId: string): string {
    return `manim-render:${this.queueName}:worker:${workerId}`;
  }
}
