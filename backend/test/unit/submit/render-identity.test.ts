import type { RenderOptions } from '../../../src/job/render-job';
import { renderIdentity } from '../../../src/submit/render-identity';

const options: RenderOptions = {
  scene: 'Intro',
  manimVersion: '0.22.0',
  quality: 'low',
  format: 'mp4',
  transparent: false,
  timeoutSeconds: 300,
};
const code = 'from manim import *\nclass Intro(Scene):\n    pass\n';
const logo = { path: 'images/logo.png', sizeBytes: 3, sha256: 'a'.repeat(64) };
const font = { path: 'fonts/Brand.ttf', sizeBytes: 5, sha256: 'b'.repeat(64) };

describe('the identity of a render', () => {
  it('is the same for the same code, options and image, whatever the order of the options', () => {
    const reordered = {
      timeoutSeconds: 300,
      transparent: false,
      format: 'mp4',
      quality: 'low',
      manimVersion: '0.22.0',
      scene: 'Intro',
    } as const;
    expect(renderIdentity({ code, options: reordered }, 'image:1')).toBe(
      renderIdentity({ code, options }, 'image:1'),
    );
  });

  it('ignores the timeout, which does not change the output', () => {
    expect(renderIdentity({ code, options: { ...options, timeoutSeconds: 10 } }, 'image:1')).toBe(
      renderIdentity({ code, options }, 'image:1'),
    );
  });

  it('differs when the code, any output option, the Manim version or the image differs', () => {
    const base = renderIdentity({ code, options }, 'image:1');
    expect(renderIdentity({ code: `${code}# changed\n`, options }, 'image:1')).not.toBe(base);
    expect(renderIdentity({ code, options: { ...options, quality: 'high' } }, 'image:1')).not.toBe(
      base,
    );
    expect(renderIdentity({ code, options: { ...options, fps: 24 } }, 'image:1')).not.toBe(base);
    expect(
      renderIdentity({ code, options: { ...options, manimVersion: '0.19.0' } }, 'image:1'),
    ).not.toBe(base);
    expect(renderIdentity({ code, options }, 'image:2')).not.toBe(base);
  });

  it('covers the files beside the scene by path and content, in any order', () => {
    const base = renderIdentity({ code, options }, 'image:1');
    const withFiles = renderIdentity({ code, options, assets: [logo, font] }, 'image:1');
    expect(withFiles).not.toBe(base);
    expect(renderIdentity({ code, options, assets: [font, logo] }, 'image:1')).toBe(withFiles);
    expect(
      renderIdentity(
        { code, options, assets: [font, { ...logo, sha256: 'c'.repeat(64) }] },
        'image:1',
      ),
    ).not.toBe(withFiles);
    expect(
      renderIdentity({ code, options, assets: [font, { ...logo, path: 'logo.png' }] }, 'image:1'),
    ).not.toBe(withFiles);
  });

  it('covers where the scene file sits in a project', () => {
    const base = renderIdentity({ code, options, sceneFile: 'scene.py' }, 'image:1');
    expect(renderIdentity({ code, options }, 'image:1')).toBe(base);
    expect(renderIdentity({ code, options, sceneFile: 'scenes/intro.py' }, 'image:1')).not.toBe(
      base,
    );
  });
});
