import { loadConfig } from '../../../src/config/load-config';
import { deploymentScope, describeRedis, redisKeyspace } from '../../../src/config/redis-settings';

const base = {
  REDIS_URL: 'redis://redis:6379',
  QUEUE_NAME: 'manim-render',
  QUEUE_PREFIX: 'bull',
  REDIS_SENTINELS: [],
  REDIS_CLUSTER_NODES: [],
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
      deploymentScope({ ...base, REDIS_CLUSTER_NODES: [{ host: 'r1', port: 6379 }] }),
      deploymentScope({ ...base, QUEUE_PREFIX: '{manim}' }),
    ]);
    expect(scopes.size).toBe(8);
  });

  it('names a sentinel group by its name, whichever sentinels a process lists', () => {
    const viaOne = { ...base, REDIS_SENTINELS: [{ host: 's1', port: 26379 }] };
    const viaTwo = { ...viaOne, REDIS_SENTINELS: [{ host: 's2', port: 26379 }] };
    expect(deploymentScope(viaOne)).toBe(deploymentScope(viaTwo));
    expect(deploymentScope(viaOne)).not.toBe(
      deploymentScope({ ...viaOne, REDIS_SENTINEL_NAME: 'other' }),
    );
  });

  it('names a cluster by its nodes in any order', () => {
    const nodes = [
      { host: 'r1', port: 6379 },
      { host: 'r2', port: 6379 },
    ];
    expect(deploymentScope({ ...base, REDIS_CLUSTER_NODES: nodes })).toBe(
      deploymentScope({ ...base, REDIS_CLUSTER_NODES: [...nodes].reverse() }),
    );
  });
});

describe('the names of the keys', () => {
  it('keep the names of earlier versions with the default prefix', () => {
    expect(redisKeyspace({ QUEUE_NAME: 'renders', QUEUE_PREFIX: 'bull' })).toEqual({
      bullmqPrefix: 'bull',
      queueName: 'renders',
      root: 'manim-render:renders',
    });
  });

  it('put any other prefix in front of the service keys too, so one hash tag covers them all', () => {
    expect(redisKeyspace({ QUEUE_NAME: 'renders', QUEUE_PREFIX: '{manim}' })).toEqual({
      bullmqPrefix: '{manim}',
      queueName: 'renders',
      root: '{manim}:manim-render:renders',
    });
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
    expect(
      describeRedis({
        ...base,
        REDIS_CLUSTER_NODES: [
          { host: 'r1', port: 6379 },
          { host: '::1', port: 7000 },
        ],
      }),
    ).toBe('cluster of r1:6379,[::1]:7000');
  });

  it('take a cluster only with a hash-tagged prefix, no sentinels and database 0', () => {
    const cluster = { REDIS_CLUSTER_NODES: 'r1:6379,r2:6379' };
    expect(loadConfig({ ...cluster, QUEUE_PREFIX: '{manim}' }).REDIS_CLUSTER_NODES).toEqual([
      { host: 'r1', port: 6379 },
      { host: 'r2', port: 6379 },
    ]);
    expect(() => loadConfig(cluster)).toThrow(
      /QUEUE_PREFIX=bull has no hash tag, .*such as \{manim\}/,
    );
    expect(() =>
      loadConfig({ ...cluster, QUEUE_PREFIX: '{manim}', REDIS_SENTINELS: 's1:26379' }),
    ).toThrow(/REDIS_CLUSTER_NODES and REDIS_SENTINELS are both set/);
    expect(() =>
      loadConfig({ ...cluster, QUEUE_PREFIX: '{m}', REDIS_URL: 'redis://:pw@r1:6379/3' }),
    ).toThrow(/database 3, but a Redis Cluster has only database 0/);
  });
});
