import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { JobView } from '../../src/job/render-job';
import { containersOfJob } from './support/job-containers';
import { frameMd5, wavTone } from './support/media-files';
import { CLOCK_SCENE, SPLIT_CORPUS } from './support/split-corpus';
import { startTestService, type TestService } from './support/test-service';
import { waitUntil } from './support/wait-until';

/**
 * Split rendering on the real stack: the plan pass, the ranges as child jobs, the join; and the
 * frames of the joined video against the same scene rendered in one container.
 */
describe('a split render', () => {
  let service: TestService;
  let dir: string;

  beforeAll(async () => {
    service = await startTestService({ env: { WORKER_CONCURRENCY: '3' } });
    dir = await mkdtemp(path.join(tmpdir(), 'split-render-'));
  });
  afterAll(async () => {
    await service?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function render(body: Record<string, unknown>): Promise<JobView> {
    const submitted = await service.submit({ quality: 'low', cache: false, ...body });
    expect(submitted.status).toBe(202);
    return service.waitForEnd(submitted.body.id);
  }

  async function framesOf(job: JobView): Promise<string[]> {
    const response = await fetch(`${service.url}/api/animation/jobs/${job.id}/video`);
    expect(response.status).toBe(200);
    const file = path.join(dir, `${job.id}-${job.result?.fileName ?? 'video'}`);
    await writeFile(file, Buffer.from(await response.arrayBuffer()));
    return frameMd5(file);
  }

  it.each(SPLIT_CORPUS.map((scene) => [scene.name, scene] as const))(
    'draws the frames of one container: %s',
    async (_name, scene) => {
      const [split, single] = await Promise.all([
        render({ code: scene.code, chunks: 2 }),
        render({ code: scene.code, chunks: 3 }),
      ]);
      expect(split).toMatchObject({ status: 'completed', result: { chunks: 2 } });
      expect(single).toMatchObject({ status: 'completed', result: { chunks: 3 } });
      // The join makes the poster of the joined video.
      expect(split.result?.posterUrl).toBe(`/api/animation/jobs/${split.id}/poster`);
      const frames = await framesOf(split);
      expect(frames.length).toBeGreaterThan(20);
      expect(await framesOf(single)).toEqual(frames);
      // Scenes without unseeded randomness come out of Manim as it is with the same frames.
      if (scene.name !== 'Unseeded') {
        const plain = await render({ code: scene.code, chunks: 1 });
        expect(plain.result?.chunks).toBeUndefined();
        expect(await framesOf(plain)).toEqual(frames);
      }
    },
  );

  it.each([
    ['at quality high', { quality: 'high' }],
    ['on Manim 0.19.0', { manimVersion: '0.19.0' }],
  ] as const)('draws the frames of one container %s', async (_what, options) => {
    const scene = SPLIT_CORPUS.find((candidate) => candidate.name === 'Accumulating');
    if (scene === undefined) throw new Error('the corpus has no Accumulating scene');
    const [split, plain] = await Promise.all([
      render({ code: scene.code, chunks: 2, ...options }),
      render({ code: scene.code, chunks: 1, ...options }),
    ]);
    expect(split).toMatchObject({ status: 'completed', result: { chunks: 2 } });
    expect(plain.status).toBe('completed');
    const frames = await framesOf(split);
    expect(frames.length).toBeGreaterThan(20);
    expect(await framesOf(plain)).toEqual(frames);
  });

  it('builds the audio track once, from the sounds of every range', async () => {
    const code = `from manim import *

class Clicks(Scene):
    def construct(self):
        dot = Dot()
        dot.add_updater(lambda m, dt: m.shift(RIGHT * dt))
        self.add(dot)
        self.add_sound("click.wav")
        self.play(Create(Square()), run_time=0.5)
        self.add_sound("click.wav", time_offset=0.2, gain=-3)
        self.play(Create(Circle()), run_time=0.5)
        self.add_sound("click.wav")
        self.play(FadeOut(dot), run_time=0.5)
`;
    const submit = async (chunks: string) => {
      const submitted = await service.submitForm({ code, quality: 'low', cache: 'false', chunks }, [
        { field: 'assets', name: 'click.wav', content: wavTone(0.2) },
      ]);
      expect(submitted.status).toBe(202);
      return service.waitForEnd(submitted.body.id);
    };
    const [split, plain] = await Promise.all([submit('3'), submit('1')]);
    expect(split).toMatchObject({ status: 'completed', result: { chunks: 3 } });
    const frames = await framesOf(split);
    // framemd5 lists the audio stream's frames too (stream index 1).
    expect(frames.some((line) => line.startsWith('1,'))).toBe(true);
    expect(await framesOf(plain)).toEqual(frames);
  });

  it('renders a scene that reads the clock in one container, and says why', async () => {
    const job = await render({ code: CLOCK_SCENE.code, chunks: 2 });
    expect(job.status).toBe('completed');
    expect(job.result?.chunks).toBeUndefined();
    expect(job.result?.oneContainerReason).toMatch(/depends on something besides its code/);
  });

  it('keeps a low-quality render with chunks "auto" in one container, and says why', async () => {
    const [scene] = SPLIT_CORPUS;
    const job = await render({ code: scene?.code, chunks: 'auto' });
    expect(job.status).toBe('completed');
    expect(job.result?.oneContainerReason).toMatch(/quality high or above/);
  });

  it('fails with the line of the scene when its code fails, as one container would', async () => {
    const code = `from manim import *

class Broken(Scene):
    def construct(self):
        for index in range(4):
            self.play(Create(Square()), run_time=0.3)
        raise ValueError("the fifth play went wrong")
`;
    const job = await render({ code, chunks: 2 });
    expect(job.status).toBe('failed');
    expect(job.error?.message).toMatch(/ValueError/);
    expect(job.error?.details).toMatchObject({ line: 7 });
  });

  it('cancels every range of a job that is rendering in ranges', async () => {
    const code = `from manim import *

class Slow(Scene):
    def construct(self):
        for index in range(4):
            self.play(Create(Circle()), run_time=30)
`;
    const submitted = await service.submit({ code, quality: 'low', cache: false, chunks: 2 });
    const id = submitted.body.id;
    // The plan pass steps through 120 s of frames quickly; then the ranges draw them slowly.
    await waitUntil(
      'the second range to start',
      () => containersOfJob(`${id}-range-1`),
      (containers) => containers.length > 0,
      { timeoutMs: 120_000 },
    );
    const view = await service.getJob(id);
    expect(view.status).toBe('active');

    const cancelled = await fetch(`${service.url}/api/animation/jobs/${id}`, { method: 'DELETE' });
    const answer = (await cancelled.json()) as { status?: string; error?: { message: string } };
    // A refusal (409) says in its message how the job had ended.
    expect(cancelled.ok ? answer.status : answer.error?.message).toMatch(/^(cancelled|active)$/);
    expect([200, 202]).toContain(cancelled.status);
    const ended = await service.waitForEnd(id);
    expect(ended).toMatchObject({ status: 'cancelled', error: { code: 'cancelled' } });
    for (const range of [`${id}-range-0`, `${id}-range-1`]) {
      await waitUntil(
        `the containers of ${range} to go`,
        () => containersOfJob(range),
        (containers) => containers.length === 0,
        { timeoutMs: 30_000 },
      );
    }
  });
});

describe('a split render whose job files are copied through the Docker API', () => {
  let service: TestService;
  let dir: string;

  beforeAll(async () => {
    service = await startTestService({ env: { JOB_FILE_TRANSFER: 'copy' } });
    dir = await mkdtemp(path.join(tmpdir(), 'split-render-copy-'));
  });
  afterAll(async () => {
    await service?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('plans, renders its ranges and joins them as with a mounted folder', async () => {
    const [scene] = SPLIT_CORPUS;
    const submit = async (chunks: number) => {
      const submitted = await service.submit({
        code: scene?.code,
        quality: 'low',
        cache: false,
        chunks,
      });
      return service.waitForEnd(submitted.body.id);
    };
    const [split, plain] = await Promise.all([submit(2), submit(1)]);
    expect(split).toMatchObject({ status: 'completed', result: { chunks: 2 } });
    const frames = async (job: JobView) => {
      const response = await fetch(`${service.url}/api/animation/jobs/${job.id}/video`);
      const file = path.join(dir, `${job.id}.mp4`);
      await writeFile(file, Buffer.from(await response.arrayBuffer()));
      return frameMd5(file);
    };
    expect(await frames(split)).toEqual(await frames(plain));
  });
});

describe('plays reused from earlier renders of the same API key', () => {
  let service: TestService;
  let dir: string;

  beforeAll(async () => {
    service = await startTestService({
      env: {
        API_KEYS: 'tenant-a-key-0001,tenant-b-key-0002',
        ADMIN_API_KEY: 'split-admin-key-0003',
      },
      // The test's own reads of both keys' jobs.
      apiKey: 'split-admin-key-0003',
    });
    dir = await mkdtemp(path.join(tmpdir(), 'split-reuse-'));
  });
  afterAll(async () => {
    await service?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const scene = (lastShape: string) => `from manim import *

class Edited(Scene):
    def construct(self):
        square = Square().set_color(BLUE)
        square.add_updater(lambda m, dt: m.rotate(dt))
        dot = Dot(RIGHT * 2)
        self.add(square, dot, TracedPath(dot.get_center, stroke_color=YELLOW))
        for _ in range(4):
            self.play(Rotate(dot, angle=PI / 2, about_point=ORIGIN), run_time=0.6)
        self.play(Create(${lastShape}), run_time=0.6)
`;

  async function render(key: string, code: string): Promise<JobView> {
    const response = await fetch(`${service.url}/api/animation/render`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key },
      // A resolution makes it a render whose plays are kept, small enough to be quick.
      body: JSON.stringify({ code, resolution: '320x180', fps: 15, cache: false }),
    });
    expect(response.status).toBe(202);
    const { id } = (await response.json()) as { id: string };
    return service.waitForEnd(id);
  }

  async function frames(key: string, job: JobView): Promise<string[]> {
    const response = await fetch(`${service.url}/api/animation/jobs/${job.id}/video`, {
      headers: { 'x-api-key': key },
    });
    const file = path.join(dir, `${job.id}.mp4`);
    await writeFile(file, Buffer.from(await response.arrayBuffer()));
    return frameMd5(file);
  }

  it('draws only the play that changed, and the video equals a render from scratch', async () => {
    const first = await render('tenant-a-key-0001', scene('Circle()'));
    expect(first).toMatchObject({ status: 'completed', result: { reusedPlays: 0 } });

    const edited = await render('tenant-a-key-0001', scene('Triangle()'));
    expect(edited).toMatchObject({ status: 'completed', result: { reusedPlays: 4 } });

    // Another key shares nothing: it renders the edited scene from scratch.
    const fresh = await render('tenant-b-key-0002', scene('Triangle()'));
    expect(fresh).toMatchObject({ status: 'completed', result: { reusedPlays: 0 } });
    expect(await frames('tenant-a-key-0001', edited)).toEqual(
      await frames('tenant-b-key-0002', fresh),
    );
  });
});
