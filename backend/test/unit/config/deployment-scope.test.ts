import { deploymentScope } from '../../../src/config/deployment-scope';

describe('the deployment a render container belongs to', () => {
  const base = { REDIS_URL: 'redis://redis:6379', QUEUE_NAME: 'manim-render' };

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
    ]);
    expect(scopes.size).toBe(5);
  });
});
