import {
  CALLBACK_URL_MAX_LENGTH,
  callbackTarget,
  checkCallbackUrl,
} from '../../../src/webhooks/callback-url';

const strict = { allowPrivateTargets: false };
const open = { allowPrivateTargets: true };

function messageOf(raw: unknown, options = strict): string {
  const result = checkCallbackUrl(raw, options);
  if (result.ok) throw new Error(`expected ${String(raw)} to be refused`);
  return result.message;
}

describe('checkCallbackUrl', () => {
  it('accepts public http and https URLs and drops the fragment', () => {
    expect(checkCallbackUrl('https://hooks.example.com/render?token=abc#x', strict)).toEqual({
      ok: true,
      value: 'https://hooks.example.com/render?token=abc',
    });
    expect(checkCallbackUrl('http://93.184.216.34:8080/hook', strict)).toEqual({
      ok: true,
      value: 'http://93.184.216.34:8080/hook',
    });
  });

  it('refuses other schemes and what is not a URL', () => {
    expect(messageOf('ftp://example.com/')).toBe('must use http or https, got "ftp"');
    expect(messageOf('file:///etc/passwd')).toBe('must use http or https, got "file"');
    expect(messageOf('/relative/path')).toBe(
      'must be an absolute http:// or https:// URL, got "/relative/path"',
    );
    expect(messageOf(42)).toBe('must be a string (an http:// or https:// URL)');
  });

  it('caps the length', () => {
    const long = `https://example.com/${'a'.repeat(CALLBACK_URL_MAX_LENGTH)}`;
    expect(messageOf(long)).toBe(
      `must be at most ${CALLBACK_URL_MAX_LENGTH} characters, got ${long.length}`,
    );
  });

  it('refuses credentials in the URL', () => {
    expect(messageOf('https://user:secret@example.com/')).toContain(
      'must not contain a user name or password',
    );
  });

  it.each([
    ['http://127.0.0.1/hook', 'a loopback address'],
    ['http://localhost:8080/hook', 'a loopback address'],
    ['http://[::1]/hook', 'a loopback address'],
    ['http://[::ffff:127.0.0.1]/hook', 'a loopback address'],
    ['http://2130706433/hook', 'a loopback address'],
    ['http://0x7f.0.0.1/hook', 'a loopback address'],
    ['http://10.0.0.5/hook', 'a private address'],
    ['http://192.168.0.10/hook', 'a private address'],
    ['http://169.254.169.254/latest/meta-data', 'a link-local address'],
    ['http://[fe80::1]/hook', 'a link-local address'],
    ['http://[fd00::1]/hook', 'a unique local address'],
    ['http://100.64.1.1/hook', 'a carrier-grade NAT (shared) address'],
    ['http://224.0.0.1/hook', 'a multicast address'],
    ['http://0.0.0.0/hook', 'an unspecified address'],
    ['http://[::]/hook', 'an unspecified address'],
  ])('refuses %s as %s, naming the rule and the setting', (url, description) => {
    const message = messageOf(url);
    expect(message).toContain(`must not point to ${description}`);
    expect(message).toContain('WEBHOOK_ALLOW_PRIVATE_TARGETS=true');
  });

  it('allows internal targets when the server allows them', () => {
    expect(checkCallbackUrl('http://127.0.0.1:9000/hook', open)).toEqual({
      ok: true,
      value: 'http://127.0.0.1:9000/hook',
    });
    expect(checkCallbackUrl('http://localhost/hook', open).ok).toBe(true);
  });

  it('leaves host names to the check at delivery time', () => {
    expect(checkCallbackUrl('http://127.0.0.1.nip.io/hook', strict).ok).toBe(true);
  });
});

describe('callbackTarget', () => {
  it('keeps scheme, host and port only', () => {
    expect(callbackTarget('https://hooks.example.com:8443/render?token=secret')).toBe(
      'https://hooks.example.com:8443',
    );
  });
});
