import type { RenderOptions } from '../../../src/queue/render-job';
import { renderIdentity } from '../../../src/queue/render-identity';

const options: RenderOptions = {
  scene: 'Intro',
  quality: 'low',
  format: 'mp4',
  transparent: false,
  timeoutSeconds: 300,
};
const code = 'from manim import *\nclass Intro(Scene):\n    pass\n';

describe('the identity of a render', () => {
  it('is the same for the same code, options and image, whatever the order of the options', () => {
    const reordered = {
      timeoutSeconds: 300,
      transparent: false,
      format: 'mp4',
      quality: 'low',
      scene: 'Intro',
    } as const;
    expect(renderIdentity(code, reordered, 'image:1')).toBe(
      renderIdentity(code, options, 'image:1'),
    );
  });

  it('ignores the timeout, which does not change the output', () => {
    expect(renderIdentity(code, { ...options, timeoutSeconds: 10 }, 'image:1')).toBe(
      renderIdentity(code, options, 'image:1'),
    );
  });

  it('differs when the code, any output option or the image differs', () => {
    const base = renderIdentity(code, options, 'image:1');
    expect(renderIdentity(`${code}# changed\n`, options, 'image:1')).not.toBe(base);
    expect(renderIdentity(code, { ...options, quality: 'high' }, 'image:1')).not.toBe(base);
    expect(renderIdentity(code, { ...options, fps: 24 }, 'image:1')).not.toBe(base);
    expect(renderIdentity(code, options, 'image:2')).not.toBe(base);
  });
});
