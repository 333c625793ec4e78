import { parseProgressBar } from '../../../src/manim/progress-bar';

describe('parseProgressBar', () => {
  it('reads the bars Manim draws, with names that contain colons or bars', () => {
    expect(
      parseProgressBar(
        "Animation 2: FadeIn(MathTex('e^{i\\\\pi} + 1 = 0')), etc.:  39%|███▉      | 9/23 [00:00<00:00, 87.26it/s]",
      ),
    ).toEqual({
      index: 2,
      name: "FadeIn(MathTex('e^{i\\\\pi} + 1 = 0')), etc.",
      done: 9,
      total: 23,
    });
    expect(
      parseProgressBar("Animation 4: Write(Text('a: 5%|b')):  50%|#####     | 5/10 [00:00<00:00]"),
    ).toEqual({ index: 4, name: "Write(Text('a: 5%|b'))", done: 5, total: 10 });
    expect(parseProgressBar('Waiting 3:  67%|██████▋   | 20/30 [00:00<00:00, 171.91it/s]')).toEqual(
      { index: 3, name: 'Waiting 3', done: 20, total: 30 },
    );
    expect(parseProgressBar('Waiting for is_done: 12it [00:01, 9.5it/s]')).toEqual({
      name: 'Waiting for is_done',
      done: 12,
    });
    expect(parseProgressBar(' '.repeat(80))).toBeUndefined();
    expect(parseProgressBar('Rendering: 50%')).toBeUndefined();
  });
});
