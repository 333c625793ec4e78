import express from 'express';
import request from 'supertest';
import { ADMIN_QUEUES_PATH } from '../../../src/api/create-app';
import { authenticate } from '../../../src/api/middleware/authentication';
import { buildOpenApiDocument } from '../../../src/api/openapi/openapi-document';
import { openApiRoutes } from '../../../src/api/routes/openapi-routes';
import { loadConfig } from '../../../src/config/load-config';
import { MediaTokens } from '../../../src/tenants/media-tokens';

const KEY = 'a-key-of-twenty-chars';

/** The description and its page in front of the API key check, as create-app mounts them. */
function appWithKeys() {
  const config = loadConfig({ API_KEYS: KEY });
  const app = express();
  app.use(
    openApiRoutes({
      document: buildOpenApiDocument(config, { adminQueuesPath: ADMIN_QUEUES_PATH }),
    }),
  );
  const tokens = new MediaTokens('a-secret-of-thirty-two-characters', 60);
  app.use('/api', authenticate({ apiKeys: config.API_KEYS, adminKey: '', tokens }));
  app.use((_req, res) => void res.status(404).json({ missing: true }));
  return { app, config };
}

describe('the OpenAPI routes', () => {
  it('serve the description of this server without an API key', async () => {
    const { app, config } = appWithKeys();
    const response = await request(app).get('/api/openapi.json');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.body).toEqual(
      JSON.parse(
        JSON.stringify(buildOpenApiDocument(config, { adminQueuesPath: ADMIN_QUEUES_PATH })),
      ),
    );
  });

  it('serve the reference page under the playground policy, without an API key', async () => {
    const { app } = appWithKeys();
    const page = await request(app).get('/api/docs');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.text).toContain('<script type="module" src="/js/api-docs.js"></script>');
    // Nothing from other origins: every script and style sheet is a path on this server.
    const sources = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]);
    expect(sources.filter((source) => !source?.startsWith('/'))).toEqual([]);
  });

  it('leave the rest of /api behind the key', async () => {
    const { app } = appWithKeys();
    expect((await request(app).get('/api/limits')).status).toBe(401);
  });
});
