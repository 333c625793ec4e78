import multer from 'multer';
import { toAppError } from '../../../src/api/middleware/error-handler';
import { AppError } from '../../../src/errors/app-error';

/** The shape body-parser and the router give their errors (http-errors). */
function httpError(status: number, message: string, fields: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { status, statusCode: status, ...fields });
}

describe('toAppError', () => {
  it('passes an AppError through unchanged', () => {
    const error = new AppError('job_not_found', 'No job with id "7"');
    expect(toAppError(error)).toBe(error);
  });

  it('turns malformed JSON into 400 validation_failed naming the parse problem', () => {
    const parseFailure = Object.assign(new SyntaxError('Unexpected end of JSON input'), {
      status: 400,
      type: 'entity.parse.failed',
    });
    const error = toAppError(parseFailure);
    expect(error.code).toBe('validation_failed');
    expect(error.status).toBe(400);
    expect(error.message).toBe('Request body is not valid JSON: Unexpected end of JSON input');
    expect(error.details).toEqual({
      problems: [{ field: 'body', message: 'Unexpected end of JSON input' }],
    });
  });

  it('turns a body over the limit into 413 payload_too_large naming the limit in bytes', () => {
    const tooLarge = httpError(413, 'request entity too large', {
      type: 'entity.too.large',
      limit: 416384,
      length: 500000,
    });
    const error = toAppError(tooLarge);
    expect(error.code).toBe('payload_too_large');
    expect(error.status).toBe(413);
    expect(error.message).toContain('limit of 416384 bytes');
    expect(error.details).toEqual({ limitBytes: 416384, sizeBytes: 500000 });
  });

  it('turns an unsupported charset into 415 unsupported_media_type', () => {
    const error = toAppError(
      httpError(415, 'unsupported charset "LATIN1"', { type: 'charset.unsupported' }),
    );
    expect(error.code).toBe('unsupported_media_type');
    expect(error.message).toContain('LATIN1');
  });

  it('turns other client errors, such as a malformed URL escape, into 400', () => {
    const error = toAppError(httpError(400, "Failed to decode param '%E0%A4%A'"));
    expect(error.code).toBe('validation_failed');
    expect(error.message).toContain('%E0%A4%A');
  });

  it('turns an oversized multer upload into 413', () => {
    const error = toAppError(new multer.MulterError('LIMIT_FILE_SIZE', 'file'));
    expect(error.code).toBe('payload_too_large');
    expect(error.status).toBe(413);
  });

  it('turns other multer errors into 400 naming the multer code and field', () => {
    const error = toAppError(new multer.MulterError('LIMIT_FIELD_COUNT'));
    expect(error.code).toBe('validation_failed');
    expect(error.message).toContain('Too many fields (LIMIT_FIELD_COUNT)');
  });

  it('hides the message of anything unexpected behind 500 internal, keeping it as the cause', () => {
    const secret = new Error('connect ECONNREFUSED 10.0.0.5:6379 password=hunter2');
    const error = toAppError(secret);
    expect(error.code).toBe('internal');
    expect(error.status).toBe(500);
    expect(error.message).toBe('Internal server error');
    expect(JSON.stringify(error.toBody())).not.toContain('hunter2');
    expect(error.cause).toBe(secret);
  });

  it('treats server-side http errors as internal too', () => {
    expect(toAppError(httpError(500, 'stream encoding should not be set')).code).toBe('internal');
  });

  it('copes with thrown non-errors', () => {
    expect(toAppError('oops').code).toBe('internal');
    expect(toAppError(undefined).code).toBe('internal');
  });
});
