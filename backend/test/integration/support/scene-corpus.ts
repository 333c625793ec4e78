import { twoColourPng, wavTone } from './media-files';

/**
 * One scene for each kind of scene Manim's documentation shows, written for this project. Each
 * renders at quality low (854x480, 15 fps) on every served Manim version; what comes back is
 * checked with ffprobe against `expect`.
 */
export interface CorpusScene {
  name: string;
  code: string;
  format?: 'mp4' | 'png';
  /** Files sent beside the scene, by path; built when the test runs. */
  assets?: Record<string, () => Promise<Buffer> | Buffer>;
  expect: { audio?: boolean };
}

const scene = (name: string, base: string, body: string[], imports: string[] = []): string =>
  [
    'from manim import *',
    ...imports,
    '',
    '',
    `class ${name}(${base}):`,
    '    def construct(self):',
    ...body.map((line) => `        ${line}`),
    '',
  ].join('\n');

export const CORPUS: CorpusScene[] = [
  {
    name: 'ArrayImage',
    code: scene(
      'ArrayImage',
      'Scene',
      [
        'ramp = np.uint8([[column for column in range(256)] for _ in range(64)])',
        'picture = ImageMobject(ramp).scale(3)',
        'self.play(FadeIn(picture), run_time=0.5)',
      ],
      ['import numpy as np'],
    ),
    expect: {},
  },
  {
    name: 'FileImage',
    code: scene('FileImage', 'Scene', [
      'picture = ImageMobject("images/halves.png").scale(2)',
      'self.play(FadeIn(picture), run_time=0.5)',
    ]),
    assets: {},
    expect: {},
  },
  {
    name: 'CjkMarkup',
    code: scene('CjkMarkup', 'Scene', [
      'words = MarkupText(\'<span foreground="yellow">你好</span>, мир, αβγ\')',
      'self.play(Write(words), run_time=0.5)',
    ]),
    expect: {},
  },
  {
    name: 'Formulas',
    code: scene('Formulas', 'Scene', [
      'euler = MathTex(r"e^{i\\pi} + 1 = 0")',
      'caption = Tex(r"The \\LaTeX{} of $\\sum_{k=1}^{n} k$").next_to(euler, DOWN)',
      'self.play(Write(euler), FadeIn(caption), run_time=0.5)',
    ]),
    expect: {},
  },
  {
    name: 'LitSurface',
    code: scene(
      'LitSurface',
      'ThreeDScene',
      [
        'surface = Surface(',
        '    lambda u, v: np.array([u, v, 0.4 * np.sin(u) * np.cos(v)]),',
        '    u_range=[-2, 2],',
        '    v_range=[-2, 2],',
        '    resolution=(8, 8),',
        ')',
        'self.renderer.camera.light_source.move_to(3 * IN)',
        'self.set_camera_orientation(phi=70 * DEGREES, theta=30 * DEGREES)',
        'self.add(ThreeDAxes(), surface)',
        'self.begin_ambient_camera_rotation(rate=0.5)',
        'self.wait(0.5)',
        'self.move_camera(theta=60 * DEGREES, run_time=0.5)',
      ],
      ['import numpy as np'],
    ),
    expect: {},
  },
  {
    name: 'CameraMove',
    code: scene('CameraMove', 'MovingCameraScene', [
      'dot = Dot(2 * RIGHT)',
      'self.add(Square(), dot)',
      'self.play(self.camera.frame.animate.scale(0.5).move_to(dot), run_time=0.5)',
    ]),
    expect: {},
  },
  {
    name: 'Magnifier',
    code: scene('Magnifier', 'ZoomedScene', [
      'self.add(Text("small print").scale(0.3))',
      'self.activate_zooming(animate=False)',
      'self.play(self.zoomed_camera.frame.animate.shift(0.5 * RIGHT), run_time=0.5)',
    ]),
    expect: {},
  },
  {
    name: 'TrackedValue',
    code: scene('TrackedValue', 'Scene', [
      'tracker = ValueTracker(0)',
      'label = always_redraw(lambda: DecimalNumber(tracker.get_value()).to_edge(UP))',
      'arrow = Arrow(LEFT, RIGHT)',
      'arrow.add_updater(lambda mob: mob.set_angle(tracker.get_value()))',
      'self.add(label, arrow)',
      'self.play(tracker.animate.set_value(PI), run_time=0.5)',
    ]),
    expect: {},
  },
  {
    name: 'Trail',
    code: scene('Trail', 'Scene', [
      'dot = Dot(RIGHT)',
      'dot.add_updater(lambda mob, dt: mob.rotate(2 * PI * dt, about_point=ORIGIN))',
      'trail = TracedPath(dot.get_center, stroke_color=YELLOW)',
      'self.add(trail, dot)',
      'self.wait(0.5)',
    ]),
    expect: {},
  },
  {
    name: 'BooleanShapes',
    code: scene('BooleanShapes', 'Scene', [
      'circle = Circle().shift(0.5 * LEFT)',
      'square = Square().shift(0.5 * RIGHT)',
      'shapes = VGroup(',
      '    Union(circle, square), Intersection(circle, square),',
      '    Difference(circle, square), Exclusion(circle, square),',
      ').arrange(RIGHT).scale(0.5)',
      'self.play(Create(shapes), run_time=0.5)',
    ]),
    expect: {},
  },
  {
    name: 'Listing',
    code: scene('Listing', 'Scene', [
      'listing = Code(code_string="for n in range(3):\\n    print(n)\\n", language="python")',
      'self.play(FadeIn(listing), run_time=0.5)',
    ]),
    expect: {},
  },
  {
    name: 'VectorFile',
    code: scene('VectorFile', 'Scene', [
      'star = SVGMobject("shapes/star.svg").scale(2)',
      'self.play(DrawBorderThenFill(star), run_time=0.5)',
    ]),
    expect: {},
  },
  {
    name: 'Plot',
    code: scene(
      'Plot',
      'Scene',
      [
        'axes = Axes(x_range=[0, 6, 1], y_range=[-1.5, 1.5, 0.5], tips=False)',
        'labels = axes.get_axis_labels(x_label="t", y_label="y")',
        'curve = axes.plot(np.sin, color=BLUE)',
        'self.add(axes, labels)',
        'self.play(Create(curve), run_time=0.5)',
      ],
      ['import numpy as np'],
    ),
    expect: {},
  },
  {
    name: 'Still',
    format: 'png',
    code: scene('Still', 'Scene', ['self.add(Circle(color=RED), Square(color=BLUE))']),
    expect: {},
  },
  {
    name: 'Chime',
    code: scene('Chime', 'Scene', [
      'self.add_sound("sounds/chime.wav")',
      'self.play(Create(Circle()), run_time=1)',
    ]),
    expect: { audio: true },
  },
];

