import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../../src/config/load-config';
import {
  localRenderImage,
  lockedManimVersions,
  renderImageContextDir,
  renderImages,
} from '../../../src/render-image/render-image';
import { AppError } from '../../../src/errors/app-error';

function recipe(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'manim-recipe-'));
  mkdirSync(path.join(dir, 'requirements'));
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

const base = {
  Dockerfile: 'FROM scratch\n',
  'requirements/build-tools.txt': 'cython==3.0.12\n',
  'requirements/manim-0.22.0.txt': 'manim==0.22.0\n',
  'requirements/manim-0.19.0.txt': 'manim==0.19.0\n',
};

describe('the local render images', () => {
  it('are tagged by version and a hash of the recipe, the build tools and the lock', () => {
    const tag = (files: Record<string, string>, cjkLatex = false) =>
      localRenderImage('0.22.0', { cjkLatex }, recipe(files)).tag;
    const original = tag(base);

    expect(original).toMatch(/^manim-render:0\.22\.0-[0-9a-f]{12}$/);
    expect(tag(base)).toBe(original);
    expect(tag({ ...base, 'requirements/manim-0.22.0.txt': 'manim==0.22.0\nrich==15\n' })).not.toBe(
      original,
    );
    expect(tag({ ...base, 'requirements/build-tools.txt': 'cython==3.0.11\n' })).not.toBe(original);
    expect(tag({ ...base, Dockerfile: 'FROM scratch\nRUN true\n' })).not.toBe(original);
    expect(tag(base, true)).not.toBe(original);
    // Another version's lock is not part of this image.
    expect(tag({ ...base, 'requirements/manim-0.19.0.txt': 'changed\n' })).toBe(original);
  });

  it('name the build arguments and the files the build reads', () => {
    const image = localRenderImage('0.19.0', { cjkLatex: true }, recipe(base));
    expect(image.buildArgs).toEqual({ MANIM_VERSION: '0.19.0', WITH_CJK_LATEX: '1' });
    expect(image.files).toEqual([
      'Dockerfile',
      'requirements/build-tools.txt',
      'requirements/manim-0.19.0.txt',
    ]);
  });

  it('say how to make the lock of a version that has none', () => {
    let thrown: unknown;
    try {
      localRenderImage('0.18.1', { cjkLatex: false }, recipe(base));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AppError);
    expect((thrown as AppError).message).toContain(
      'Manim 0.18.1 has no lock file (backend/render-image/requirements/manim-0.18.1.txt)',
    );
    expect((thrown as AppError).message).toContain('versions with one: 0.22.0, 0.19.0');
    expect((thrown as AppError).hint).toContain('npm run lock -- 0.18.1');
  });

  it('exist for the versions the project locks, the defaults among them', () => {
    const locked = lockedManimVersions(renderImageContextDir());
    expect(locked).toEqual(expect.arrayContaining(loadConfig({}).MANIM_VERSIONS));
  });
});

describe('the render images a deployment serves', () => {
  it('are the configured image with each version put in, newest first', () => {
    expect(renderImages(loadConfig({ RENDER_IMAGE: 'manimcommunity/manim:v{version}' }))).toEqual([
      { manimVersion: '0.22.0', name: 'manimcommunity/manim:v0.22.0' },
      { manimVersion: '0.19.0', name: 'manimcommunity/manim:v0.19.0' },
    ]);
    expect(
      renderImages(
        loadConfig({ RENDER_IMAGE: 'registry.example/manim:1', MANIM_VERSIONS: '0.19.0' }),
      ),
    ).toEqual([{ manimVersion: '0.19.0', name: 'registry.example/manim:1' }]);
  });
});
