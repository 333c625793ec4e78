import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { greyPixels } from './support/media-files';
import { startTestService, type TestService } from './support/test-service';

/** A scene whose last frame differs from its first: a red square beside a blue circle. */
const TWO_SHAPES = [
  'from manim import *',
  'class Shapes(Scene):',
  '    def construct(self):',
  '        circle = Circle(color=BLUE, fill_opacity=1)',
  '        self.play(Create(circle))',
  '        self.play(circle.animate.shift(LEFT * 2))',
  '        self.play(FadeIn(Square(color=RED, fill_opacity=1).shift(RIGHT * 2)))',
  '',
].join('\n');

const LOW = { width: 854, height: 480 };

function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]));
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

describe('posters and previews', () => {
  let service: TestService;
  let dir: string;

  beforeAll(async () => {
    service = await startTestService();
    dir = await mkdtemp(path.join(tmpdir(), 'posters-'));
  });
  afterAll(async () => {
    await service?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function download(route: string, name: string): Promise<{ file: string; bytes: Buffer }> {
    const response = await fetch(`${service.url}${route}`);
    expect(response.status).toBe(200);
    const bytes = Buffer.from(await response.arrayBuffer());
    const file = path.join(dir, name);
    await writeFile(file, bytes);
    return { file, bytes };
  }

  it('gives every video a poster: its last frame as PNG', async () => {
    const submitted = await service.submit({ code: TWO_SHAPES, quality: 'low' });
    expect(submitted.body.links.poster).toBe(`/api/animation/jobs/${submitted.body.id}/poster`);

    const job = await service.waitForEnd(submitted.body.id);
    expect(job.result).toMatchObject({
      fileName: 'Shapes.mp4',
      posterUrl: submitted.body.links.poster,
    });

    const poster = await download(submitted.body.links.poster, 'poster.png');
    expect(pngSize(poster.bytes)).toEqual(LOW);
    const video = await download(submitted.body.links.video, 'video.mp4');
    const [posterGrey, lastFrameGrey] = await Promise.all([
      greyPixels(poster.file, LOW),
      greyPixels(video.file, LOW),
    ]);
    let difference = 0;
    for (let i = 0; i < posterGrey.length; i += 1) {
      difference += Math.abs((posterGrey[i] ?? 0) - (lastFrameGrey[i] ?? 0));
    }
    expect(difference / posterGrey.length).toBeLessThan(2);

    const head = await fetch(`${service.url}${submitted.body.links.poster}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe('image/png');
    expect(head.headers.get('content-disposition')).toContain('Shapes.poster.png');
  });

  it('renders a preview as the last frame only, which is its own poster', async () => {
    const submitted = await service.submit({ code: TWO_SHAPES, quality: 'low', preview: true });
    const job = await service.waitForEnd(submitted.body.id);
    expect(job).toMatchObject({
      status: 'completed',
      options: { format: 'png', preview: true },
      result: { contentType: 'image/png', posterUrl: submitted.body.links.poster },
    });

    const image = await download(submitted.body.links.video, 'preview.png');
    const poster = await download(submitted.body.links.poster, 'preview-poster.png');
    expect(poster.bytes).toEqual(image.bytes);
    expect(pngSize(image.bytes)).toEqual(LOW);
  });

  it('answers 404 for the poster of an unknown job', async () => {
    const missing = await fetch(`${service.url}/api/animation/jobs/no-such-job/poster`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'job_not_found' } });
  });
});
