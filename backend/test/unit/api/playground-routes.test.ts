import { existsSync } from 'node:fs';
import path from 'node:path';
import express from 'express';
import request from 'supertest';
import { playgroundDir, playgroundRoutes } from '../../../src/api/routes/playground-routes';

describe('the playground files', () => {
  it('are found by walking up from the module', () => {
    const dir = playgroundDir();
    expect(path.basename(dir)).toBe('playground');
    expect(existsSync(path.join(dir, 'index.html'))).toBe(true);
  });

  it('serve the page at / with a policy that keeps it to its own origin', async () => {
    const app = express().use(playgroundRoutes());
    const page = await request(app).get('/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain('<title>Manim Playground</title>');
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");

    const script = await request(app).get('/js/main.js');
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toMatch(/javascript/);
  });

  it('leaves paths it has no file for to the next handler', async () => {
    const app = express()
      .use(playgroundRoutes())
      .use((_req, res) => {
        res.status(404).json({ missing: true });
      });
    const response = await request(app).get('/no-such-file.js');
    expect(response.status).toBe(404);
    expect(response.body).toEqual({ missing: true });
  });
});
