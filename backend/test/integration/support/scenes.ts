/** Scenes several integration tests render. */

/** Four animations, so that progress has several steps to go through. */
export const FOUR_STEP_SCENE = [
  'from manim import *',
  'class Steps(Scene):',
  '    def construct(self):',
  '        square = Square()',
  '        self.play(Create(square))',
  '        self.play(square.animate.shift(RIGHT))',
  '        self.play(Rotate(square, PI / 2))',
  '        self.play(FadeOut(square))',
  '',
].join('\n');

/** A scene `Slow` that sleeps before its one animation: a render that is running for a while. */
export function sceneSleeping(seconds: number): string {
  return `from manim import *\nimport time\nclass Slow(Scene):\n    def construct(self):\n        time.sleep(${seconds})\n        self.play(Create(Circle()))\n`;
}
