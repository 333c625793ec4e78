import { loadConfig } from '../../../src/config/load-config';
import { deploymentScope, describeRedis } from '../../../src/config/redis-settings';

const base = {
  REDIS_URL: 'redis://redis:6379',
  QUEUE_NAME: 'manim-render',
  REDIS_SENTINELS: [],
  REDIS_SENTINEL_NAME: 'mymaster',
  REDIS_SENTINEL_PASSWORD: '',
};

describe('the deployment a render container belongs to', () => {
  it('is the same for every process of one deployment, whatever the password', () => {
    expect(deploymentScope(base)).toBe(deploymentScope({ ...base, REDIS_URL: 'redis://redis' }));
    expect(deploymentScope(base)).toBe(
      deploymentScope({ ...base, REDIS_URL: 'redis://:secret@redis:6379/0' }),
    );
  });

  it('differs between deployments that share a queue name but not a Redis', () => {
    const scopes = new Set([
      deploymentScope(base),
      deploymentScope({ ...base, REDIS_URL: 'redis://127.0.0.1:6379' }),
      deploymentScope({ ...base, REDIS_URL: 'redis://redis:6380' }),
      deploymentScope({ ...base, REDIS_URL: 'redis://redis:6379/1' }),
      deploymentScope({ ...base, QUEUE_NAME: 'other' }),
      deploymentScope({ ...base, REDIS_SENTINELS: [{ host: 's1', port: 26379 }] }),
    ]);
    expect(scopes.size).toBe(6);
  });

  it('names a sentinel group by its name, whichever sentinels a process lists', () => {
    const viaOne = { ...base, REDIS_SENTINELS: [{ host: 's1', port: 26379 }] };
    const viaTwo = { ...viaOne, REDIS_SENTINELS: [{ host: 's2', port: 26379 }] };
    expect(deploymentScope(viaOne)).toBe(deploymentScope(viaTwo));
    expect(deploymentScope(viaOne)).not.toBe(
      deploymentScope({ ...viaOne, REDIS_SENTINEL_NAME: 'other' }),
    );
  });
});

describe('the Redis settings', () => {
  it('read sentinels as host:port, IPv6 in brackets, and name a bad entry', () => {
    expect(
      loadConfig({ REDIS_SENTINELS: 's1:26379, 10.0.0.2:26380,[::1]:26381' }).REDIS_SENTINELS,
    ).toEqual([
      { host: 's1', port: 26379 },
      { host: '10.0.0.2', port: 26380 },
      { host: '::1', port: 26381 },
    ]);
    expect(() => loadConfig({ REDIS_SENTINELS: 's1:26379,s2' })).toThrow(
      /REDIS_SENTINELS="s1:26379,s2": "s2" is not host:port/,
    );
  });

  it('are described without the password', () => {
    expect(describeRedis({ ...base, REDIS_URL: 'redis://:secret@redis:6379/2' })).toBe(
      'redis://***@redis:6379/2',
    );
    expect(
      describeRedis({
        ...base,
        REDIS_SENTINELS: [
          { host: 's1', port: 26379 },
          { host: 's2', port: 26379 },
        ],
      }),
    ).toBe('master mymaster of sentinels s1:26379,s2:26379');
  });
});
