import { ADMIN_QUEUES_PATH } from '../../../src/api/create-app';
import { buildOpenApiDocument } from '../../../src/api/openapi/openapi-document';
import { loadConfig } from '../../../src/config/load-config';
import {
  eventProblems,
  exchangeProblems,
  routeCoverage,
  type Exchange,
} from '../../support/openapi-conformance';

const document = buildOpenApiDocument(loadConfig({}), { adminQueuesPath: ADMIN_QUEUES_PATH });
const REQUEST_ID = { 'x-request-id': 'req-1' };

function exchange(
  status: number,
  body: unknown,
  headers: Record<string, string> = REQUEST_ID,
  path = '/api/animation/jobs/{id}',
  method = 'GET',
): Exchange {
  return {
    method,
    path,
    status,
    headers: new Headers({ 'content-type': 'application/json; charset=utf-8', ...headers }),
    text: JSON.stringify(body),
  };
}

const JOB = {
  id: 'j1',
  status: 'queued',
  position: 1,
  progress: { stage: 'queued', percent: 0 },
  createdAt: '2025-01-20T10:15:02.118Z',
  options: { scene: 'A', quality: 'low', format: 'mp4', transparent: false, timeoutSeconds: 60 },
};
const NOT_FOUND = { error: { code: 'job_not_found', message: 'No job', hint: 'Check the id.' } };

describe('checking an answer against the description', () => {
  it('accepts a documented answer', () => {
    expect(exchangeProblems(document, exchange(200, JOB))).toEqual([]);
    expect(exchangeProblems(document, exchange(404, NOT_FOUND))).toEqual([]);
  });

  it('names undocumented statuses, missing headers, bodies that do not match, and wrong error codes', () => {
    expect(exchangeProblems(document, exchange(418, JOB))).toEqual([
      'GET /api/animation/jobs/{id} 418: the status is not documented',
    ]);
    expect(exchangeProblems(document, exchange(200, JOB, {}))).toEqual([
      'GET /api/animation/jobs/{id} 200: lacks the required header X-Request-Id',
    ]);
    expect(exchangeProblems(document, exchange(200, { ...JOB, colour: 'red' }))).toEqual([
      'GET /api/animation/jobs/{id} 200: body $: has the undocumented property colour',
    ]);
    const wrongCode = { error: { ...NOT_FOUND.error, code: 'route_not_found' } };
    expect(exchangeProblems(document, exchange(404, wrongCode))).toEqual([
      'GET /api/animation/jobs/{id} 404: body $.error.code: "route_not_found" is not one of ["job_not_found"]',
    ]);
    expect(exchangeProblems(document, exchange(200, {}, REQUEST_ID, '/nowhere'))).toEqual([
      'GET /nowhere 200: the operation is not documented',
    ]);
  });

  it('checks the events of a stream by their names', () => {
    const path = '/api/animation/jobs/{id}/events';
    expect(eventProblems(document, path, { event: 'state', data: JOB })).toEqual([]);
    expect(
      eventProblems(document, path, { event: 'progress', data: { stage: 'done', percent: 100 } }),
    ).toEqual([]);
    expect(eventProblems(document, path, { event: 'spinning', data: {} })).toEqual([
      `GET ${path}: the event spinning is not documented`,
    ]);
  });
});

describe('comparing routes with the description', () => {
  it('names routes that are served but not documented, and documented ones not served', () => {
    const coverage = routeCoverage(document, {
      routes: [
        { method: 'get', path: '/health' },
        { method: 'get', path: '/api/animation/jobs/:id' },
        { method: 'put', path: '/api/animation/jobs/:id' },
        { method: 'get', path: `${ADMIN_QUEUES_PATH}/api/queues` },
      ],
      mounts: [ADMIN_QUEUES_PATH],
      staticMounts: [],
    });
    expect(coverage.problems).toContain(
      'PUT /api/animation/jobs/{id} is served but not documented',
    );
    expect(coverage.problems).toContain(
      'DELETE /api/animation/jobs/{id} is documented but not served',
    );
    expect(coverage.problems).not.toContain('GET /health is documented but not served');
    expect(coverage.problems.some((problem) => problem.includes(ADMIN_QUEUES_PATH))).toBe(false);
  });
});
