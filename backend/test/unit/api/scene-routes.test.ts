import express from 'express';
import request from 'supertest';
import { createErrorHandler } from '../../../src/api/middleware/error-handler';
import { sceneRoutes } from '../../../src/api/routes/scene-routes';
import { createLogger } from '../../../src/logging/logger';

function app(maxCodeBytes = 1000): express.Express {
  const logger = createLogger({ level: 'error', service: 'test', silent: true });
  const built = express();
  built.use(sceneRoutes({ config: { MAX_CODE_BYTES: maxCodeBytes } }));
  built.use(createErrorHandler(logger));
  return built;
}

describe('POST /api/animation/scenes', () => {
  it('lists the scene classes with their lines, inherited ones included', async () => {
    const code =
      'from manim import *\nclass Base(Scene):\n    pass\nclass Intro(Base):\n    pass\n';
    const response = await request(app()).post('/api/animation/scenes').send({ code });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      scenes: [
        { name: 'Base', line: 2 },
        { name: 'Intro', line: 4 },
      ],
    });
  });

  it('answers an empty list for code without scenes, even broken code', async () => {
    const response = await request(app()).post('/api/animation/scenes').send({ code: 'def (' });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ scenes: [] });
  });

  it('refuses a missing code field, other media types and code over the limit', async () => {
    const missing = await request(app()).post('/api/animation/scenes').send({});
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe('validation_failed');

    const form = await request(app()).post('/api/animation/scenes').type('form').send('code=x');
    expect(form.status).toBe(415);

    const large = await request(app(10))
      .post('/api/animation/scenes')
      .send({ code: 'x'.repeat(11) });
    expect(large.status).toBe(413);
    expect(large.body.error.details).toEqual({ field: 'code', sizeBytes: 11, limitBytes: 10 });
  });
});
