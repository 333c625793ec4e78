import type { RedisKeyspace } from '../config/redis-settings';
import type { JobFile, JobFileStore } from './job-files';
import { withQueueErrors } from '../redis/queue-errors';
import type { RedisConnection } from '../redis/redis-connection';
import { redisKeys, type RedisKeys } from '../redis/redis-keys';

/**
 * The job files in Redis, which every API and worker host already shares: one hash per job,
 * path to content, expiring with the job records (JOB_RETENTION_HOURS) in case nobody removes it.
 */
export class RedisJobFiles implements JobFileStore {
  private readonly keys: RedisKeys;

  constructor(
    private readonly redis: RedisConnection,
    keyspace: RedisKeyspace,
    private readonly retentionSeconds: number,
  ) {
    this.keys = redisKeys(keyspace);
  }

  async save(jobId: string, files: JobFile[]): Promise<void> {
    if (files.length === 0) return;
    const key = this.key(jobId);
    const fields: Array<string | Buffer> = [];
    for (const file of files) fields.push(file.path, file.content);
    await withQueueErrors(() =>
      this.redis
        .multi()
        .del(key)
        .hset(key, ...fields)
        .expire(key, this.retentionSeconds)
        .exec(),
    );
  }

  async load(jobId: string): Promise<JobFile[] | undefined> {
    const stored = await this.redis.hgetallBuffer(this.key(jobId));
    const entries = Object.entries(stored);
    if (entries.length === 0) return undefined;
    return entries.map(([path, content]) => ({ path, content }));
  }

  async remove(jobId: string): Promise<void> {
    await this.redis.del(this.key(jobId));
  }

  private key(jobId: string): string {
    return this.keys.jobFiles(jobId);
  }
}
