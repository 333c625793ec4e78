import { failureLocation, failureReport } from '../../../../src/cli/manim-render/failure-report';
import { terminalStyle } from '../../../../src/cli/manim-render/terminal-style';

const SCENE = [
  'from manim import *',
  '',
  'class Bad(Scene):',
  '    def construct(self):',
  '        circle = Circle()',
  '        self.play(Create(Circel()))',
  '        self.wait()',
  '',
].join('\n');

const FAILURE = {
  code: 'scene_error',
  message: "NameError: name 'Circel' is not defined (scene.py line 6)",
  hint: 'Fix the exception raised by the scene at the reported line.',
  details: { line: 6, exception: "NameError: name 'Circel' is not defined", logTail: ['x'] },
};

describe('failureReport', () => {
  it('prints the code, message, hint and the failing line with two lines around it', () => {
    const report = failureReport(
      FAILURE,
      { label: 'scenes/bad.py', text: SCENE, line: 6 },
      terminalStyle(false),
    );
    expect(report).toBe(
      [
        "error scene_error: NameError: name 'Circel' is not defined (scene.py line 6)",
        '  hint: Fix the exception raised by the scene at the reported line.',
        '',
        '  scenes/bad.py:6',
        '  4 |     def construct(self):',
        '  5 |         circle = Circle()',
        '> 6 |         self.play(Create(Circel()))',
        '  7 |         self.wait()',
        '',
      ].join('\n'),
    );
  });

  it('colours the failing line on a terminal', () => {
    const report = failureReport(
      FAILURE,
      { label: 'bad.py', text: SCENE, line: 6 },
      terminalStyle(true),
    );
    expect(report).toContain(
      '\x1b[31m\x1b[1m> 6 |         self.play(Create(Circel()))\x1b[22m\x1b[39m',
    );
    expect(report).toContain('\x1b[2m5 |\x1b[22m');
  });

  it('numbers lines to the same width at the start and end of a file', () => {
    const text = Array.from({ length: 11 }, (_, i) => `line ${i + 1}`).join('\n');
    const report = failureReport(FAILURE, { label: 'f.py', text, line: 10 }, terminalStyle(false));
    expect(report).toContain('   8 | line 8\n   9 | line 9\n> 10 | line 10\n  11 | line 11\n');
    const first = failureReport(FAILURE, { label: 'f.py', text, line: 1 }, terminalStyle(false));
    expect(first).toContain('> 1 | line 1\n  2 | line 2\n  3 | line 3\n');
  });

  it("lists a refused request's fields, and shows Manim's last lines when no line is known", () => {
    const refused = failureReport(
      {
        code: 'validation_failed',
        message: 'Invalid render request',
        hint: 'Fix the listed fields.',
        details: { problems: [{ field: 'fps', message: 'must be at most 60' }] },
      },
      undefined,
      terminalStyle(false),
    );
    expect(refused).toContain('  - fps: must be at most 60\n');
    const crashed = failureReport(
      {
        code: 'render_failed',
        message: 'Manim failed',
        hint: 'Read the log.',
        details: { logTail: ['a', 'b'] },
      },
      undefined,
      terminalStyle(false),
    );
    expect(crashed).toContain("  last lines of Manim's output:\n    a\n    b\n");
  });
});

describe('failureLocation', () => {
  it('is the scene line, or the line of a module sent beside the scene', () => {
    expect(failureLocation({ line: 6 })).toEqual({ file: undefined, line: 6 });
    expect(failureLocation({ line: 3, location: { file: 'helpers.py', line: 9 } })).toEqual({
      file: 'helpers.py',
      line: 9,
    });
    expect(failureLocation({ exception: 'x' })).toBeUndefined();
    expect(failureLocation(undefined)).toBeUndefined();
  });
});
