import { checkAssetPath } from '../../../src/uploads/asset-path';
import { describeJobFile, fontConfigFor } from '../../../src/uploads/job-files';

describe('the path of a file sent with a scene', () => {
  it('is made relative with "/" between folders, without "." parts', () => {
    expect(checkAssetPath('images/logo.png')).toEqual({ ok: true, path: 'images/logo.png' });
    expect(checkAssetPath('./fonts\\Brand.ttf')).toEqual({ ok: true, path: 'fonts/Brand.ttf' });
    expect(checkAssetPath('a//b/./c.txt')).toEqual({ ok: true, path: 'a/b/c.txt' });
  });

  it.each([
    ['', 'has an empty name'],
    ['..', 'leaves its folder'],
    ['a/../../b', 'leaves its folder'],
    ['/abs/file', 'has an absolute path'],
    ['\\\\server\\share\\x', 'has an absolute path'],
    ['D:/x.png', 'has an absolute path'],
    ['bad\u0000name', 'control character'],
    ['./', 'names no file'],
    ['home/.bashrc', 'uses the name "home"'],
    [`${'d/'.repeat(17)}x`, 'nested deeper than 16 folders'],
  ])('refuses %j: %s', (raw, message) => {
    const checked = checkAssetPath(raw);
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.message).toContain(message);
  });
});

describe('the fontconfig file of a job', () => {
  it('adds the folders that hold fonts, as the render container sees them', () => {
    expect(
      fontConfigFor(['fonts/Brand.ttf', 'fonts/Brand-Bold.otf', 'Logo.TTC', 'img/a.png'], '/job'),
    ).toBe(
      [
        '<?xml version="1.0"?>',
        '<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">',
        '<fontconfig>',
        '  <dir>/job</dir>',
        '  <dir>/job/fonts</dir>',
        '</fontconfig>',
        '',
      ].join('\n'),
    );
  });

  it('is not written for a job without fonts, and escapes folder names', () => {
    expect(fontConfigFor(['a.png', 'b.wav'], '/job')).toBeUndefined();
    expect(fontConfigFor(['R&D <fonts>/x.ttf'], '/job')).toContain(
      '<dir>/job/R&amp;D &lt;fonts&gt;</dir>',
    );
  });
});

describe('the record of a job file', () => {
  it('keeps its path, size and SHA-256', () => {
    expect(describeJobFile({ path: 'a.txt', content: Buffer.from('abc') })).toEqual({
      path: 'a.txt',
      sizeBytes: 3,
      sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    });
  });
});
