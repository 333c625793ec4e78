import express from 'express';
import request from 'supertest';
import {
  authenticate,
  callerOf,
  requireAdminKey,
} from '../../../src/api/middleware/authentication';
import { createErrorHandler } from '../../../src/api/middleware/error-handler';
import { createLogger } from '../../../src/logging/logger';
import { ADMIN_CALLER, OPEN_CALLER, keyTenant } from '../../../src/tenants/caller';
import { MediaTokens } from '../../../src/tenants/media-tokens';

const KEY = 'a-key-of-twenty-chars';
const ADMIN = 'the-admin-key-0123456789';
const JOB = 'job-1';
const tokens = new MediaTokens('a-secret-of-thirty-two-characters', 60);

/** An app that answers every /api request with the caller the middleware worked out. */
function app(apiKeys: string[], adminKey = ADMIN) {
  const logger = createLogger({ level: 'error', service: 'test', silent: true });
  const served = express();
  served.use('/api', authenticate({ apiKeys, adminKey, tokens }));
  served.use('/api', (_req, res) => void res.json(callerOf(res)));
  served.use(createErrorHandler(logger));
  return served;
}

describe('authenticate', () => {
  const keyed = app([KEY]);

  it('makes each API key a tenant of its own, and the admin key one that sees all', async () => {
    const byBearer = await request(keyed).get('/api/x').set('Authorization', `Bearer ${KEY}`);
    expect(byBearer.body).toEqual({ tenant: keyTenant(KEY), seesAll: false });
    expect(keyTenant(KEY)).not.toContain(KEY);
    const byHeader = await request(keyed).get('/api/x').set('X-API-Key', KEY);
    expect(byHeader.body).toEqual(byBearer.body);
    expect((await request(keyed).get('/api/x').set('X-API-Key', ADMIN)).body).toEqual(ADMIN_CALLER);
  });

  it('refuses a missing or wrong key with 401, and any key in the query with 400', async () => {
    const none = await request(keyed).get('/api/x');
    expect([none.status, none.body.error.code]).toEqual([401, 'unauthorized']);
    expect(none.headers['www-authenticate']).toBe('Bearer');
    expect(
      (await request(keyed).get('/api/x').set('X-API-Key', 'wrong-key-0123456789')).status,
    ).toBe(401);
    const inQuery = await request(keyed).get(`/api/x?api_key=${KEY}`).set('X-API-Key', KEY);
    expect([inQuery.status, inQuery.body.error.code]).toEqual([400, 'key_in_query']);
    expect(JSON.stringify(inQuery.body)).not.toContain(KEY);
  });

  it('lets a token open the one route of the one job it was signed for, and only with GET or HEAD', async () => {
    const token = tokens.sign(JOB, 'video');
    const opened = await request(keyed).get(`/api/animation/jobs/${JOB}/video?token=${token}`);
    expect(opened.status).toBe(200);
    expect(opened.body.seesAll).toBe(true);
    expect(
      (await request(keyed).head(`/api/animation/jobs/${JOB}/video?token=${token}`)).status,
    ).toBe(200);
    for (const [method, path] of [
      ['get', `/api/animation/jobs/${JOB}/poster`],
      ['get', `/api/animation/jobs/job-2/video`],
      ['get', `/api/animation/jobs/${JOB}`],
      ['delete', `/api/animation/jobs/${JOB}/video`],
      ['post', '/api/animation/render'],
    ] as const) {
      const refused = await request(keyed)[method](`${path}?token=${token}`);
      expect([method, path, refused.status, refused.body.error?.code]).toEqual([
        method,
        path,
        401,
        'invalid_token',
      ]);
      expect(JSON.stringify(refused.body)).not.toContain(token);
    }
    const twice = await request(keyed).get(
      `/api/animation/jobs/${JOB}/video?token=${token}&token=${token}`,
    );
    expect(twice.status).toBe(401);
  });

  it('treats everyone as one tenant on an open API, whatever key or token comes along', async () => {
    const open = app([], '');
    expect((await request(open).get('/api/x')).body).toEqual(OPEN_CALLER);
    expect(
      (await request(open).get('/api/x').set('X-API-Key', 'some-key-0123456789')).body,
    ).toEqual(OPEN_CALLER);
    expect((await request(open).get('/api/x?token=junk')).body).toEqual(OPEN_CALLER);
    expect((await request(open).get(`/api/x?api_key=${KEY}`)).status).toBe(400);
  });
});

describe('requireAdminKey', () => {
  const admin = (adminKey: string) => {
    const served = express();
    served.use('/admin', requireAdminKey(adminKey), (_req, res) => void res.send('dashboard'));
    served.use(createErrorHandler(createLogger({ level: 'error', service: 'test', silent: true })));
    return served;
  };

  it('stays closed without ADMIN_API_KEY, saying so', async () => {
    const closed = await request(admin('')).get('/admin').set('X-API-Key', ADMIN);
    expect([closed.status, closed.body.error.code]).toEqual([403, 'admin_closed']);
    expect(closed.body.error.message).toContain('ADMIN_API_KEY is not set');
  });

  it('opens to the admin key as a Basic password or a header, and to no API key', async () => {
    const basic = `Basic ${Buffer.from(`anyone:${ADMIN}`).toString('base64')}`;
    expect((await request(admin(ADMIN)).get('/admin').set('Authorization', basic)).text).toBe(
      'dashboard',
    );
    expect((await request(admin(ADMIN)).get('/admin').set('X-API-Key', ADMIN)).status).toBe(200);
    const refused = await request(admin(ADMIN)).get('/admin').set('X-API-Key', KEY);
    expect(refused.status).toBe(401);
    expect(refused.headers['www-authenticate']).toMatch(/^Basic realm=/);
    expect((await request(admin(ADMIN)).get(`/admin?api_key=${ADMIN}`)).status).toBe(401);
  });
});
