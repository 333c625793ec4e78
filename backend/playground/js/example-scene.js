// The scene the editor starts with: short to render, and it shows off a few kinds of animation.
export const EXAMPLE_SCENE = `from manim import *


class ShapesInMotion(Scene):
    """A circle that turns into a square, with a title."""

    def construct(self):
        title = Text("Hello, Manim!", font_size=56)
        self.play(Write(title))
        self.play(title.animate.scale(0.6).to_edge(UP))

        circle = Circle(radius=1.4, color=BLUE).set_fill(BLUE, opacity=0.35)
        square = Square(side_length=2.6, color=ORANGE).set_fill(ORANGE, opacity=0.35)

        self.play(Create(circle))
        self.play(Transform(circle, square))
        self.play(Rotate(circle, PI / 4), run_time=0.8)

        dots = VGroup(*[Dot(color=YELLOW) for _ in range(5)])
        dots.arrange(RIGHT, buff=0.4).next_to(circle, DOWN, buff=0.6)
        self.play(LaggedStart(*[FadeIn(dot, shift=UP) for dot in dots]))
        self.wait(0.5)
`;
