import { performance } from 'node:perf_hooks';
import { QueueEvents } from 'bullmq';
import { loadConfig } from '../src/config/load-config';
import { createWorkerRedis, type RedisConnection } from '../src/redis/redis-connection';
import { downloadVideo, submitNewJob } from './bench-http';
import type { ScalingResult } from './bench-result';
import { JobEnds } from './job-ends';
import { aboveBaseline, readRedisUsage, usageBetween, type RedisUsage } from './redis-usage';
import { THROUGHPUT_SCENE, requestBody, uniqueCode } from './scenes';
import { delay } from '../src/timing/timing';

const JOB_LIMIT_MS = 600_000;

/** The bench's side: submits through the API, learns of ends from the queue's events. */
export class ScalingClient {
  private readonly events: QueueEvents;
  private readonly ends: JobEnds;
  private readonly redis: RedisConnection;
  private lastJobId = '';

  constructor(
    private readonly url: string,
    redisUrl: string,
    queueName: string,
    private readonly jobIds: Set<string>,
  ) {
    this.events = new QueueEvents(queueName, { connection: { url: redisUrl } });
    this.ends = new JobEnds(this.events);
    this.redis = createWorkerRedis(loadConfig({ REDIS_URL: redisUrl }));
    this.redis.on('error', () => undefined);
  }

  async ready(): Promise<void> {
    await this.events.waitUntilReady();
  }

  usage(): Promise<RedisUsage> {
    return readRedisUsage(this.redis);
  }

  /** Waits until /ready lists `count` workers; they announce themselves once started. */
  async waitForWorkers(count: number): Promise<void> {
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      const listed = await fetch(`${this.url}/ready`)
        .then(
          (response) => response.json() as Promise<{ checks?: { workers?: { count?: number } } }>,
        )
        .then((body) => body.checks?.workers?.count ?? 0)
        .catch(() => 0);
      if (listed === count) return;
      await delay(250);
    }
    throw new Error(`the API did not list ${count} worker(s) within 120 s`);
  }

  /** Submits `count` unique jobs at once and resolves when every video has been downloaded. */
  async renderAll(count: number, tag: string): Promise<void> {
    const ids = await Promise.all(
      Array.from({ length: count }, (_unused, index) =>
        this.submit(
          requestBody(THROUGHPUT_SCENE, uniqueCode(THROUGHPUT_SCENE, `scaling-${tag}-${index}`)),
        ),
      ),
    );
    await Promise.all(
      ids.map(async (id) => {
        await this.ends.wait(id, JOB_LIMIT_MS);
        await downloadVideo(this.url, id);
      }),
    );
    this.lastJobId = ids[ids.length - 1] ?? this.lastJobId;
  }

  /** Redis CPU per PING sent one after another: what a round trip costs on this machine. */
  async measurePings(count: number, baseline: ScalingResult['baseline']): Promise<number> {
    const before = await this.usage();
    const started = performance.now();
    for (let index = 0; index < count; index += 1) await this.redis.ping();
    const seconds = (performance.now() - started) / 1000;
    const used = usageBetween(before, await this.usage());
    return aboveBaseline(used.cpuSeconds, baseline.redisCpuMsPerSecond, seconds) / count;
  }

  /** What one `GET /api/animation/jobs/:id` of a finished job costs Redis and the API. */
  async measureStatusPolls(
    requests: number,
    apiCpuSeconds: () => Promise<number>,
    baseline: ScalingResult['baseline'],
  ): Promise<ScalingResult['statusPoll']> {
    const before = await this.usage();
    const apiBefore = await apiCpuSeconds();
    const started = performance.now();
    for (let index = 0; index < requests; index += 1) {
      const response = await fetch(`${this.url}/api/animation/jobs/${this.lastJobId}`);
      if (response.status !== 200) throw new Error(`GET job answered ${response.status}`);
      await response.arrayBuffer();
    }
    const seconds = (performance.now() - started) / 1000;
    const used = usageBetween(before, await this.usage());
    const api = (await apiCpuSeconds()) - apiBefore;
    return {
      requests,
      redisCommandsPerRequest: used.commands / requests,
      redisCpuMsPerRequest:
        aboveBaseline(used.cpuSeconds, baseline.redisCpuMsPerSecond, seconds) / requests,
      apiCpuMsPerRequest: aboveBaseline(api, baseline.apiCpuMsPerSecond, seconds) / requests,
    };
  }

  private async submit(body: Record<string, unknown>): Promise<string> {
    const id = await submitNewJob(this.url, body);
    this.jobIds.add(id);
    return id;
  }

  async close(): Promise<void> {
    await this.events.close();
    this.redis.disconnect();
  }
}
