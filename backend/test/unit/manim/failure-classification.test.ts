import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  classifyRenderFailure,
  meaningfulLines,
  stripTerminalNoise,
  type RenderRunOutcome,
} from '../../../src/manim/failure-classification';
import type { RenderOptions } from '../../../src/job/render-job';

const FIXTURES = join(__dirname, '../../fixtures/manim-logs');

const options: RenderOptions = {
  scene: 'TestScene',
  quality: 'medium',
  format: 'mp4',
  transparent: false,
  timeoutSeconds: 300,
};

/** A run as recorded in the fixtures (see their README for the exit codes). */
function recorded(fixture: string, exitCode: number | null, extra: Partial<RenderRunOutcome> = {}) {
  const outcome: RenderRunOutcome = {
    exitCode,
    stdout: readFileSync(join(FIXTURES, `${fixture}.stdout.txt`), 'utf8'),
    stderr: readFileSync(join(FIXTURES, `${fixture}.stderr.txt`), 'utf8'),
    timedOut: false,
    oomKilled: false,
    limits: { timeoutSeconds: 300, memoryMb: 2048 },
    ...extra,
  };
  return classifyRenderFailure(outcome, options);
}

function logTailOf(error: { details: Record<string, unknown> | undefined }): string[] {
  const tail = error.details?.logTail;
  if (!Array.isArray(tail)) throw new Error('no logTail in details');
  return tail as string[];
}

describe('classifyRenderFailure on real Manim output', () => {
  it('reports a job folder the render user may not write as permission_denied', () => {
    const error = recorded('job-folder-not-writable', 1);
    expect(error.code).toBe('permission_denied');
    expect(error.message).toBe(
      "The render user may not write its job folder: PermissionError: [Errno 13] Permission denied: '/job/media/images'",
    );
    expect(error.details).toMatchObject({ readOnly: false });
  });

  it('reports a read-only job folder as permission_denied that no user can fix', () => {
    const error = recorded('job-folder-read-only', 1);
    expect(error.code).toBe('permission_denied');
    expect(error.message).toMatch(
      /mounted read-only.*\[Errno 30\] Read-only file system: '\/job\/media\/images'/,
    );
    expect(error.details).toMatchObject({ readOnly: true });
    expect(error.hint).toMatch(/read-write/);
  });

  it('reports a syntax error with its line and the one-line SyntaxError', () => {
    const error = recorded('syntax-error', 1);
    expect(error.code).toBe('syntax_error');
    expect(error.message).toBe("SyntaxError: expected ':' (scene.py line 4)");
    expect(error.details).toMatchObject({ line: 4, exception: "SyntaxError: expected ':'" });
  });

  it('reports an IndentationError as a syntax error', () => {
    const error = recorded('indentation-error', 1);
    expect(error.code).toBe('syntax_error');
    expect(error.details).toMatchObject({ line: 5 });
    expect(error.message).toMatch(
      /^IndentationError: expected an indented block .* \(scene.py line 5\)$/,
    );
  });

  it('reports an exception in construct with the line from the rich traceback', () => {
    const error = recorded('name-error', 1);
    expect(error.code).toBe('scene_error');
    expect(error.message).toBe("NameError: name 'foo' is not defined (scene.py line 7)");
    expect(error.details).toMatchObject({
      exception: "NameError: name 'foo' is not defined",
      line: 7,
    });
  });

  it('reports the innermost line in scene.py for an exception raised in a helper', () => {
    const error = recorded('helper-exception', 1);
    expect(error.code).toBe('scene_error');
    expect(error.message).toBe(
      'ValueError: a polygon needs at least 3 sides, got 2 (scene.py line 6)',
    );
    expect(error.details).toMatchObject({ line: 6 });
  });

  it('reads the traceback of Manim 0.22 the same way', () => {
    const error = recorded('name-error-0.22', 1);
    expect(error.code).toBe('scene_error');
    expect(error.message).toBe("NameError: name 'foo' is not defined (scene.py line 7)");
    expect(error.details).toMatchObject({ line: 7 });
  });

  it('reads the boxed syntax error of Manim 0.22 with its line', () => {
    const error = recorded('syntax-error-0.22', 1);
    expect(error.code).toBe('syntax_error');
    expect(error.message).toBe("SyntaxError: expected ':' (scene.py line 4)");
    expect(error.details).toMatchObject({ line: 4 });
  });

  it('points into a module sent with the scene, keeping the line in the scene too', () => {
    const error = recorded('module-exception', 1);
    expect(error.code).toBe('scene_error');
    expect(error.message).toBe(
      'ValueError: a badge needs at least 3 sides, got 2 (shapes.py line 6)',
    );
    expect(error.details).toMatchObject({ line: 8, location: { file: 'shapes.py', line: 6 } });
  });

  it('reports an exception in module-level code from the plain Python traceback', () => {
    const error = recorded('module-level-exception', 1);
    expect(error.code).toBe('scene_error');
    expect(error.details).toMatchObject({
      line: 4,
      exception: "AttributeError: module 'numpy' has no attribute 'sqroot'. Did you mean: 'sqrt'?",
    });
  });

  it('reports a LaTeX error with the LaTeX message, its context and the line of the MathTex', () => {
    const error = recorded('latex-error', 1);
    expect(error.code).toBe('latex_error');
    expect(error.message).toBe('LaTeX error: Undefined control sequence. (scene.py line 5)');
    expect(error.hint).toMatch(/LaTeX/);
    expect(error.details).toMatchObject({
      line: 5,
      latexError: 'Undefined control sequence.',
      latexContext: ['-> \\frac{1}{2} \\undefinedcommand x', '\\end{align*}', '\\end{document}'],
    });
    expect(String(error.details?.exception)).toMatch(/^ValueError: latex error converting to dvi/);
  });

  it('reports a file without scenes, which Manim exits 0 for', () => {
    const error = recorded('no-scene', 0);
    expect(error.code).toBe('scene_not_found');
    expect(error.message).toBe('No Scene subclass found in scene.py');
    expect(error.details).toMatchObject({ requested: 'TestScene', found: [] });
  });

  it('reports an unknown scene name with the scenes Manim listed', () => {
    const error = recorded('wrong-scene-two-scenes', 1);
    expect(error.code).toBe('scene_not_found');
    expect(error.message).toBe(
      'Scene "TestScene" is not defined in scene.py (found: First, Second)',
    );
    expect(error.details).toMatchObject({ requested: 'TestScene', found: ['First', 'Second'] });
  });

  it('reports an unknown scene name even when Manim rendered the only other scene instead', () => {
    const error = recorded('wrong-scene-one-scene', 0);
    expect(error.code).toBe('scene_not_found');
    expect(error.message).toContain('TestScene');
  });

  it('reports a successful exit without the expected file as output_missing', () => {
    const error = recorded('success', 0);
    expect(error.code).toBe('output_missing');
    expect(error.message).toBe('Manim exited successfully but wrote no mp4 file for TestScene');
    expect(logTailOf(error)).toContain('         Played 2 animations');
  });

  it('reports any other failure as render_failed with the last meaningful line', () => {
    const error = recorded('bad-flag', 2);
    expect(error.code).toBe('render_failed');
    expect(error.message).toBe(
      "Manim exited with code 2: Error: Invalid value for '-q' / '--quality': 'x' is not one of 'l', 'm', 'h', 'p', 'k'.",
    );
    expect(error.details).toMatchObject({ exitCode: 2 });
  });

  it('reads output recorded with timestamps and 1000 columns the same way', () => {
    const error = recorded('name-error-columns-1000', 1);
    expect(error.message).toBe("NameError: name 'foo' is not defined (scene.py line 7)");
    expect(logTailOf(error).some((line) => line.includes('ffmpeg'))).toBe(false);
  });
});

