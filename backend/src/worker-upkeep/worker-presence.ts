import type { RedisKeyspace } from '../config/redis-settings';
import { scanKeys, type RedisConnection } from '../redis/redis-connection';
import { parseWorkerStatus, type WorkerStatus, type WorkerStatusReader } from './worker-status';
import { redisKeys, type RedisKeys } from '../redis/redis-keys';

/** A worker that has not renewed its key for this long counts as dead. */
export const PRESENCE_TTL_SECONDS = 15;

/**
 * Each worker process announces itself with a key that expires unless it is renewed; the key's
 * value is the worker's status (JSON). A render container whose worker's key is gone belongs to a
 * worker that died, and may be removed.
 */
export class WorkerPresence implements WorkerStatusReader {
  private timer: NodeJS.Timeout | undefined;
  private status: WorkerStatus | undefined;

  private readonly keys: RedisKeys;

  constructor(
    private readonly redis: RedisConnection,
    keyspace: RedisKeyspace,
    private readonly ttlSeconds: number = PRESENCE_TTL_SECONDS,
  ) {
    this.keys = redisKeys(keyspace);
  }

  /** Writes the status now and renews it until `withdraw`. */
  async announce(status: WorkerStatus): Promise<void> {
    this.status = status;
    await this.write();
    this.timer = setInterval(
      () => {
        this.write().catch(() => undefined);
      },
      (this.ttlSeconds * 1000) / 3,
    );
    this.timer.unref();
  }

  /** Changes the announced status and writes it at once (best effort: the renewal retries). */
  update(change: Partial<WorkerStatus>): void {
    if (!this.status) return;
    this.status = { ...this.status, ...change };
    this.write().catch(() => undefined);
  }

  async isAlive(workerId: string): Promise<boolean> {
    return (await this.redis.exists(this.key(workerId))) === 1;
  }

  /** Every worker of the queue whose key has not expired, found with SCAN (never KEYS). */
  async listWorkerStatuses(): Promise<WorkerStatus[]> {
    const unique = await scanKeys(this.redis, this.key('*'));
    if (unique.length === 0) return [];
    const values = await this.redis.mget(...unique);
    return values.flatMap((value) => parseWorkerStatus(value) ?? []);
  }

  async withdraw(workerId: string): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.status = undefined;
    await this.redis.del(this.key(workerId)).catch(() => undefined);
  }

  private async write(): Promise<void> {
    const status = this.status;
    if (!status) return;
    await this.redis.set(this.key(status.workerId), JSON.stringify(status), 'EX', this.ttlSeconds);
  }

  private key(workerId: string): string {
    return this.keys.worker(workerId);
  }
}
