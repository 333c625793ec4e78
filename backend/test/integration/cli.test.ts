import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FOUR_STEP_SCENE, sceneSleeping } from './support/scenes';
import { startTestService, type TestService } from './support/test-service';

const CLI = path.resolve(__dirname, '../../../dist/backend/src/cli/manim-render.js');

const QUICK_SCENE =
  'from manim import *\nclass Quick(Scene):\n    def construct(self):\n        self.play(Create(Circle()))\n';
const FAILING_SCENE = [
  'from manim import *',
  '',
  'class Broken(Scene):',
  '    def construct(self):',
  '        circle = Circle()',
  '        self.play(Create(Circel()))',
  '        self.wait()',
  '',
].join('\n');

/** The built command as a child process, with what it has printed and a way to wait for it. */
class CliRun {
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | string | null>;
  private readonly child: ChildProcess;
  private readonly waiters: Array<() => void> = [];

  constructor(args: string[], cwd: string, env: Record<string, string> = {}) {
    this.child = spawn(process.execPath, [CLI, ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: tmpdir(), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const collect = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
      this[stream] += chunk.toString();
      for (const wake of this.waiters.splice(0)) wake();
    };
    this.child.stdout?.on('data', collect('stdout'));
    this.child.stderr?.on('data', collect('stderr'));
    this.exited = new Promise((resolve) => {
      this.child.on('close', (code, signal) => {
        resolve(code ?? signal);
        for (const wake of this.waiters.splice(0)) wake();
      });
    });
  }

  /** Resolves with the match once the output (stderr, or stdout) has printed it. */
  async printed(
    pattern: RegExp,
    stream: 'stdout' | 'stderr' = 'stderr',
  ): Promise<RegExpMatchArray> {
    for (;;) {
      const match = pattern.exec(this[stream]);
      if (match !== null) return match;
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(
          `manim-render ended without printing ${pattern}; stdout:\n${this.stdout}\nstderr:\n${this.stderr}`,
        );
      }
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  interrupt(): void {
    this.child.kill('SIGINT');
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

describe('manim-render against the real service', () => {
  let service: TestService;
  let folder: string;
  const runs: CliRun[] = [];
  const run = (args: string[], env: Record<string, string> = {}): CliRun => {
    const started = new CliRun(args, folder, env);
    runs.push(started);
    return started;
  };

  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
    service = await startTestService();
    folder = await mkdtemp(path.join(tmpdir(), 'manim-render-cli-'));
  });
  afterEach(() => {
    for (const started of runs.splice(0)) started.kill();
  });
  afterAll(async () => {
    await service?.close();
    if (folder !== undefined) await rm(folder, { recursive: true, force: true });
  });

  it('renders a scene file, shows its progress and saves the video where --out says', async () => {
    await writeFile(path.join(folder, 'steps.py'), FOUR_STEP_SCENE);
    const cli = run(['render', 'steps.py', '--quality', 'low', '--out', 'videos'], {
      MANIM_RENDER_URL: service.url,
    });

    expect(await cli.exited).toBe(0);
    expect(cli.stdout).toBe(`${path.join('videos', 'Steps.mp4')}\n`);
    const video = await readFile(path.join(folder, 'videos', 'Steps.mp4'));
    expect(video.subarray(4, 8).toString('latin1')).toBe('ftyp');
    expect(cli.stderr).toMatch(/^submitted job \S+$/m);
    expect(cli.stderr).toMatch(/^\[ *\d+%\] rendering · animation 4/m);
    expect(cli.stderr).toMatch(/^\[100%\] done$/m);
    expect(cli.stderr).toContain(`saved ${path.join('videos', 'Steps.mp4')}`);
  });

  it('saves the poster beside the video with --poster, and a preview alone with --preview', async () => {
    // A scene of its own: an identical render elsewhere in this file would be answered with this job.
    await writeFile(path.join(folder, 'quick.py'), QUICK_SCENE.replace(/Circle\(\)/, 'Square()'));
    const env = { MANIM_RENDER_URL: service.url };
    const withPoster = run(['render', 'quick.py', '-q', 'low', '--poster', '-o', 'posters'], env);
    expect(await withPoster.exited).toBe(0);
    expect(withPoster.stdout).toBe(
      `${path.join('posters', 'Quick.mp4')}\n${path.join('posters', 'Quick.poster.png')}\n`,
    );
    const poster = await readFile(path.join(folder, 'posters', 'Quick.poster.png'));
    expect(poster.subarray(1, 4).toString('latin1')).toBe('PNG');

    const preview = run(['render', 'quick.py', '-q', 'low', '--preview', '-o', 'previews'], env);
    expect(await preview.exited).toBe(0);
    const [saved = ''] = preview.stdout.split('\n');
    expect(saved).toBe(path.join('previews', 'Quick.png'));
    expect((await readFile(path.join(folder, saved))).subarray(1, 4).toString('latin1')).toBe(
      'PNG',
    );
  });

  it('exits 1 on a failing scene and prints the error with the line of the scene', async () => {
    await writeFile(path.join(folder, 'broken.py'), FAILING_SCENE);
    const cli = run(['render', 'broken.py', '-q', 'low', '--url', service.url]);

    expect(await cli.exited).toBe(1);
    expect(cli.stdout).toBe('');
    expect(cli.stderr).toContain("error scene_error: NameError: name 'Circel' is not defined");
    expect(cli.stderr).toContain(
      'hint: Fix the exception raised by the scene at the reported line.',
    );
    expect(cli.stderr).toContain(
      [
        '  broken.py:6',
        '  4 |     def construct(self):',
        '  5 |         circle = Circle()',
        '> 6 |         self.play(Create(Circel()))',
        '  7 |         self.wait()',
      ].join('\n'),
    );
  });

  it('sends assets beside the scene and points at the failing line of a module among them', async () => {
    await writeFile(
      path.join(folder, 'shapes.py'),
      'from manim import *\n\ndef shape():\n    return Circel()\n',
    );
    await writeFile(
      path.join(folder, 'uses_shapes.py'),
      'from manim import *\nfrom shapes import shape\n\nclass UsesShapes(Scene):\n    def construct(self):\n        self.play(Create(shape()))\n',
    );
    const cli = run([
      'render',
      'uses_shapes.py',
      '--asset',
      'shapes.py',
      '-q',
      'low',
      '--url',
      service.url,
    ]);

    expect(await cli.exited).toBe(1);
    expect(cli.stderr).toContain('  shapes.py:4');
    expect(cli.stderr).toContain('> 4 |     return Circel()');
  });

  it('with --watch renders again after a save, cancelling the render it replaces, until Ctrl-C', async () => {
    const scene = path.join(folder, 'watched.py');
    await writeFile(scene, sceneSleeping(120));
    const cli = run([
      'render',
      'watched.py',
      '--watch',
      '-q',
      'low',
      '--out',
      'watched',
      '--url',
      service.url,
    ]);
    const first = (await cli.printed(/^submitted job (\S+)$/m))[1] ?? '';
    await service.waitForActive(first);

    await writeFile(scene, QUICK_SCENE);
    await cli.printed(
      new RegExp(`^watched.py changed: cancelling job ${first}, rendering again$`, 'm'),
    );
    await cli.printed(new RegExp(`^cancelled job ${first}$`, 'm'));
    expect(await service.getJob(first)).toMatchObject({ status: 'cancelled' });
    await cli.printed(/^watched\/Quick\.mp4$/m, 'stdout');
    await cli.printed(/^watching watched\.py for changes/m);
    const submitted = [...cli.stderr.matchAll(/^submitted job (\S+)$/gm)].map((match) => match[1]);
    expect(submitted).toEqual([first, expect.any(String)]);
    expect(await service.getJob(submitted[1] ?? '')).toMatchObject({ status: 'completed' });

    cli.interrupt();
    expect(await cli.exited).toBe(130);
  });

  it('cancels the running render on Ctrl-C and exits 130', async () => {
    await writeFile(path.join(folder, 'slow.py'), sceneSleeping(120));
    const cli = run(['render', 'slow.py', '-q', 'low', '--url', service.url]);
    const id = (await cli.printed(/^submitted job (\S+)$/m))[1] ?? '';
    await service.waitForActive(id);

    cli.interrupt();
    expect(await cli.exited).toBe(130);
    expect(cli.stderr).toMatch(new RegExp(`^cancelled job ${id}$`, 'm'));
    expect(await service.getJob(id)).toMatchObject({ status: 'cancelled' });
  });

  it('lists the scenes of a file', async () => {
    await writeFile(
      path.join(folder, 'two.py'),
      'from manim import *\nclass A(Scene):\n    pass\n\nclass B(MovingCameraScene):\n    pass\n',
    );
    const cli = run(['scenes', 'two.py', '--url', service.url]);
    expect(await cli.exited).toBe(0);
    expect(cli.stdout).toBe('A\ttwo.py:2\nB\ttwo.py:5\n');
  });

  it('exits 2 on bad usage and 3 when the service cannot be reached', async () => {
    const usage = run(['render', 'steps.py', '--quality', 'ultra']);
    expect(await usage.exited).toBe(2);
    expect(usage.stderr).toContain('--quality must be one of low, medium, high, production, 4k');

    const unreachable = run(['render', 'steps.py', '--url', 'http://127.0.0.1:9']);
    expect(await unreachable.exited).toBe(3);
    expect(unreachable.stderr).toContain(
      'error server_unreachable: Cannot reach the render service at http://127.0.0.1:9',
    );
  });
});
