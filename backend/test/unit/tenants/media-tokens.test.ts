import { MediaTokens } from '../../../src/tenants/media-tokens';

const SECRET = 'a-secret-of-thirty-two-characters';
const JOB = '5b0e7c1e-3f5d-4d8e-9a43-2f1f8b6f0c9d';

describe('media tokens', () => {
  let now = Date.parse('2026-12-07T12:00:00Z');
  const tokens = new MediaTokens(SECRET, 600, () => now);

  it('open the route and job they were made for until they expire', () => {
    const token = tokens.sign(JOB, 'video');
    expect(token).toMatch(/^[\w-]+\.[\w-]+$/);
    expect(tokens.verify(token, JOB, 'video')).toEqual({
      ok: true,
      expiresAt: new Date('2026-12-07T12:10:00Z'),
    });
    now += 599_000;
    expect(tokens.verify(token, JOB, 'video').ok).toBe(true);
    now += 1000;
    expect(tokens.verify(token, JOB, 'video')).toMatchObject({ ok: false, reason: 'expired' });
    now -= 600_000;
  });

  it('say which part does not fit: another job, another route', () => {
    const token = tokens.sign(JOB, 'poster');
    expect(tokens.verify(token, 'another-job', 'poster')).toMatchObject({ reason: 'other_job' });
    expect(tokens.verify(token, JOB, 'events')).toMatchObject({ reason: 'other_route' });
  });

  it('refuse a token that was altered, signed with another secret, or is not one', () => {
    const token = tokens.sign(JOB, 'video');
    const [payload = '', signature = ''] = token.split('.');
    // The payload of another job under this token's signature.
    const swapped = `${tokens.sign('another-job', 'video').split('.')[0]}.${signature}`;
    expect(tokens.verify(swapped, JOB, 'video')).toMatchObject({ reason: 'signature' });
    const flipped = `${payload}.${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;
    expect(tokens.verify(flipped, JOB, 'video')).toMatchObject({ reason: 'signature' });
    const elsewhere = new MediaTokens('another-secret-of-thirty-two-chars', 600, () => now);
    expect(tokens.verify(elsewhere.sign(JOB, 'video'), JOB, 'video')).toMatchObject({
      reason: 'signature',
    });
    for (const junk of ['', 'abc', 'a.b.c', `${payload}.`, '.x']) {
      expect(tokens.verify(junk, JOB, 'video').ok).toBe(false);
    }
  });

  it('give a job links for a browser, one token per route, all expiring together', () => {
    const links = tokens.browserLinks(JOB);
    expect(links.expiresAt).toBe('2026-12-07T12:10:00.000Z');
    for (const route of ['video', 'poster', 'events'] as const) {
      const url = new URL(links[route], 'http://localhost');
      expect(url.pathname).toBe(`/api/animation/jobs/${JOB}/${route}`);
      expect(tokens.verify(url.searchParams.get('token') ?? '', JOB, route).ok).toBe(true);
    }
  });
});
