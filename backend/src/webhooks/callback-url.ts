import { classifyHost, describeAddressClass } from './target-address';

/** Longest `callbackUrl` accepted, in characters. */
export const CALLBACK_URL_MAX_LENGTH = 2048;

export type CallbackUrlCheck = { ok: true; value: string } | { ok: false; message: string };

/**
 * Checks a request's `callbackUrl` when it is submitted: an absolute http(s) URL without
 * credentials whose host is not a literal internal address or `localhost` (unless private
 * targets are allowed). Host names are resolved and checked again when the webhook is sent.
 * The message completes a sentence that starts with the field name.
 */
export function checkCallbackUrl(
  raw: unknown,
  options: { allowPrivateTargets: boolean },
): CallbackUrlCheck {
  if (typeof raw !== 'string') {
    return { ok: false, message: `must be a string (an http:// or https:// URL)` };
  }
  if (raw.length > CALLBACK_URL_MAX_LENGTH) {
    return {
      ok: false,
      message: `must be at most ${CALLBACK_URL_MAX_LENGTH} characters, got ${raw.length}`,
    };
  }
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return {
      ok: false,
      message: `must be an absolute http:// or https:// URL, got ${quote(raw)}`,
    };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return {
      ok: false,
      message: `must use http or https, got ${quote(url.protocol.replace(/:$/, ''))}`,
    };
  }
  if (url.username !== '' || url.password !== '') {
    return {
      ok: false,
      message:
        'must not contain a user name or password; put a token in the path or query, and verify the signature header',
    };
  }
  if (!options.allowPrivateTargets) {
    const kind = classifyHost(url.hostname);
    if (kind !== 'public' && kind !== 'name') {
      return {
        ok: false,
        message: `must not point to ${describeAddressClass(kind)} (host ${quote(url.hostname)}): webhooks go to public addresses only unless the server sets WEBHOOK_ALLOW_PRIVATE_TARGETS=true`,
      };
    }
  }
  // The fragment never reaches a server.
  url.hash = '';
  return { ok: true, value: url.href };
}

/** Scheme, host and port: the part of a callback URL that is safe to show and to log. */
export function callbackTarget(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'invalid URL';
  }
}

function quote(value: string): string {
  return JSON.stringify(value.length <= 60 ? value : `${value.slice(0, 60)}...`);
}