/** The SVG the VectorFile scene draws. */
export const STAR_SVG = [
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">',
  '  <polygon points="50,5 61,38 95,38 67,58 78,92 50,72 22,92 33,58 5,38 39,38" fill="gold"/>',
  '</svg>',
  '',
].join('\n');

/**
 * Two CJK characters side by side, drawn large: with glyphs they differ, as tofu boxes (no font
 * for them) they would be the same.
 */
export const CJK_GLYPHS_SCENE = scene('Glyphs', 'Scene', [
  'self.add(Text("你", font_size=240).shift(3 * LEFT), Text("好", font_size=240).shift(3 * RIGHT))',
]);

const CORPUS_ASSETS: Record<string, () => Buffer | string> = {
  'images/halves.png': () => twoColourPng(64, 32, [255, 0, 0], [0, 0, 255]),
  'shapes/star.svg': () => STAR_SVG,
  'sounds/chime.wav': () => wavTone(1),
};
const ASSETS_OF: Record<string, string[]> = {
  FileImage: ['images/halves.png'],
  VectorFile: ['shapes/star.svg'],
  Chime: ['sounds/chime.wav'],
};

/** The files a corpus scene reads, as form fields of its request. */
export function corpusFilesOf(
  name: string,
): Array<{ field: string; name: string; content: Buffer | string }> {
  return (ASSETS_OF[name] ?? []).map((path) => ({
    field: 'assets',
    name: path,
    content: CORPUS_ASSETS[path]?.() ?? '',
  }));
}
