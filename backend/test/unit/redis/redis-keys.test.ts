import { redisKeyspace } from '../../../src/config/redis-settings';
import { redisKeys } from '../../../src/redis/redis-keys';

describe('the names of Redis keys', () => {
  it('keeps the names of earlier versions under the default prefix', () => {
    const keys = redisKeys(redisKeyspace({ QUEUE_NAME: 'manim-render', QUEUE_PREFIX: 'bull' }));
    expect(keys.bullmqPrefix).toBe('bull');
    expect(keys.renderQueue).toBe('manim-render');
    expect(keys.webhookQueue).toBe('manim-render-webhooks');
    expect(keys.jobFiles('7')).toBe('manim-render:manim-render:job-files:7');
    expect(keys.worker('w1')).toBe('manim-render:manim-render:worker:w1');
    expect(keys.rateLimitPrefix('api')).toBe('manim-render:manim-render:rate-limit:api:');
  });

  it('puts every key of the service behind a cluster hash tag', () => {
    const keys = redisKeys(redisKeyspace({ QUEUE_NAME: 'renders', QUEUE_PREFIX: '{manim}' }));
    const names = [
      keys.jobRecord('1'),
      keys.jobFiles('1'),
      keys.cancelRequested('1'),
      keys.cancelChannel,
      keys.identity('abc'),
      keys.webhookDeliveries('1'),
      keys.playsUsed('t'),
      keys.playSizes('t'),
      keys.worker('w'),
      keys.renderStatistics,
      keys.webhookStatistics,
      keys.mediaTokenSecret,
      keys.rateLimitPrefix('render'),
    ];
    for (const name of names) expect(name.startsWith('{manim}:manim-render:renders:')).toBe(true);
    expect(new Set(names).size).toBe(names.length);
  });
});
