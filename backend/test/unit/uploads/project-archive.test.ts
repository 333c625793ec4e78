import { gzipSync } from 'node:zlib';
import { ARCHIVE_ENTRY_BYTES, archiveInflationBudget } from '../../../src/uploads/inflation-budget';
import { unpackProjectArchive } from '../../../src/uploads/project-archive';
import { buildTarGz, buildZip, gzippedZeros, TAR_END, tarHeader } from '../../support/archives';
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
  ])('refuses %s with a 422 naming the entry', async (_what, name, message) => {
    const error = await refusal(
      unpackProjectArchive('p.zip', buildZip([{ name, content: 'x' }]), limits),
    );
    expect(error.code).toBe('invalid_files');
    expect(error.status).toBe(422);
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
      expect(error.status).toBe(422);
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

    expect(error.status).toBe(422);
    expect(error.message).toContain(
      'entry "zeros.bin" would unpack to 52428800 bytes, over the limit of 1048576 bytes for one file',
    );
  });

  it('refuses an entry that inflates to more than its header declares', async () => {
    const liar = buildZip([{ name: 'data.bin', content: Buffer.alloc(5000), declaredSize: 10 }]);
    const error = await refusal(unpackProjectArchive('liar.zip', liar, limits));
    expect(error.status).toBe(422);
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

  it('reads long and non-ASCII names from pax and GNU headers', async () => {
    const long = `${'a-rather-long-folder-name/'.repeat(8)}scene.py`;
    const pax = await buildTarGz([
      { name: long, content: 'A' },
      { name: 'bilder/größe.svg', content: 'B' },
    ]);
    expect(texts(await unpackProjectArchive('p.tar.gz', pax, limits))).toEqual({
      [long]: 'A',
      'bilder/größe.svg': 'B',
    });

    const gnuName = Buffer.from(`${'gnu-long-folder-name/'.repeat(7)}data.txt\0`);
    const gnu = gzipSync(
      Buffer.concat([
        tarHeader('././@LongLink', gnuName.length, 'L'),
        gnuName,
        Buffer.alloc(512 - (gnuName.length % 512)),
        tarHeader('cut-off-name', 1),
        Buffer.from('C'),
        Buffer.alloc(511),
        TAR_END,
      ]),
    );
    expect(texts(await unpackProjectArchive('p.tar.gz', gnu, limits))).toEqual({
      [`${'gnu-long-folder-name/'.repeat(7)}data.txt`]: 'C',
    });
  });
});

describe('a hostile project archive', () => {
  // The service's default limits, under which a 20 MB upload may hide 20 GiB.
  const limits = { maxFiles: 100, maxFileBytes: 10 * 1024 * 1024, maxTotalBytes: 25 * 1024 * 1024 };
  const budget = archiveInflationBudget(limits);
  const GiB = 1024 ** 3;

  function tarGz(...parts: Buffer[]): Buffer {
    return gzipSync(Buffer.concat(parts));
  }

  async function overBudget(name: string, archive: Buffer): Promise<void> {
    const error = await refusal(unpackProjectArchive(name, archive, limits));
    expect(error.status).toBe(413);
    expect(error.code).toBe('payload_too_large');
    expect(error.message).toContain(`inflates to more than ${budget} bytes`);
    expect(error.message).toContain('MAX_ASSETS_TOTAL_MB');
    expect(error.details).toEqual({ field: 'project', inflationBudgetBytes: budget });
  }

  it('is refused before inflating clutter that declares 20 GiB', async () => {
    const archive = Buffer.concat([
      tarGz(tarHeader('scene.py', 1), Buffer.from('x'), Buffer.alloc(511)),
      tarGz(tarHeader('__MACOSX/._scene.py', 20 * GiB)),
      gzippedZeros(20 * GiB),
    ]);
    expect(archive.length).toBeLessThan(25 * 1024 * 1024);

    await overBudget('clutter.tar.gz', archive);
  });

  it('is refused once small clutter, folders or extended headers add up past the budget', async () => {
    const clutter = Array.from({ length: Math.ceil(budget / 4096) }, (_, index) =>
      Buffer.concat([tarHeader(`__MACOSX/._${index}`, 3584), Buffer.alloc(3584)]),
    );
    await overBudget('clutter.tar.gz', tarGz(...clutter, TAR_END));

    const folders = Array.from(
      { length: Math.floor(budget / ARCHIVE_ENTRY_BYTES) + 1 },
      (_, index) => tarHeader(`folder-${index}/`, 0, '5'),
    );
    await overBudget('folders.tar.gz', tarGz(...folders, TAR_END));

    await overBudget(
      'pax.tar.gz',
      Buffer.concat([tarGz(tarHeader('PaxHeader/x', 2 * GiB, 'x')), gzippedZeros(2 * GiB)]),
    );

    const entries = Array.from(
      { length: Math.floor(budget / ARCHIVE_ENTRY_BYTES) + 1 },
      (_, index) => ({
        name: `folder-${index}/`,
        mode: 0o040755,
      }),
    );
    await overBudget('folders.zip', buildZip(entries));
  });

  it('is read up to its end-of-archive marker and no further', async () => {
    const project = [tarHeader('scene.py', 1), Buffer.from('x'), Buffer.alloc(511), TAR_END];

    const zeros = Buffer.concat([tarGz(...project), gzippedZeros(20 * GiB)]);
    expect(texts(await unpackProjectArchive('padded.tar.gz', zeros, limits))).toEqual({
      'scene.py': 'x',
    });

    const garbage = tarGz(...project, Buffer.from('not a tar header '.repeat(10_000)));
    expect(texts(await unpackProjectArchive('trailing.tar.gz', garbage, limits))).toEqual({
      'scene.py': 'x',
    });
  });

  it('that is only gzipped zeros holds no files; other bytes are no tar archive', async () => {
    expect(await unpackProjectArchive('zeros.tar.gz', gzippedZeros(20 * GiB), limits)).toEqual([]);

    const error = await refusal(
      unpackProjectArchive(
        'noise.tar.gz',
        gzipSync(Buffer.from('#!/bin/sh\n'.repeat(100))),
        limits,
      ),
    );
    expect(error.status).toBe(422);
    expect(error.message).toContain(
      'is not a readable .tar.gz archive: a header fails its checksum',
    );
  });

  it('keeps an archive inside it as a file, unopened', async () => {
    const inner = Buffer.concat([tarGz(tarHeader('huge.bin', 4 * GiB)), gzippedZeros(4 * GiB)]);

    const files = await unpackProjectArchive(
      'nested.zip',
      buildZip([
        { name: 'scene.py', content: 'x' },
        { name: 'data/inner.tar.gz', content: inner },
      ]),
      limits,
    );

    expect(files.find((file) => file.path === 'data/inner.tar.gz')?.content.equals(inner)).toBe(
      true,
    );
  });
});
