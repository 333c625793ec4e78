import { AppError } from '../../../../src/errors/app-error';
import { progressMessage } from '../../../../src/api/mcp/progress-notifications';
import { failureText } from '../../../../src/api/mcp/tool-results';

describe('what a tool says about a failure', () => {
  const code =
    'from manim import *\nclass A(Scene):\n    def construct(self):\n        self.play(Oops())\n';

  it('names the code, quotes the failing line of the scene, and gives the hint and the log end', () => {
    const error = new AppError('scene_error', "NameError: name 'Oops' is not defined", {
      details: { line: 4, logTail: ['Manim Community v0.22.0', "NameError: name 'Oops'"] },
    }).toBody();

    const said = failureText(error, code, 'The render failed').split('\n');

    expect(said[0]).toBe("The render failed: scene_error: NameError: name 'Oops' is not defined");
    expect(said[1]).toBe('Line 4: self.play(Oops())');
    expect(said[2]).toMatch(/^Hint: /);
    expect(said.slice(-2)).toEqual(['Manim Community v0.22.0', "NameError: name 'Oops'"]);
  });

  it('gives the line number alone without the code, and lists the problems of a refused request', () => {
    const failed = new AppError('scene_error', 'boom', { details: { line: 9 } }).toBody();
    expect(failureText(failed, undefined, 'Failed')).toContain('At line 9 of the scene.');

    const refused = new AppError('validation_failed', 'Invalid render request', {
      details: { problems: [{ field: 'quality', message: 'must be one of low, medium' }] },
    }).toBody();
    expect(failureText(refused, code, 'Refused')).toContain(
      '- quality: must be one of low, medium',
    );
  });
});

describe('a progress notification', () => {
  it('says the stage, the animation (from 1), the frames and the time left', () => {
    expect(
      progressMessage({
        stage: 'rendering',
        percent: 40,
        animation: { index: 2, name: 'Create(Circle)' },
        frames: { done: 10, total: 15 },
        etaSeconds: 3.2,
      }),
    ).toBe('rendering, animation 3 Create(Circle), frame 10 of 15, about 4 s left');
    expect(progressMessage({ stage: 'queued', percent: 0 })).toBe('queued');
  });
});
