import { wantsDownload } from '../../../src/api/routes/send-video';
import { AppError } from '../../../src/errors/app-error';

describe('the download query parameter', () => {
  it('asks for an attachment with 1 or true, and inline with 0, false or nothing', () => {
    expect([undefined, '0', 'false', '1', 'true'].map(wantsDownload)).toEqual([
      false,
      false,
      false,
      true,
      true,
    ]);
  });

  it('refuses any other value with a 400 that names it', () => {
    for (const value of ['AAA', 'yes', '', ['1', '1']]) {
      let caught: unknown;
      try {
        wantsDownload(value);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(AppError);
      expect((caught as AppError).status).toBe(400);
      expect((caught as AppError).message).toContain(`download must be 1 or true`);
    }
  });
});
