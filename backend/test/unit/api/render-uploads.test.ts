import { readRenderUploads, type UploadedFile } from '../../../src/api/render-uploads';
import { loadConfig } from '../../../src/config/load-config';
import { buildZip } from '../../support/archives';
import { refusal } from '../../support/refusal';

const config = loadConfig({
  MAX_ASSET_FILES: '3',
  MAX_ASSET_FILE_MB: '0.001',
  MAX_ASSETS_TOTAL_MB: '0.002',
});
const scene = 'from manim import *\nclass Intro(Scene):\n    def construct(self):\n        pass\n';

function upload(fieldname: string, originalname: string, content: string | Buffer): UploadedFile {
  return { fieldname, originalname, buffer: Buffer.from(content) };
}

describe('the uploads of a render request', () => {
  it('puts a .py scene at scene.py and each asset at the path its file name gives', async () => {
    const uploads = await readRenderUploads(
      [
        upload('file', 'my_scene.py', scene),
        upload('assets', 'images/logo.png', 'PNG'),
        upload('assets', 'helpers.py', 'X = 1'),
      ],
      {},
      config,
    );

    expect(uploads).toMatchObject({ uploadedCode: scene, sceneFile: 'scene.py' });
    expect(uploads.assets.map((asset) => asset.path)).toEqual(['images/logo.png', 'helpers.py']);
  });

  it('takes assets with scene code sent as a text field too', async () => {
    const uploads = await readRenderUploads(
      [upload('assets', 'data.csv', '1,2')],
      { code: scene },
      config,
    );
    expect(uploads.uploadedCode).toBeUndefined();
    expect(uploads.assets).toHaveLength(1);
  });

  it('refuses assets that would replace the scene or escape its folder, naming them', async () => {
    const clash = await refusal(
      readRenderUploads([upload('assets', './scene.py', 'x')], { code: scene }, config),
    );
    expect(clash.message).toContain('file "./scene.py" has the name the scene file gets');

    const escape = await refusal(
      readRenderUploads([upload('assets', '../../etc/cron.d/x', 'x')], { code: scene }, config),
    );
    expect(escape.status).toBe(422);
    expect(escape.message).toContain('assets file "../../etc/cron.d/x" leaves its folder');
  });

  it('answers 413 for an asset over the size limits, 400 over the count', async () => {
    const big = await refusal(
      readRenderUploads([upload('assets', 'big.bin', Buffer.alloc(1100))], { code: scene }, config),
    );
    expect(big.code).toBe('payload_too_large');
    expect(big.message).toContain('"big.bin" is 1100 bytes, over the limit of 1048 bytes');

    const total = await refusal(
      readRenderUploads(
        ['a', 'b', 'c'].map((name) => upload('assets', name, Buffer.alloc(800))),
        { code: scene },
        config,
      ),
    );
    expect(total.code).toBe('payload_too_large');
    expect(total.message).toContain('brings the files to 2400 bytes');

    const many = await refusal(
      readRenderUploads(
        ['a', 'b', 'c', 'd'].map((name) => upload('assets', name, 'x')),
        { code: scene },
        config,
      ),
    );
    expect(many.status).toBe(400);
    expect(many.message).toContain('holds more than 3 files');
  });

  it('finds the scene file of a project by the scenes it defines', async () => {
    const project = buildZip([
      { name: 'scenes/intro.py', content: scene },
      { name: 'scenes/common.py', content: 'RADIUS = 2\n' },
    ]);

    const uploads = await readRenderUploads([upload('project', 'p.zip', project)], {}, config);

    expect(uploads).toMatchObject({
      uploadedCode: scene,
      uploadedFileName: 'scenes/intro.py',
      sceneFile: 'scenes/intro.py',
    });
    expect(uploads.assets.map((asset) => asset.path)).toEqual(['scenes/common.py']);
  });

  it('takes the scene file a project request names, or the one defining the named scene', async () => {
    const other = 'from manim import *\nclass Outro(Scene):\n    pass\n';
    const project = buildZip([
      { name: 'intro.py', content: scene },
      { name: 'outro.py', content: other },
    ]);
    const archive = [upload('project', 'p.zip', project)];

    expect((await readRenderUploads(archive, { sceneFile: 'outro.py' }, config)).sceneFile).toBe(
      'outro.py',
    );
    expect((await readRenderUploads(archive, { scene: 'Outro' }, config)).sceneFile).toBe(
      'outro.py',
    );

    const ambiguous = await refusal(readRenderUploads(archive, {}, config));
    expect(ambiguous.code).toBe('scene_not_found');
    expect(ambiguous.message).toContain('intro.py: Intro; outro.py: Outro');

    const unknown = await refusal(readRenderUploads(archive, { sceneFile: 'missing.py' }, config));
    expect(unknown.message).toContain(
      'sceneFile must name a .py file of the project, got "missing.py"',
    );
  });

  it('searches only files that could be the scene file, and only so much of them', async () => {
    const roomy = loadConfig({ MAX_CODE_BYTES: '1000', MAX_ASSETS_TOTAL_MB: '1' });
    const classes = (name: string) => `class ${name}(Base):\n    pass\n#${'('.repeat(900)}\n`;
    const sendProject = (entries: Array<{ name: string; content: string }>, fields = {}) =>
      readRenderUploads([upload('project', 'p.zip', buildZip(entries))], fields, roomy);

    const modules = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'].map((name) => ({
      name: `lib/${name}.py`,
      content: classes(name.toUpperCase()),
    }));
    const crowded = await refusal(sendProject([{ name: 'intro.py', content: scene }, ...modules]));
    expect(crowded.status).toBe(422);
    expect(crowded.message).toContain(
      'sceneFile is needed for this project: its Python files with class statements come to',
    );
    expect(
      (await sendProject([{ name: 'intro.py', content: scene }, ...modules], { scene: 'Intro' }))
        .sceneFile,
    ).toBe('intro.py');
    expect(
      (
        await sendProject([{ name: 'intro.py', content: scene }, ...modules], {
          sceneFile: 'intro.py',
        })
      ).sceneFile,
    ).toBe('intro.py');

    const long = await refusal(
      sendProject([{ name: 'long.py', content: `${scene}#${'x'.repeat(1000)}\n` }]),
    );
    expect(long.code).toBe('scene_not_found');
    expect(long.message).toContain(
      'not searched, over the 1000 bytes of MAX_CODE_BYTES a scene file may have: long.py',
    );
  });

  it('refuses a project sent with a scene or assets, and sceneFile without a project', async () => {
    const project = upload('project', 'p.zip', buildZip([{ name: 'a.py', content: scene }]));
    const withFile = await refusal(
      readRenderUploads([project, upload('file', 'x.py', scene)], {}, config),
    );
    expect(withFile.message).toContain('project must not be sent together with "file"');

    const withCode = await refusal(readRenderUploads([project], { code: scene }, config));
    expect(withCode.message).toContain('together with "code"');

    const stray = await refusal(readRenderUploads([], { code: scene, sceneFile: 'a.py' }, config));
    expect(stray.message).toContain('sceneFile names the scene file inside a "project" archive');
  });
});
