import type { RenderOptions } from '../../../src/job/render-job';
import { buildManimArgs } from '../../../src/manim/manim-command';
import { manimCommandWithPoster, posterRequest } from '../../../src/manim/poster';
import {
  WARM_READY_LINE,
  warmBootstrapCommand,
  warmJobInput,
} from '../../../src/warm-pool/warm-bootstrap';

const OPTIONS: RenderOptions = {
  scene: 'Intro',
  quality: 'low',
  format: 'mp4',
  transparent: false,
  timeoutSeconds: 60,
};

describe('the warm container bootstrap', () => {
  it('gives a warm container, as one line, exactly the argv a cold container gets', () => {
    const line = warmJobInput(OPTIONS);
    expect(line.endsWith('\n')).toBe(true);
    expect(line.indexOf('\n')).toBe(line.length - 1);
    expect(JSON.parse(line)).toEqual({ argv: buildManimArgs(OPTIONS) });
  });

  it('hands the poster to make on the same line, and carries the poster program', () => {
    const poster = posterRequest(OPTIONS);
    expect(JSON.parse(warmJobInput(OPTIONS, undefined, poster))).toEqual({
      argv: buildManimArgs(OPTIONS),
      poster,
    });
    expect(warmBootstrapCommand()[2]).toContain('def _manim_render_poster(request):');
  });

  it('runs Python with the script on its command line and prints the ready line', () => {
    const [program, flag, script] = warmBootstrapCommand();
    expect([program, flag]).toEqual(['python3', '-c']);
    expect(script).toContain(`os.write(1, b"${WARM_READY_LINE}\\n")`);
    expect(script).toContain('sys.stdin.buffer.readline()');
  });
});

describe('the poster of a render', () => {
  it('is asked of video formats only: a PNG result is its own poster', () => {
    expect(posterRequest(OPTIONS)).toMatchObject({ scene: 'Intro', extension: 'mp4' });
    expect(posterRequest({ ...OPTIONS, transparent: true })).toMatchObject({
      extension: 'mov',
      transparent: true,
    });
    expect(posterRequest({ ...OPTIONS, format: 'png' })).toBeUndefined();
  });

  it("is made in Manim's own process, which stays the container's first", () => {
    const request = posterRequest(OPTIONS);
    if (!request) throw new Error('no poster request');
    const [program, flag, script, job, ...rest] = manimCommandWithPoster(
      buildManimArgs(OPTIONS),
      request,
    );
    expect([program, flag]).toEqual(['python3', '-c']);
    expect(script).toContain('def _manim_render_run(code, program, argv, on_success=()):');
    expect(script).toContain('def _manim_render_poster(request):');
    expect(JSON.parse(job ?? '')).toEqual({ argv: buildManimArgs(OPTIONS), poster: request });
    expect(rest).toEqual([]);
  });
});
