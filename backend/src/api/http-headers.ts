/**
 * Small, pure helpers for HTTP headers the API reads or writes.
 */

/** The media type of a Content-Type header, lower-cased and without parameters. */
export function mediaTypeOf(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  const mediaType = contentType.split(';', 1)[0]?.trim().toLowerCase() ?? '';
  return mediaType === '' ? undefined : mediaType;
}

/**
 * A Content-Disposition value (RFC 6266). The plain `filename` is an ASCII stand-in that every
 * client understands; `filename*` carries the exact name when it is not plain ASCII.
 */
export function contentDisposition(type: 'inline' | 'attachment', fileName: string): string {
  const fallback = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  const header = `${type}; filename="${fallback}"`;
  if (fallback === fileName) return header;
  return `${header}; filename*=UTF-8''${encodeRfc5987(fileName)}`;
}

function encodeRfc5987(value: string): string {
  return encodeURIComponent(value).replace(
    /['()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
