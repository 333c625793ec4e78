import { unpackProjectArchive } from '../../../src/job-files/project-archive';
import { buildTarGz, buildZip } from '../../support/archives';
import { refusal } from '../../support/refusal';

const limits = { maxFiles: 5, maxFileBytes: 1000, maxTotalBytes: 2000 };

function texts(files: Array<{ path: string; content: Buffer }>): Record<string, string> {
  return Object.fromEntries(files.map((file) => [file.path, file.content.toString('utf8')]));
}

describe('unpacking a project archive', () => {
  it('reads the files of a zip under their paths, skipping folders and macOS clutter', async () => {
    const zip = buildZip([
      { name: 'project/', mode: 0o040755 },
      { name: 'scene.py', content: 'from manim import *' },
      { name: 'assets/logo.svg', content: '<svg/>' },
      { name: 'lib\\helpers.py', content: 'X = 1' },
      { name: '__MACOSX/._scene.py', content: 'junk' },
      { name: 'assets/.DS_Store', content: 'junk' },
    ]);

    const files = await unpackProjectArchive('project.zip', zip, limits);

    expect(texts(files)).toEqual({
      'scene.py': 'from manim import *',
      'assets/logo.svg': '<svg/>',
      'lib/helpers.py': 'X = 1',
    });
  });

  it('reads the files of a .tar.gz the same way', async () => {
    const archive = await buildTarGz([
      { name: 'project', type: 'directory' },
      { name: './scene.py', content: 'from manim import *' },
      { name: 'sounds/ding.wav', content: 'RIFF' },
    ]);

    const files = await unpackProjectArchive('project.tar.gz', archive, limits);

    expect(texts(files)).toEqual({ 'scene.py': 'from manim import *', 'sounds/ding.wav': 'RIFF' });
  });

  it.each([
    ['a path leaving the folder', '../escape.py', 'entry "../escape.py" leaves its folder'],
    ['an absolute path', '/etc/passwd', 'entry "/etc/passwd" has an absolute path'],
    ['a Windows drive path', 'C:\\Windows\\x.py', 'has an absolute path'],
    ['a reserved name', 'media/videos/x.mp4', 'uses the name "media"'],
    ["the service's own configuration", 'manim.cfg', 'uses the name "manim.cfg"'],
  ])('refuses %s with a 400 naming the entry', async (_what, name, message) => {
    const error = await refusal(
      unpackProjectArchive('p.zip', buildZip([{ name, content: 'x' }]), limits),
    );
    expect(error.code).toBe('validation_failed');
    expect(error.status).toBe(400);
    expect(error.message).toContain(message);
    expect(error.details).toEqual({
      problems: [{ field: 'project', message: expect.stringContaining(message) as string }],
    });
  });

  it('refuses symbolic links, hard links and device files, naming the entry', async () => {
    const zipLink = await refusal(
      unpackProjectArchive(
        'p.zip',
        buildZip([{ name: 'logo.png', content: '/etc/passwd', mode: 0o120777 }]),
        limits,
      ),
    );
    expect(zipLink.message).toContain('entry "logo.png" is a symbolic link');

    const cases: Array<[Parameters<typeof buildTarGz>[0][number], string]> = [
      [
        { name: 'link', type: 'symlink', linkname: '/etc/passwd' },
        'entry "link" is a symbolic link',
      ],
      [{ name: 'hard', type: 'link', linkname: 'scene.py' }, 'entry "hard" is a hard link'],
      [{ name: 'null', type: 'character-device' }, 'entry "null" is a device file'],
      [{ name: 'pipe', type: 'fifo' }, 'entry "pipe" is a special file'],
    ];
    for (const [entry, message] of cases) {
      const archive = await buildTarGz([{ name: 'scene.py', content: 'x' }, entry]);
      const error = await refusal(unpackProjectArchive('p.tar.gz', archive, limits));
      expect(error.status).toBe(400);
      expect(error.message).toContain(message);
    }
  });

  it('stops an archive bomb at the entry that crosses a limit, before inflating it', async () => {
    const bomb = buildZip([
      { name: 'scene.py', content: 'x' },
      { name: 'zeros.bin', content: Buffer.alloc(50 * 1024 * 1024) },
    ]);
    expect(bomb.length).toBeLessThan(100 * 1024);

    const error = await refusal(
      unpackProjectArchive('bomb.zip', bomb, {
        maxFiles: 5,
        maxFileBytes: 1024 * 1024,
        maxTotalBytes: 2 * 1024 * 1024,
      }),
    );

    expect(error.status).toBe(400);
    expect(error.message).toContain(
      'entry "zeros.bin" would unpack to 52428800 bytes, over the limit of 1048576 bytes for one file',
    );
  });

  it('refuses an entry that inflates to more than its header declares', async () => {
    const liar = buildZip([{ name: 'data.bin', content: Buffer.alloc(5000), declaredSize: 10 }]);
    const error = await refusal(unpackProjectArchive('liar.zip', liar, limits));
    expect(error.status).toBe(400);
    expect(error.message).toContain('data.bin');
  });

  it('counts the total and the files against the limits', async () => {
    const total = await refusal(
      unpackProjectArchive(
        'p.tar.gz',
        await buildTarGz([
          { name: 'a.bin', content: Buffer.alloc(900) },
          { name: 'b.bin', content: Buffer.alloc(900) },
          { name: 'c.bin', content: Buffer.alloc(900) },
        ]),
        limits,
      ),
    );
    expect(total.message).toContain(
      'entry "c.bin" would unpack to 900 bytes, which brings the files to 2700 bytes, over the limit of 2000 bytes',
    );

    const many = await refusal(
      unpackProjectArchive(
        'p.zip',
        buildZip(['1', '2', '3', '4', '5', '6'].map((name) => ({ name: `${name}.txt` }))),
        limits,
      ),
    );
    expect(many.message).toContain(
      'holds more than 5 files (MAX_ASSET_FILES); "6.txt" is one too many',
    );
  });

  it('refuses the same path twice, and archives it cannot read', async () => {
    const twice = await refusal(
      unpackProjectArchive(
        'p.zip',
        buildZip([{ name: 'a/b.txt' }, { name: 'a//./b.txt' }]),
        limits,
      ),
    );
    expect(twice.message).toContain('entry "a//./b.txt" appears twice (as "a/b.txt")');

    const neither = await refusal(unpackProjectArchive('p.rar', Buffer.from('Rar!'), limits));
    expect(neither.message).toContain('must be a .zip or .tar.gz archive');

    const broken = await refusal(
      unpackProjectArchive('p.tar.gz', Buffer.from([0x1f, 0x8b, 1, 2, 3]), limits),
    );
    expect(broken.message).toContain('is not a readable .tar.gz archive');
  });

  it('answers 413 for an archive larger than all the files of a request may be', async () => {
    const error = await refusal(unpackProjectArchive('big.zip', Buffer.alloc(2001), limits));
    expect(error.code).toBe('payload_too_large');
  });
});
