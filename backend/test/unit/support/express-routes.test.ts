import express from 'express';
import { listAppRoutes } from '../../support/express-routes';

describe('the route lister', () => {
  it('finds routes, mounted applications and static files in an express application', () => {
    const inner = express.Router();
    inner.get('/health', (_req, res) => void res.end());
    inner
      .route('/jobs/:id')
      .get((_req, res) => void res.end())
      .delete((_req, res) => void res.end());
    const dashboard = express();
    dashboard.get('/', (_req, res) => void res.end());
    const api = express.Router();
    api.get('/jobs', (_req, res) => void res.end());

    const app = express();
    app.use(inner);
    app.use('/admin', (_req, _res, next) => next(), dashboard);
    app.use('/v2', api);
    app.use(express.static(__dirname));
    app.post('/render', (_req, res) => void res.end());

    const found = listAppRoutes(app);
    expect(found.routes).toEqual([
      { method: 'get', path: '/health' },
      { method: 'get', path: '/jobs/:id' },
      { method: 'delete', path: '/jobs/:id' },
      { method: 'get', path: '/v2/jobs' },
      { method: 'post', path: '/render' },
    ]);
    expect(found.mounts).toEqual(['/admin', '/v2']);
    expect(found.staticMounts).toEqual(['/']);
  });
});
