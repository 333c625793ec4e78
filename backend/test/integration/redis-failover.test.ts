import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { JobView } from '../../src/job/render-job';
import { startSentinelGroup, type SentinelGroup } from './support/redis-sentinel-group';
import { startTestService, type TestService } from './support/test-service';
import { waitUntil } from './support/wait-until';

const JOBS = 10;

function scene(index: number): string {
  return [
    'from manim import *',
    `class Step${index}(Scene):`,
    '    def construct(self):',
    `        self.play(Create(Square().shift(RIGHT * ${index / 10})), run_time=0.5)`,
    '',
  ].join('\n');
}

/**
 * The service reaches Redis through three sentinels. The master is killed while jobs wait and
 * render; the sentinels promote the replica, and the API and the worker follow it.
 */
describe('a Redis master that fails over to its replica', () => {
  let root: string;
  let group: SentinelGroup;
  let service: TestService;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'redis-failover-'));
    group = await startSentinelGroup(root);
    service = await startTestService({ env: { ...group.env } });
  });

  afterAll(async () => {
    await service?.close();
    await group?.stop();
    await rm(root, { recursive: true, force: true });
  });

  /**
   * The job's end, from its event or, should the event have been written to the master just
   * before it died, from its state.
   */
  async function endOf(id: string): Promise<JobView> {
    const final = (job: JobView) => !['queued', 'active'].includes(job.status);
    const polled = waitUntil(
      `job ${id} ends`,
      () => service.getJob(id).catch(() => undefined),
      (job) => job !== undefined && final(job),
      { everyMs: 1000, timeoutMs: 300_000 },
    ) as Promise<JobView>;
    // While Redis fails over the API answers 503; the polling carries on through it.
    const announced = service.waitForEnd(id).catch(() => polled);
    return Promise.race([announced, polled]);
  }

  it('loses none of the jobs in flight and leaves none stuck', async () => {
    const ids: string[] = [];
    for (let index = 0; index < JOBS; index++) {
      const submitted = await service.submit({ code: scene(index), quality: 'low' });
      expect(submitted.status).toBe(202);
      ids.push(submitted.body.id);
    }
    await service.waitForActive(ids[0] ?? '');

    await group.failMaster();

    const ended = [];
    for (const id of ids) ended.push(await endOf(id));
    expect(ended.map((job) => job.status)).toEqual(Array(JOBS).fill('completed'));
    const video = await fetch(`${service.url}/api/animation/jobs/${ids[JOBS - 1]}/video`);
    expect(video.status).toBe(200);
  });

  it('takes and renders new jobs on the promoted master', async () => {
    const submitted = await service.submit({ code: scene(JOBS), quality: 'low' });
    expect(submitted.status).toBe(202);
    expect((await endOf(submitted.body.id)).status).toBe('completed');
    const ready = await fetch(`${service.url}/ready`);
    expect(((await ready.json()) as { checks: { redis: unknown } }).checks.redis).toEqual({
      ok: true,
    });
  });
});
