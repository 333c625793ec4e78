import { parseRenderRequest, type FieldProblem } from '../../../src/api/render-request';
import { loadConfig } from '../../../src/config/load-config';
import { AppError } from '../../../src/errors/app-error';

const code = 'from manim import *\n\nclass Intro(Scene):\n    def construct(self):\n        pass\n';

function problemsOf(action: () => unknown): FieldProblem[] {
  try {
    action();
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    expect(error.code).toBe('validation_failed');
    return (error.details?.problems ?? []) as FieldProblem[];
  }
  throw new Error('expected a validation error');
}

describe('callbackUrl in a render request', () => {
  const config = loadConfig({});

  it('is optional and returned normalised when given', () => {
    expect(parseRenderRequest({ fields: { code } }, config).callbackUrl).toBeUndefined();
    expect(parseRenderRequest({ fields: { code, callbackUrl: '' } }, config).callbackUrl).toBe(
      undefined,
    );
    expect(
      parseRenderRequest({ fields: { code, callbackUrl: 'https://Hooks.Example.com/a#b' } }, config)
        .callbackUrl,
    ).toBe('https://hooks.example.com/a');
  });

  it('is not part of the render options', () => {
    const parsed = parseRenderRequest(
      { fields: { code, callbackUrl: 'https://hooks.example.com/a' } },
      config,
    );
    expect(parsed.options).not.toHaveProperty('callbackUrl');
  });

  it('is listed with the other problems, naming the field and the rule', () => {
    const problems = problemsOf(() =>
      parseRenderRequest(
        { fields: { code, fps: 0, callbackUrl: 'http://127.0.0.1:8080/hook' } },
        config,
      ),
    );
    expect(problems.map((problem) => problem.field)).toEqual(['fps', 'callbackUrl']);
    expect(problems[1]?.message).toBe(
      'must not point to a loopback address (host "127.0.0.1"): webhooks go to public addresses only unless the server sets WEBHOOK_ALLOW_PRIVATE_TARGETS=true',
    );
  });

  it('accepts a loopback target when the server allows private targets', () => {
    const allowing = loadConfig({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' });
    expect(
      parseRenderRequest({ fields: { code, callbackUrl: 'http://127.0.0.1:8080/hook' } }, allowing)
        .callbackUrl,
    ).toBe('http://127.0.0.1:8080/hook');
  });
});
