import {
  CLIENT_ERROR_CODES,
  errorFromResponse,
  unreachableError,
} from '../../../src/client/client-error';

describe('errorFromResponse', () => {
  it("carries the service's code, message, hint and details", () => {
    const error = errorFromResponse(
      400,
      {
        error: {
          code: 'validation_failed',
          message: 'bad',
          hint: 'fix it',
          details: { problems: [] },
        },
      },
      'http://x/api/animation/render',
    );
    expect(error).toMatchObject({
      status: 400,
      code: 'validation_failed',
      message: 'bad',
      hint: 'fix it',
      details: { problems: [] },
    });
  });

  it('passes on codes it does not know', () => {
    const error = errorFromResponse(
      418,
      { error: { code: 'new_code', message: 'm', hint: 'h' } },
      '',
    );
    expect(error.code).toBe('new_code');
  });

  it('describes an answer that is not an error body', () => {
    const error = errorFromResponse(502, '<html>Bad Gateway</html>', 'http://x/y');
    expect(error.code).toBe(CLIENT_ERROR_CODES.unexpected);
    expect(error.message).toBe('http://x/y answered HTTP 502: <html>Bad Gateway</html>');
  });
});

describe('unreachableError', () => {
  it("names the address and fetch's reason", () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
      code: 'ECONNREFUSED',
    });
    const error = unreachableError('http://127.0.0.1:1', new TypeError('fetch failed', { cause }));
    expect(error).toMatchObject({ status: 0, code: CLIENT_ERROR_CODES.unreachable });
    expect(error.message).toContain('http://127.0.0.1:1: ECONNREFUSED');
  });
});
