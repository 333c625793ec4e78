import { renderLogText } from '../../../src/manim/render-log';

describe('the kept render output', () => {
  it('puts the log before the errors, without redraws, padding or blank lines', () => {
    const text = renderLogText(
      'INFO     Animation 0 : Partial movie file written          scene_file_writer.py:588\n\n',
      'Animation 0: Create(Circle):   0%|   | 0/15\rAnimation 0: Create(Circle): 100%|###| 15/15\nNameError: oops\n',
    );
    expect(text.split('\n')).toEqual([
      '--- stdout ---',
      'INFO     Animation 0 : Partial movie file written',
      '--- stderr ---',
      'Animation 0: Create(Circle): 100%|###| 15/15',
      'NameError: oops',
    ]);
  });

  it('keeps the last lines of a long output and says how many there were', () => {
    const stdout = Array.from({ length: 1000 }, (_, n) => `line ${n}`).join('\n');
    const lines = renderLogText(stdout, '').split('\n');
    expect(lines[0]).toBe('--- stdout (last 300 of 1000 lines) ---');
    expect(lines[1]).toBe('line 700');
    expect(lines[300]).toBe('line 999');
  });
});