describe('limits', () => {
  it('reports a timeout with the limit in seconds, whatever the output says', () => {
    const error = recorded('name-error', null, { timedOut: true });
    expect(error.code).toBe('timeout');
    expect(error.message).toBe(
      'Rendering TestScene took longer than the 300 s limit and was stopped',
    );
    expect(error.details).toMatchObject({ limitSeconds: 300 });
  });

  it('reports a container killed for memory with the limit in MiB', () => {
    const error = recorded('out-of-memory', 137, { oomKilled: true });
    expect(error.code).toBe('out_of_memory');
    expect(error.message).toBe(
      'Rendering TestScene ran out of memory (limit 2048 MiB) and was stopped',
    );
    expect(error.details).toMatchObject({ limitMb: 2048 });
  });

  it('treats exit code 137 without a timeout as running out of memory', () => {
    expect(recorded('out-of-memory', 137).code).toBe('out_of_memory');
  });

  it('reports a run stopped by a signal as render_failed', () => {
    const error = classifyRenderFailure(
      {
        exitCode: null,
        stdout: '',
        stderr: '',
        timedOut: false,
        oomKilled: false,
        limits: { timeoutSeconds: 300, memoryMb: 2048 },
      },
      options,
    );
    expect(error.code).toBe('render_failed');
    expect(error.message).toBe('Manim was stopped by a signal');
  });
});

describe('the log tail', () => {
  it('keeps the last 40 meaningful lines without padding, blank lines or the source column', () => {
    const tail = logTailOf(recorded('latex-error', 1));
    expect(tail).toHaveLength(40);
    expect(tail[tail.length - 1]).toMatch(/^ValueError: latex error/);
    for (const line of tail) {
      expect(line).toBe(line.trimEnd());
      expect(line).not.toMatch(/^\s*$/);
      expect(line).not.toMatch(/\.py:\d+$/);
      expect(line.length).toBeLessThan(200);
    }
  });

  it('drops progress bars and the pydub warning', () => {
    const tail = logTailOf(recorded('out-of-memory', 137));
    expect(tail).toEqual(['Manim Community v0.19.0', 'INFO     Caching disabled.']);
  });
});

describe('stripTerminalNoise', () => {
  it('keeps the last redraw of a carriage-return line and removes ANSI colours', () => {
    const text = '\rbar  10%|#| 1/10 [00:00]\r    \r\x1b[31mTraceback\x1b[0m   \nnext';
    expect(stripTerminalNoise(text)).toBe('Traceback\nnext');
  });

  it("removes the right-aligned source column of rich's log lines", () => {
    const line = `INFO     Caching disabled.${' '.repeat(200)}cairo_renderer.py:79`;
    expect(stripTerminalNoise(line)).toBe('INFO     Caching disabled.');
  });
});

describe('meaningfulLines', () => {
  it('drops a progress bar left in the middle of a line', () => {
    expect(
      meaningfulLines(
        'Animation 0: Create(Circle):  40%|####      | 6/15 [00:00<00:00, 25.1it/s]\nkept',
      ),
    ).toEqual(['kept']);
  });
});
