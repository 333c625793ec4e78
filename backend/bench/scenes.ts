/** The reference scenes: what the bare runs and the service render, with the same request. */
export interface BenchScene {
  key: string;
  description: string;
  code: string;
  /** Fields of the render request besides `code`. */
  fields: Record<string, unknown>;
}

const TRIVIAL = `from manim import *


class TrivialScene(Scene):
    def construct(self):
        self.play(Create(Circle()))
`;

// Several kinds of animation as in Manim's example gallery: text through Pango, transforms,
// targets, groups and a short wait.
const GALLERY = `from manim import *


class GalleryScene(Scene):
    def construct(self):
        heading = Text("Render benchmark", font_size=40).to_edge(UP)
        self.play(FadeIn(heading, shift=DOWN))
        shape = Square(side_length=2, color=BLUE).shift(LEFT * 3)
        self.play(Create(shape))
        self.play(Transform(shape, Circle(radius=1, color=YELLOW).shift(LEFT * 3)))
        shape.generate_target()
        shape.target.shift(RIGHT * 6).scale(0.5).set_color(GREEN)
        self.play(MoveToTarget(shape))
        dots = VGroup(*[Dot(point=LEFT * 2 + RIGHT * step) for step in range(5)])
        self.play(FadeIn(dots, lag_ratio=0.2))
        caption = Text("five dots", font_size=28).next_to(dots, DOWN)
        self.play(Write(caption))
        self.play(Rotate(dots, angle=PI / 2), FadeOut(heading))
        self.play(Transform(caption, Text("done", font_size=28).next_to(dots, DOWN)))
        self.wait(0.5)
`;

export const RENDER_SCENES: readonly BenchScene[] = [
  {
    key: 'trivial-low',
    description: 'Create(Circle), quality low (854x480@15)',
    code: TRIVIAL,
    fields: { quality: 'low' },
  },
  {
    key: 'gallery-low',
    description: 'gallery-style, 8 animations with Text, quality low',
    code: GALLERY,
    fields: { quality: 'low' },
  },
  {
    key: 'trivial-medium',
    description: 'Create(Circle), quality medium (1280x720@30)',
    code: TRIVIAL,
    fields: { quality: 'medium' },
  },
];

export const THROUGHPUT_SCENE = RENDER_SCENES[0] as BenchScene;

/**
 * A comment that makes each submission's code unique, so that a result cache added later cannot
 * answer the end-to-end runs; the repeat measurement sends identical requests on purpose.
 */
export function uniqueCode(scene: BenchScene, tag: string): string {
  return `${scene.code}\n# bench ${tag}\n`;
}

export function requestBody(scene: BenchScene, code: string): Record<string, unknown> {
  return { code, ...scene.fields };
}

// Many plays with state that accumulates over every frame (an updater, a TracedPath), at
// quality high: the kind of render split rendering is for. \`lastPlay\` is its last line, which
// the edit loop changes; \`offset\` moves the dot a little, so that renders of different
// repetitions share no play.
function longScene(lastPlay: string, offset = 0): string {
  return `from manim import *


class LongReference(Scene):
    def construct(self):
        self.add(NumberPlane())
        dot = Dot(RIGHT * ${2 + offset}, color=YELLOW)
        trail = TracedPath(dot.get_center, stroke_color=YELLOW, stroke_width=4)
        spinner = Square(side_length=1.2, color=BLUE).shift(LEFT * 4 + UP * 2)
        spinner.add_updater(lambda m, dt: m.rotate(dt))
        self.add(trail, dot, spinner)
        shapes = [Circle(), Triangle(), RegularPolygon(6), Star(), Square()]
        for index in range(22):
            shape = shapes[index % len(shapes)].copy()
            shape.set_color(interpolate_color(RED, GREEN, index / 21))
            self.play(
                Rotate(dot, angle=PI / 3, about_point=ORIGIN),
                Create(shape.shift(DOWN * 2 + RIGHT * ((index % 7) - 3))),
                run_time=1.2,
            )
            if index % 5 == 4:
                self.wait(0.5)
        ${lastPlay}
`;
}

const LAST_PLAY = 'self.play(FadeOut(spinner), run_time=1)';
const EDITED_LAST_PLAY = 'self.play(spinner.animate.set_color(RED), run_time=1)';

export const LONG_SCENE: BenchScene = {
  key: 'long-high',
  description: '27 plays (23 animations, 4 waits) with an updater and a TracedPath, quality high',
  code: longScene(LAST_PLAY),
  fields: { quality: 'high' },
};

/** The long scene before and after an edit of its last play, for repetition \`repetition\`. */
export function editLoopScenes(repetition: number): { original: string; edited: string } {
  const offset = repetition / 1_000_000;
  return { original: longScene(LAST_PLAY, offset), edited: longScene(EDITED_LAST_PLAY, offset) };
}
