import { inspectMp4 } from './support/mp4-inspection';
import { containersOfJob } from './support/job-containers';
import { FOUR_STEP_SCENE } from './support/scenes';
import { startTestService, type TestService } from './support/test-service';

const ISSUE_EXAMPLE =
  'from manim import *\nclass TestScene(Scene):\n    def construct(self):\n        circle = Circle()\n        self.play(Create(circle))';

describe('rendering a scene end to end', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService();
  });
  afterAll(async () => {
    await service?.close();
  });

  it('accepts the documented request and delivers a real MP4 video', async () => {
    const submitted = await service.submit({ code: ISSUE_EXAMPLE });
    expect(submitted.status).toBe(202);
    expect(submitted.body).toEqual({
      id: expect.any(String),
      status: 'queued',
      links: {
        self: `/api/animation/jobs/${submitted.body.id}`,
        video: `/api/animation/jobs/${submitted.body.id}/video`,
        poster: `/api/animation/jobs/${submitted.body.id}/poster`,
      },
      browserLinks: {
        video: expect.stringMatching(/\/video\?token=[\w.-]+$/),
        poster: expect.stringMatching(/\/poster\?token=[\w.-]+$/),
        events: expect.stringMatching(/\/events\?token=[\w.-]+$/),
        expiresAt: expect.any(String),
      },
    });

    const job = await service.waitForEnd(submitted.body.id);
    expect(job).toMatchObject({
      id: submitted.body.id,
      status: 'completed',
      progress: { stage: 'done', percent: 100 },
      result: {
        fileName: 'TestScene.mp4',
        contentType: 'video/mp4',
        url: submitted.body.links.video,
      },
    });
    expect(Date.parse(job.createdAt)).toBeLessThanOrEqual(Date.parse(job.startedAt ?? ''));
    expect(Date.parse(job.startedAt ?? '')).toBeLessThanOrEqual(Date.parse(job.finishedAt ?? ''));

    const response = await fetch(`${service.url}${submitted.body.links.video}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('video/mp4');
    expect(response.headers.get('content-disposition')).toContain('TestScene.mp4');
    const video = Buffer.from(await response.arrayBuffer());
    expect(video.length).toBe(job.result?.sizeBytes);
    const mp4 = inspectMp4(video);
    expect(mp4.durationSeconds).toBeGreaterThan(0);
    expect(mp4.videoTracks).toEqual([{ width: 1280, height: 720 }]);
    expect(await containersOfJob(submitted.body.id)).toEqual([]);

    const partial = await fetch(`${service.url}${submitted.body.links.video}`, {
      headers: { range: 'bytes=0-99' },
    });
    expect(partial.status).toBe(206);
    expect(partial.headers.get('content-range')).toBe(`bytes 0-99/${video.length}`);
    expect(Buffer.from(await partial.arrayBuffer())).toEqual(video.subarray(0, 100));
  });

  it('answers an identical request with the finished job at once, unless asked not to', async () => {
    const first = await service.submit({ code: ISSUE_EXAMPLE, quality: 'low' });
    expect(await service.waitForEnd(first.body.id)).toMatchObject({ status: 'completed' });

    const again = await service.submit({ code: ISSUE_EXAMPLE, quality: 'low' });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({
      id: first.body.id,
      status: 'completed',
      reused: true,
      result: { fileName: 'TestScene.mp4' },
    });

    const fresh = await service.submit({ code: ISSUE_EXAMPLE, quality: 'low', cache: false });
    expect(fresh.status).toBe(202);
    expect(fresh.body.id).not.toBe(first.body.id);
    expect(await service.waitForEnd(fresh.body.id)).toMatchObject({ status: 'completed' });
  });

  it('attaches an identical request to the render still running instead of rendering twice', async () => {
    const code = `${ISSUE_EXAMPLE}\n        self.wait(2)\n`;
    const first = await service.submit({ code, quality: 'low' });
    const second = await service.submit({ code, quality: 'low' });
    expect(second.status).toBe(202);
    expect(second.body).toMatchObject({ id: first.body.id, reused: true });
    expect(await service.waitForEnd(first.body.id)).toMatchObject({ status: 'completed' });
  });

  it('reports real progress that rises through the animations to 100', async () => {
    const code = FOUR_STEP_SCENE;
    const submitted = await service.submit({ code, quality: 'low' });
    const updates = service.recordProgress(submitted.body.id);
    const job = await service.waitForEnd(submitted.body.id);
    expect(job.status).toBe('completed');

    const percents = updates.map((update) => update.percent);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(
      new Set(percents.filter((percent) => percent > 0 && percent < 100)).size,
    ).toBeGreaterThanOrEqual(3);
    expect(updates[updates.length - 1]).toMatchObject({ stage: 'done', percent: 100 });
    const animations = new Set(
      updates.map((update) => update.animation?.index).filter((index) => index !== undefined),
    );
    expect(animations.size).toBeGreaterThanOrEqual(2);
  });

  it('fails a scene with a syntax error as syntax_error at the right line', async () => {
    const code =
      'from manim import *\n\nclass Broken(Scene):\n    def construct(self)\n        self.play(Create(Circle()))\n';
    const submitted = await service.submit({ code });
    const job = await service.waitForEnd(submitted.body.id);
    expect(job.status).toBe('failed');
    expect(job.error).toMatchObject({ code: 'syntax_error', details: { line: 4 } });
    expect(job.error?.message).toMatch(/SyntaxError/);
  });

  it('fails a scene whose construct raises as scene_error with the exception and its line', async () => {
    const code =
      'from manim import *\n\nclass Raises(Scene):\n    def construct(self):\n        circle = Circle()\n        self.play(Create(undefined_name))\n';
    const submitted = await service.submit({ code });
    const job = await service.waitForEnd(submitted.body.id);
    expect(job.status).toBe('failed');
    expect(job.error).toMatchObject({
      code: 'scene_error',
      details: {
        line: 6,
        exception: expect.stringContaining("NameError: name 'undefined_name' is not defined"),
      },
    });
    expect(await containersOfJob(submitted.body.id)).toEqual([]);

    const logs = await fetch(`${service.url}/api/animation/jobs/${submitted.body.id}/logs`);
    expect(logs.status).toBe(200);
    const { lines } = (await logs.json()) as { lines: string[] };
    expect(lines).toContain('--- stderr ---');
    expect(
      lines.some((line) => line.includes("NameError: name 'undefined_name' is not defined")),
    ).toBe(true);
  });

  it('returns a PNG for a scene that plays no animation', async () => {
    const code =
      'from manim import *\n\nclass Still(Scene):\n    def construct(self):\n        self.add(Square())\n';
    const submitted = await service.submit({ code });
    const job = await service.waitForEnd(submitted.body.id);
    expect(job).toMatchObject({
      status: 'completed',
      result: { fileName: 'Still.png', contentType: 'image/png' },
    });
    const image = Buffer.from(
      await (await fetch(`${service.url}${submitted.body.links.video}`)).arrayBuffer(),
    );
    expect(image.subarray(0, 8)).toEqual(
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    );
  });

  it('returns a GIF when a gif is requested', async () => {
    const submitted = await service.submit({ code: ISSUE_EXAMPLE, format: 'gif', quality: 'low' });
    const job = await service.waitForEnd(submitted.body.id);
    expect(job).toMatchObject({
      status: 'completed',
      result: { fileName: 'TestScene.gif', contentType: 'image/gif' },
    });
    const gif = Buffer.from(
      await (await fetch(`${service.url}${submitted.body.links.video}`)).arrayBuffer(),
    );
    expect(gif.toString('latin1', 0, 6)).toMatch(/^GIF8[79]a$/);
  });
});

describe('metrics after renders', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService();
  });
  afterAll(async () => {
    await service?.close();
  });

  it('counts requests, queue states, render durations and failures in Prometheus format', async () => {
    const done = await service.submit({ code: ISSUE_EXAMPLE, quality: 'low' });
    await service.waitForEnd(done.body.id);
    const broken = await service.submit({
      code: 'from manim import *\nclass B(Scene):\n    def construct(self)\n        pass\n',
    });
    await service.waitForEnd(broken.body.id);

    const response = await fetch(`${service.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toContain(
      'manim_http_requests_total{method="POST",route="/api/animation/render",status="202"} 2',
    );
    expect(text).toMatch(/manim_queue_jobs\{state="completed"\} 1/);
    expect(text).toContain('manim_render_duration_seconds_count{quality="low"} 1');
    expect(text).toContain('manim_render_failures_total{code="syntax_error"} 1');
  });
});

describe('a render that runs too long', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService();
  });
  afterAll(async () => {
    await service?.close();
  });

  it('is killed at its requested timeout, fails as timeout and leaves no container', async () => {
    const code =
      'from manim import *\n\nclass Forever(Scene):\n    def construct(self):\n        while True:\n            pass\n';
    const submitted = await service.submit({ code, timeout: 4 });
    const job = await service.waitForEnd(submitted.body.id);
    expect(job.status).toBe('failed');
    expect(job.error?.code).toBe('timeout');
    expect(job.error?.message).toContain('4 s');
    const left = await containersOfJob(submitted.body.id);
    expect(left).toEqual([]);
  });
});
