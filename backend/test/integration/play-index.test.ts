import { Redis } from 'ioredis';
import { loadConfig } from '../../src/config/load-config';
import { redisKeyspace } from '../../src/config/redis-settings';
import { RedisPlayIndex } from '../../src/split/redis-play-index';
import { testEnvironment, testQueueName } from './support/test-environment';

/** The index of reused plays on a real Redis: what a tenant has, by last use, within its cap. */
describe('the index of reused plays', () => {
  let redis: Redis;
  let index: RedisPlayIndex;

  beforeAll(() => {
    redis = new Redis(testEnvironment().redisUrl);
    const config = loadConfig({
      REDIS_URL: testEnvironment().redisUrl,
      QUEUE_NAME: testQueueName(),
    });
    index = new RedisPlayIndex(redis, redisKeyspace(config));
  });
  afterAll(() => redis.disconnect());

  it('says which plays a tenant has, and keeps tenants apart', async () => {
    await index.add('tenant-a', 'play-1', 100, 1, 10_000);
    await index.add('tenant-a', 'play-2', 100, 2, 10_000);

    expect(await index.present('tenant-a', ['play-1', 'play-2', 'play-3'], 3)).toEqual(
      new Set(['play-1', 'play-2']),
    );
    expect(await index.present('tenant-b', ['play-1', 'play-2'], 3)).toEqual(new Set());
  });

  it('evicts the plays used longest ago beyond the cap, counting a use as recent', async () => {
    await index.add('tenant-c', 'old', 400, 1, 1000);
    await index.add('tenant-c', 'used', 400, 2, 1000);
    // "old" is used again, so "used" is now the one used longest ago.
    await index.present('tenant-c', ['old'], 3);

    expect(await index.add('tenant-c', 'new', 400, 4, 1000)).toEqual(['used']);
    expect(await index.present('tenant-c', ['old', 'used', 'new'], 5)).toEqual(
      new Set(['old', 'new']),
    );
  });

  it('keeps the newest play even when it alone is over the cap', async () => {
    await index.add('tenant-d', 'small', 10, 1, 100);
    expect(await index.add('tenant-d', 'huge', 500, 2, 100)).toEqual(['small']);
    expect(await index.present('tenant-d', ['small', 'huge'], 3)).toEqual(new Set(['huge']));
  });
});
