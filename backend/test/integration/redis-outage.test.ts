import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/load-config';
import { createLogger } from '../../src/logging/logger';
import { startApiProcess, type ApiProcess } from '../../src/processes/api-process';
import { freePort, startRedisServer, stopRedisServer } from './support/redis-server';
import { testQueueName } from './support/test-environment';
import { delay } from '../../src/timing/timing';

const SCENE =
  'from manim import *\nclass Quick(Scene):\n    def construct(self):\n        self.play(Create(Circle()))\n';

describe('the API while Redis is down', () => {
  let api: ApiProcess;
  let redis: ChildProcess;
  let dir: string;
  let port: number;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'manim-redis-outage-'));
    port = await freePort();
    redis = await startRedisServer(port, dir);
    const config = loadConfig({
      REDIS_URL: `redis://127.0.0.1:${port}`,
      QUEUE_NAME: testQueueName(),
      PORT: '0',
      HOST: '127.0.0.1',
    });
    api = await startApiProcess(
      config,
      createLogger({ level: 'error', service: 'test', silent: true }),
    );
  });
  afterAll(async () => {
    await api?.close();
    await stopRedisServer(redis);
    await rm(dir, { recursive: true, force: true });
  });

  const submit = () =>
    fetch(`${api.url}/api/animation/render`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: SCENE }),
      // A request that hangs fails the test here instead of at the test timeout.
      signal: AbortSignal.timeout(5000),
    });

  it('answers 503 with Retry-After at once, and recovers when Redis is back', async () => {
    expect((await submit()).status).toBe(202);
    await stopRedisServer(redis);

    const refused = await submit();
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe(
      'queue_unavailable',
    );
    const lookup = await fetch(`${api.url}/api/animation/jobs/any-id`, {
      signal: AbortSignal.timeout(5000),
    });
    expect(lookup.status).toBe(503);

    redis = await startRedisServer(port, dir);
    let status = 0;
    for (let attempt = 0; attempt < 100 && status !== 202; attempt += 1) {
      status = (await submit()).status;
      if (status !== 202) await delay(200);
    }
    expect(status).toBe(202);
  });
});
