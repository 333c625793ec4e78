import { AppError } from '../../../src/errors/app-error';
import { detectSceneClasses, resolveScene } from '../../../src/manim/scene-detection';

function names(code: string): string[] {
  return detectSceneClasses(code).map((scene) => scene.name);
}

function thrownBy(action: () => unknown): AppError {
  try {
    action();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected an AppError');
}

describe('detectSceneClasses', () => {
  it('finds a class deriving from Scene with its line number', () => {
    const code = [
      'from manim import *',
      '',
      'class TestScene(Scene):',
      '    def construct(self):',
      '        pass',
    ].join('\n');
    expect(detectSceneClasses(code)).toEqual([{ name: 'TestScene', line: 3 }]);
  });

  it('recognises every Manim scene base class', () => {
    const bases = [
      'Scene',
      'MovingCameraScene',
      'ThreeDScene',
      'SpecialThreeDScene',
      'ZoomedScene',
      'VectorScene',
      'LinearTransformationScene',
    ];
    const code = bases.map((base, index) => `class S${index}(${base}):\n    pass\n`).join('');
    expect(names(code)).toEqual(bases.map((_, index) => `S${index}`));
  });

  it('returns several scenes in the order they appear', () => {
    const code = 'class B(Scene):\n    pass\n\nclass A(ThreeDScene):\n    pass\n';
    expect(detectSceneClasses(code)).toEqual([
      { name: 'B', line: 1 },
      { name: 'A', line: 4 },
    ]);
  });

  it('accepts dotted bases such as manim.Scene and mn.ThreeDScene', () => {
    const code =
      'import manim\nimport manim as mn\nclass A(manim.Scene): pass\nclass B(mn.ThreeDScene): pass\n';
    expect(names(code)).toEqual(['A', 'B']);
  });

  it('ignores classes that do not derive from a scene', () => {
    const code =
      'class Helper:\n    pass\nclass Shape(VMobject):\n    pass\nclass Data(object): pass\n';
    expect(names(code)).toEqual([]);
  });

  it('follows inheritance through classes of the same code, defined in any order', () => {
    const code = [
      'class Final(Middle):',
      '    pass',
      'class Middle(Base, SomeMixin):',
      '    pass',
      'class Base(MovingCameraScene):',
      '    pass',
      'class SomeMixin:',
      '    pass',
    ].join('\n');
    expect(names(code)).toEqual(['Final', 'Middle', 'Base']);
  });

  it('does not loop on an inheritance cycle', () => {
    expect(names('class A(B): pass\nclass B(A): pass\n')).toEqual([]);
  });

  it('ignores classes nested in a class or a function', () => {
    const code = [
      'class Outer:',
      '    class Inner(Scene):',
      '        pass',
      'def factory():',
      '    class Made(Scene):',
      '        pass',
      '    return Made',
      'async def later():',
      '    class Late(Scene): pass',
      'class Real(Scene):',
      '    class AlsoInner(Scene): pass',
    ].join('\n');
    expect(names(code)).toEqual(['Real']);
  });

  it('counts a class inside a module-level if block, as Python does', () => {
    expect(names('if True:\n    class Guarded(Scene):\n        pass\n')).toEqual(['Guarded']);
  });

  it('ignores fake class statements in comments', () => {
    const code = '# class Fake(Scene):\nclass Real(Scene):  # class Other(Scene):\n    pass\n';
    expect(names(code)).toEqual(['Real']);
  });

  it('ignores fake class statements in single- and double-quoted strings', () => {
    const code = [
      `a = 'class Fake1(Scene):'`,
      `b = "class Fake2(Scene):"`,
      `c = 'it\\'s "class Fake3(Scene):"'`,
      `d = r'\\d+' ; e = "\\\\"`,
      'class Real(Scene): pass',
    ].join('\n');
    expect(names(code)).toEqual(['Real']);
  });

  it('ignores fake class statements in triple-quoted strings spanning lines', () => {
    const code = [
      'DOC = """',
      'class Fake(Scene):',
      '    pass',
      '"""',
      "OTHER = '''",
      "class Fake2(Scene): ''' + '''",
      "class Fake3(Scene):'''",
      'class Real(Scene):',
      '    """class Fake4(Scene):"""',
    ].join('\n');
    expect(detectSceneClasses(code)).toEqual([{ name: 'Real', line: 8 }]);
  });

  it('understands string prefixes such as r, b, f, rb and Fr', () => {
    const code = [
      'a = r"class A(Scene):"',
      "b = b'class B(Scene):'",
      'c = f"class C(Scene): {1}"',
      'd = rb"""',
      'class D(Scene):',
      '"""',
      "e = Fr'class E(Scene):'",
      "f = u'class F(Scene):'",
      'class Real(Scene): pass',
    ].join('\n');
    expect(names(code)).toEqual(['Real']);
  });

  it('reads bases spanning several lines with comments between them', () => {
    const code = ['class Wide(', '    Mixin,  # a helper', '    Scene,', '):', '    pass'].join(
      '\n',
    );
    expect(detectSceneClasses(code)).toEqual([{ name: 'Wide', line: 1 }]);
  });

  it('ignores keyword arguments such as metaclass among the bases', () => {
    const code =
      'class Meta(Scene, metaclass=ABCMeta): pass\nclass NotOne(metaclass=Scene): pass\n';
    expect(names(code)).toEqual(['Meta']);
  });

  it('follows backslash line continuations', () => {
    const code = 'class \\\n    Continued(Scene):\n    pass\n';
    expect(detectSceneClasses(code)).toEqual([{ name: 'Continued', line: 1 }]);
  });

  it('keeps counting lines correctly after multi-line strings and brackets', () => {
    const code = [
      'x = [',
      '  1,',
      ']',
      's = """a',
      'b"""',
      '',
      'class Late(Scene):',
      '    pass',
    ].join('\n');
    expect(detectSceneClasses(code)).toEqual([{ name: 'Late', line: 7 }]);
  });

  it('handles Windows line endings and decorators', () => {
    const code = '@dataclass\r\nclass Decorated(Scene):\r\n    pass\r\n';
    expect(detectSceneClasses(code)).toEqual([{ name: 'Decorated', line: 2 }]);
  });

  it('skips type parameters written before the bases', () => {
    expect(names('class Generic[T](Scene): pass\n')).toEqual(['Generic']);
  });

  it('returns nothing for empty code', () => {
    expect(detectSceneClasses('')).toEqual([]);
  });
});

describe('resolveScene', () => {
  const twoScenes = 'class First(Scene): pass\nclass Second(Scene): pass\n';

  it('returns the requested scene when the code defines it', () => {
    expect(resolveScene(twoScenes, 'Second')).toBe('Second');
  });

  it('rejects a requested scene that the code does not define, naming what it found', () => {
    const error = thrownBy(() => resolveScene(twoScenes, 'Third'));
    expect(error.code).toBe('scene_not_found');
    expect(error.message).toContain('Third');
    expect(error.message).toContain('First, Second');
    expect(error.details).toEqual({ requested: 'Third', found: ['First', 'Second'] });
  });

  it('picks the only scene when none is requested', () => {
    expect(resolveScene('class Only(Scene): pass\n', undefined)).toBe('Only');
  });

  it('rejects code without any scene', () => {
    const error = thrownBy(() => resolveScene('class Helper: pass\n', undefined));
    expect(error.code).toBe('scene_not_found');
    expect(error.message).toBe(
      'No Scene subclass found in the code; define a class deriving from Scene (or MovingCameraScene, ThreeDScene, ...)',
    );
    expect(error.details).toEqual({ found: [] });
  });

  it('asks for "scene" when several scenes are defined and none is requested', () => {
    const error = thrownBy(() => resolveScene(twoScenes, undefined));
    expect(error.code).toBe('scene_not_found');
    expect(error.message).toContain('First, Second');
    expect(error.message).toContain('"scene"');
    expect(error.details).toEqual({ found: ['First', 'Second'] });
  });
});
