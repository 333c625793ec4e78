import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { JobView } from '../../src/job/render-job';
import { buildZip } from '../support/archives';
import { ASSET_FONT_FAMILY, greyPixels, probeMedia, renamedMonoFont } from './support/media-files';
import { CJK_GLYPHS_SCENE, CORPUS, corpusFilesOf, type CorpusScene } from './support/scene-corpus';
import { testEnvironment } from './support/test-environment';
import { startTestService, type TestService } from './support/test-service';

// Quality low: 854x480 at 15 fps.
const WIDTH = 854;
const HEIGHT = 480;
const versions = testEnvironment().images.map((image) => image.manimVersion);

describe.each(versions)('every kind of documented scene on Manim %s', (manimVersion) => {
  let service: TestService;
  let downloads: string;
  beforeAll(async () => {
    service = await startTestService();
    downloads = await mkdtemp(path.join(tmpdir(), 'manim-corpus-'));
  });
  afterAll(async () => {
    await service?.close();
    if (downloads) await rm(downloads, { recursive: true, force: true });
  });

  /** Submits, waits for the end, and keeps the file; fails with the job's error otherwise. */
  async function render(
    fields: Record<string, string>,
    files: Array<{ field: string; name: string; content: Buffer | string }> = [],
  ): Promise<{ job: JobView; file: string }> {
    const submitted = await service.submitForm(
      { quality: 'low', manimVersion, cache: 'false', ...fields },
      files,
    );
    expect(submitted.body.error).toBeUndefined();
    const job = await service.waitForEnd(submitted.body.id);
    if (job.status !== 'completed') {
      throw new Error(`${fields.scene ?? ''} ${job.status}: ${JSON.stringify(job.error)}`);
    }
    const response = await fetch(`${service.url}${submitted.body.links.video}`);
    const file = path.join(downloads, `${job.id}-${job.result?.fileName ?? 'output'}`);
    await writeFile(file, Buffer.from(await response.arrayBuffer()));
    return { job, file };
  }

  it.each(CORPUS.map((entry) => [entry.name, entry] as const))(
    '%s renders with the right kind of output',
    async (_name, entry: CorpusScene) => {
      const { job, file } = await render(
        { code: entry.code, scene: entry.name, format: entry.format ?? 'mp4' },
        corpusFilesOf(entry.name),
      );

      expect(job.options.manimVersion).toBe(manimVersion);
      const probe = await probeMedia(file);
      const video = probe.streams.filter((stream) => stream.codecType === 'video');
      if (entry.format === 'png') {
        expect(probe.formatName).toBe('png_pipe');
        expect(video).toEqual([
          { codecType: 'video', codecName: 'png', width: WIDTH, height: HEIGHT },
        ]);
        return;
      }
      expect(probe.formatName).toContain('mp4');
      expect(video).toEqual([
        { codecType: 'video', codecName: 'h264', width: WIDTH, height: HEIGHT },
      ]);
      expect(probe.durationSeconds).toBeGreaterThan(0.3);
      expect(probe.durationSeconds).toBeLessThan(5);
      const audio = probe.streams.filter((stream) => stream.codecType === 'audio');
      expect(audio).toHaveLength(entry.expect.audio === true ? 1 : 0);
    },
  );

  it('draws CJK text with glyphs, not the same box for every character', async () => {
    const { file } = await render({ code: CJK_GLYPHS_SCENE, format: 'png' });

    const pixels = await greyPixels(file, { width: WIDTH, height: HEIGHT });
    const half = WIDTH / 2;
    let leftInk = 0;
    let rightInk = 0;
    let different = 0;
    for (let y = 0; y < HEIGHT; y++) {
      for (let x = 0; x < half; x++) {
        const left = pixels[y * WIDTH + x] ?? 0;
        const right = pixels[y * WIDTH + x + half] ?? 0;
        if (left > 128) leftInk++;
        if (right > 128) rightInk++;
        if (Math.abs(left - right) > 128) different++;
      }
    }
    // 你 and 好 each cover a few percent of their half, and hardly overlap when laid on each other.
    expect(leftInk).toBeGreaterThan(0.02 * half * HEIGHT);
    expect(rightInk).toBeGreaterThan(0.02 * half * HEIGHT);
    expect(different).toBeGreaterThan(0.5 * Math.min(leftInk, rightInk));
  });

  it('uses a font sent with the scene by its family name', async () => {
    // Monospaced "i" are much wider than proportional ones: the width shows which font drew them.
    const code = [
      'from manim import *',
      '',
      '',
      'class Typeface(Scene):',
      '    def construct(self):',
      `        sent = Text("iiiiiiii", font="${ASSET_FONT_FAMILY}")`,
      '        default = Text("iiiiiiii")',
      '        assert sent.width > 1.5 * default.width, (sent.width, default.width)',
      '        self.add(sent)',
      '',
    ].join('\n');
    const font = await renamedMonoFont(testEnvironment().image);

    const { job } = await render({ code, format: 'png' }, [
      { field: 'assets', name: 'fonts/asset-mono.ttf', content: font },
    ]);

    expect(job.assets).toEqual([{ path: 'fonts/asset-mono.ttf', sizeBytes: font.length }]);
  });

  it('renders a project whose scene sits in a folder and imports a module next to it', async () => {
    const project = buildZip([
      {
        name: 'scenes/badge.py',
        content: [
          'from manim import *',
          'from shapes import badge',
          '',
          '',
          'class Badge(Scene):',
          '    def construct(self):',
          '        self.play(Create(badge(6)), run_time=0.5)',
          '',
        ].join('\n'),
      },
      {
        name: 'scenes/shapes.py',
        content:
          'from manim import RegularPolygon\n\n\ndef badge(sides):\n    return RegularPolygon(n=sides)\n',
      },
      { name: 'README.md', content: 'A project.' },
    ]);

    const { job, file } = await render({}, [
      { field: 'project', name: 'badge.zip', content: project },
    ]);

    expect(job.options.scene).toBe('Badge');
    expect(job.sceneFile).toBe('scenes/badge.py');
    expect(job.assets?.map((asset) => asset.path).sort()).toEqual([
      'README.md',
      'scenes/shapes.py',
    ]);
    expect((await probeMedia(file)).streams[0]).toMatchObject({ codecName: 'h264' });
  });
});
