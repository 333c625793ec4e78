import { contentDisposition, mediaTypeOf } from '../../../src/api/http-headers';

describe('contentDisposition', () => {
  it('shows a plain ASCII name inline by default', () => {
    expect(contentDisposition('inline', 'Intro.mp4')).toBe('inline; filename="Intro.mp4"');
  });

  it('offers the file as a download when asked to', () => {
    expect(contentDisposition('attachment', 'Intro.mp4')).toBe('attachment; filename="Intro.mp4"');
  });

  it('adds an exact UTF-8 filename* next to an ASCII stand-in for other names', () => {
    expect(contentDisposition('inline', 'Größe (1).mp4')).toBe(
      `inline; filename="Gr__e (1).mp4"; filename*=UTF-8''Gr%C3%B6%C3%9Fe%20%281%29.mp4`,
    );
  });

  it('never lets quotes, backslashes or line breaks break out of the header', () => {
    const header = contentDisposition('inline', 'a"b\\c\r\nd.gif');
    expect(header.startsWith('inline; filename="a_b_c__d.gif"; filename*=')).toBe(true);
    expect(header).not.toMatch(/[\r\n]/);
  });
});

describe('mediaTypeOf', () => {
  it('drops parameters and letter case', () => {
    expect(mediaTypeOf('Application/JSON; charset=utf-8')).toBe('application/json');
    expect(mediaTypeOf('multipart/form-data; boundary=xyz')).toBe('multipart/form-data');
  });

  it('is undefined when there is no Content-Type', () => {
    expect(mediaTypeOf(undefined)).toBeUndefined();
    expect(mediaTypeOf('  ')).toBeUndefined();
  });
});
