import { expectedOutput, findRenderOutput } from '../../../src/manim/output-discovery';
import type { RenderOptions } from '../../../src/job/render-job';

const base: RenderOptions = {
  scene: 'TestScene',
  quality: 'medium',
  format: 'mp4',
  transparent: false,
  timeoutSeconds: 300,
};

// File lists as Manim 0.19.0 left them in the media folder (Tex/ and texts/ caches omitted).
function partials(folder: string, extension: string): string[] {
  return [
    `videos/scene/${folder}/partial_movie_files/TestScene/partial_movie_file_list.txt`,
    `videos/scene/${folder}/partial_movie_files/TestScene/uncached_00000.${extension}`,
    `videos/scene/${folder}/partial_movie_files/TestScene/uncached_00001.${extension}`,
  ];
}

describe('expectedOutput', () => {
  it.each([
    ['mp4', 'video', 'mp4', 'video/mp4'],
    ['mov', 'video', 'mov', 'video/quicktime'],
    ['webm', 'video', 'webm', 'video/webm'],
    ['gif', 'video', 'gif', 'image/gif'],
    ['png', 'image', 'png', 'image/png'],
  ] as const)('maps %s to a %s .%s served as %s', (format, kind, extension, contentType) => {
    expect(expectedOutput({ ...base, format })).toEqual({ kind, extension, contentType });
  });

  it('expects a mov for a transparent mp4, as Manim switches containers', () => {
    expect(expectedOutput({ ...base, transparent: true })).toEqual({
      kind: 'video',
      extension: 'mov',
      contentType: 'video/quicktime',
    });
  });

  it('keeps webm and gif when transparent', () => {
    expect(expectedOutput({ ...base, format: 'webm', transparent: true }).extension).toBe('webm');
    expect(expectedOutput({ ...base, format: 'gif', transparent: true }).extension).toBe('gif');
  });
});

describe('findRenderOutput', () => {
  it('finds the final video and never a partial movie file', () => {
    const files = [...partials('720p30', 'mp4'), 'videos/scene/720p30/TestScene.mp4'];
    expect(findRenderOutput(files, base)).toEqual({
      path: 'videos/scene/720p30/TestScene.mp4',
      kind: 'video',
      extension: 'mp4',
      contentType: 'video/mp4',
    });
  });

  it('returns undefined when only partial movie files exist', () => {
    expect(findRenderOutput(partials('720p30', 'mp4'), base)).toBeUndefined();
  });

  it('finds a gif, whose name carries the Manim version', () => {
    const files = [
      ...partials('720p30', 'mp4'),
      'videos/scene/720p30/TestScene_ManimCE_v0.19.0.gif',
    ];
    expect(findRenderOutput(files, { ...base, format: 'gif' })).toMatchObject({
      path: 'videos/scene/720p30/TestScene_ManimCE_v0.19.0.gif',
      contentType: 'image/gif',
    });
  });

  it('finds the mov of a transparent mp4 render', () => {
    const files = [...partials('480p15', 'mov'), 'videos/scene/480p15/TestScene.mov'];
    expect(findRenderOutput(files, { ...base, quality: 'low', transparent: true })).toMatchObject({
      path: 'videos/scene/480p15/TestScene.mov',
      contentType: 'video/quicktime',
    });
  });

  it('finds videos in folders named after a custom frame rate or resolution', () => {
    const options: RenderOptions = {
      ...base,
      format: 'webm',
      fps: 24,
      resolution: { width: 640, height: 360 },
    };
    const files = [...partials('360p24', 'webm'), 'videos/scene/360p24/TestScene.webm'];
    expect(findRenderOutput(files, options)?.path).toBe('videos/scene/360p24/TestScene.webm');
    expect(findRenderOutput(['videos/scene/500p10/TestScene.webm'], options)?.path).toBe(
      'videos/scene/500p10/TestScene.webm',
    );
  });

  it('finds the last frame written for png', () => {
    const files = ['images/scene/TestScene_ManimCE_v0.19.0.png'];
    expect(findRenderOutput(files, { ...base, format: 'png' })).toEqual({
      path: 'images/scene/TestScene_ManimCE_v0.19.0.png',
      kind: 'image',
      extension: 'png',
      contentType: 'image/png',
    });
  });

  it('returns the PNG Manim writes instead of a video for a scene without animations', () => {
    const files = ['images/scene/TestScene_ManimCE_v0.19.0.png'];
    expect(findRenderOutput(files, base)).toMatchObject({
      kind: 'image',
      contentType: 'image/png',
    });
    expect(findRenderOutput(files, { ...base, format: 'gif' })?.path).toBe(files[0]);
  });

  it('ignores the output of another scene and of another format', () => {
    const files = ['videos/scene/720p30/Only.mp4', 'videos/scene/720p30/TestScene.webm'];
    expect(findRenderOutput(files, base)).toBeUndefined();
    expect(findRenderOutput(['images/scene/TestSceneX_ManimCE_v0.19.0.png'], base)).toBeUndefined();
  });

  it('returns undefined when nothing was written', () => {
    expect(findRenderOutput([], base)).toBeUndefined();
  });

  it('accepts paths listed with a leading ./', () => {
    expect(findRenderOutput(['./videos/scene/720p30/TestScene.mp4'], base)?.path).toBe(
      'videos/scene/720p30/TestScene.mp4',
    );
  });
});
