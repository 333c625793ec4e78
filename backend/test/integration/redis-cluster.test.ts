import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Cluster } from 'ioredis';
import { startRedisCluster, type RedisClusterGroup } from './support/redis-cluster';
import { sceneSleeping } from './support/scenes';
import { startTestService, type TestService } from './support/test-service';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver';

const PREFIX = '{manim}';
const SCENE =
  'from manim import *\nclass Dot1(Scene):\n    def construct(self):\n        self.play(Create(Dot()), run_time=0.5)\n';

/**
 * The service on a Redis Cluster of three masters, with a hash-tagged QUEUE_PREFIX: the queues'
 * Lua scripts and the service's own multi-key commands need every key of the deployment in one
 * hash slot.
 */
describe('a deployment on a Redis Cluster', () => {
  let root: string;
  let cluster: RedisClusterGroup;
  let service: TestService;
  let hooks: WebhookReceiver;
  let client: Cluster;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'redis-cluster-'));
    cluster = await startRedisCluster(root);
    hooks = await startWebhookReceiver();
    service = await startTestService({
      env: {
        ...cluster.env,
        QUEUE_PREFIX: PREFIX,
        // The limits' counters and scripts live on the cluster too.
        RATE_LIMIT_REQUESTS_PER_MINUTE: '1000',
        WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
      },
    });
    client = new Cluster(cluster.ports.map((port) => ({ host: '127.0.0.1', port })));
  });

  afterAll(async () => {
    client?.disconnect();
    await service?.close();
    await hooks?.close();
    await cluster?.stop();
    await rm(root, { recursive: true, force: true });
  });

  it('renders a job, counts it against the rate limit and sends its webhook', async () => {
    const submitted = await service.submit({
      code: SCENE,
      quality: 'low',
      callbackUrl: hooks.url('/done'),
    });
    expect(submitted.status).toBe(202);
    const job = await service.waitForEnd(submitted.body.id);
    expect(job.status).toBe('completed');

    const video = await fetch(`${service.url}/api/animation/jobs/${job.id}/video`);
    expect(video.status).toBe(200);
    // Sent only when the counter in Redis answered: a store error lets requests through bare.
    expect(video.headers.get('ratelimit')).toMatch(/remaining=\d+/);
    const [delivered] = await hooks.waitFor(1);
    expect(delivered?.body).toMatchObject({ event: 'job.completed', jobId: job.id });
  });

  it('cancels a running job', async () => {
    const submitted = await service.submit({ code: sceneSleeping(60), quality: 'low' });
    await service.waitForActive(submitted.body.id);
    const cancelled = await fetch(`${service.url}/api/animation/jobs/${submitted.body.id}`, {
      method: 'DELETE',
    });
    expect(cancelled.status).toBe(200);
    expect((await service.getJob(submitted.body.id)).status).toBe('cancelled');
  });

  it('finds its worker, whichever node holds the key', async () => {
    const ready = await fetch(`${service.url}/ready`);
    const body = (await ready.json()) as { checks: { workers: { count: number } } };
    expect(ready.status).toBe(200);
    expect(body.checks.workers.count).toBe(1);
  });

  it('keeps every key of the deployment under the prefix, in one hash slot', async () => {
    const keys: string[] = [];
    for (const node of client.nodes('master')) {
      let cursor = '0';
      do {
        const [next, batch] = await node.scan(cursor, 'COUNT', 500);
        cursor = next;
        keys.push(...batch);
      } while (cursor !== '0');
    }
    // The queue's, the worker's presence, the statistics, the webhooks, the rate limit.
    expect(keys).toEqual(
      expect.arrayContaining([
        `${PREFIX}:${service.config.QUEUE_NAME}:meta`,
        `${PREFIX}:manim-render:${service.config.QUEUE_NAME}:statistics`,
      ]),
    );
    expect(keys.some((key) => key.includes(':worker:'))).toBe(true);
    expect(keys.some((key) => key.includes(':webhooks:'))).toBe(true);
    expect(keys.some((key) => key.includes(':rate-limit:'))).toBe(true);
    expect(keys.filter((key) => !key.startsWith(`${PREFIX}:`))).toEqual([]);
    const slots = new Set(
      await Promise.all(keys.map((key) => client.cluster('KEYSLOT', key) as Promise<number>)),
    );
    expect(slots.size).toBe(1);
  });
});
