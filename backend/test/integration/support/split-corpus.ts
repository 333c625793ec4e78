/**
 * Scenes whose frames depend on every frame before them: what a split render must reproduce
 * exactly (docs/split-rendering.md). Each plays at least four times, so that any cut leaves
 * plays on both sides of it.
 */
export interface SplitScene {
  name: string;
  code: string;
  /** Files the scene reads, sent beside it. */
  assets?: Record<string, Buffer>;
}

const HEADER = 'from manim import *\nimport random\nimport numpy as np\n\n';

export const SPLIT_CORPUS: SplitScene[] = [
  {
    name: 'Accumulating',
    code: `${HEADER}class Accumulating(Scene):
    def construct(self):
        square = Square().set_color(BLUE)
        square.add_updater(lambda m, dt: m.rotate(dt))
        dot = Dot(RIGHT * 2)
        trail = TracedPath(dot.get_center, stroke_color=YELLOW, stroke_width=4)
        self.add(square, dot, trail)
        for _ in range(3):
            self.play(Rotate(dot, angle=PI / 2, about_point=ORIGIN), run_time=0.8)
        self.wait(0.6)
        self.play(square.animate.shift(LEFT), run_time=0.6)
`,
  },
  {
    name: 'Trackers',
    code: `${HEADER}class Trackers(Scene):
    def construct(self):
        t = ValueTracker(0)
        label = always_redraw(lambda: DecimalNumber(t.get_value()).to_edge(UP))
        curve = always_redraw(
            lambda: FunctionGraph(lambda x: np.sin(x + t.get_value()), x_range=[-3, 3])
        )
        self.add(label, curve)
        t.add_updater(lambda m, dt: m.increment_value(dt * 0.9))
        self.play(Create(Circle()), run_time=0.7)
        self.wait(0.7)
        self.play(t.animate.set_value(5), run_time=0.7)
        self.wait(0.5)
`,
  },
  {
    name: 'Unseeded',
    code: `${HEADER}class Unseeded(Scene):
    def construct(self):
        dots = VGroup(*[
            Dot(np.array([random.uniform(-4, 4), np.random.uniform(-2, 2), 0])) for _ in range(20)
        ])
        self.play(FadeIn(dots), run_time=0.5)
        dots.add_updater(lambda m, dt: m.shift(np.array([random.uniform(-0.1, 0.1), 0, 0])))
        self.wait(0.6)
        self.play(dots.animate.set_color(RED), run_time=0.5)
        self.play(FadeOut(dots), run_time=0.5)
`,
  },
  {
    name: 'Seeded',
    code: `${HEADER}class Seeded(Scene):
    def construct(self):
        random.seed(7)
        np.random.seed(7)
        dots = VGroup(*[
            Dot(np.array([random.uniform(-4, 4), np.random.uniform(-2, 2), 0])) for _ in range(10)
        ])
        self.play(FadeIn(dots), run_time=0.5)
        dots.add_updater(lambda m, dt: m.shift(np.array([np.random.uniform(-0.1, 0.1), 0, 0])))
        self.wait(0.6)
        self.play(dots.animate.set_color(GREEN), run_time=0.4)
        self.play(FadeOut(dots), run_time=0.5)
`,
  },
  {
    name: 'MovingCamera',
    code: `${HEADER}class MovingCamera(MovingCameraScene):
    def construct(self):
        square = Square()
        self.add(square, Circle().shift(RIGHT * 3))
        self.camera.frame.add_updater(lambda f, dt: f.shift(RIGHT * dt * 0.5))
        self.play(Create(Triangle()), run_time=0.6)
        self.play(self.camera.frame.animate.scale(0.6), run_time=0.6)
        self.wait(0.5)
        self.play(square.animate.rotate(PI / 3), run_time=0.6)
`,
  },
  {
    name: 'Ambient3D',
    code: `${HEADER}class Ambient3D(ThreeDScene):
    def construct(self):
        self.set_camera_orientation(phi=70 * DEGREES, theta=30 * DEGREES)
        cube = Cube(side_length=1.5, fill_opacity=0.6)
        self.add(ThreeDAxes(), cube)
        self.begin_ambient_camera_rotation(rate=0.8)
        self.play(cube.animate.shift(UP), run_time=0.6)
        self.wait(0.6)
        self.play(Rotate(cube, PI / 2), run_time=0.6)
        self.stop_ambient_camera_rotation()
        self.play(FadeOut(cube), run_time=0.4)
`,
  },
  {
    name: 'WaitingUpdaters',
    code: `${HEADER}class WaitingUpdaters(Scene):
    def construct(self):
        dot = Dot()
        dot.add_updater(lambda m, dt: m.shift(RIGHT * dt))
        self.add(dot)
        self.wait(0.5)
        self.wait(0.5)
        self.wait(0.5)
        self.play(dot.animate.set_color(GREEN), run_time=0.4)
`,
  },
];

/** A scene that reads the clock: its frames differ from one run to the next. */
export const CLOCK_SCENE: SplitScene = {
  name: 'ClockBound',
  code: `${HEADER}import time

class ClockBound(Scene):
    def construct(self):
        dot = Dot()
        dot.add_updater(lambda m, dt: m.move_to(RIGHT * ((time.time() * 1000) % 3)))
        self.add(dot)
        for shape in (Square(), Circle(), Triangle()):
            self.play(Create(shape), run_time=0.5)
`,
};
