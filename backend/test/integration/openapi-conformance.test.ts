import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { OPENAPI_PATH } from '../../src/api/routes/openapi-routes';
import type { OpenApiDocument } from '../../src/api/openapi/openapi-types';
import type { JobView } from '../../src/job/render-job';
import { EventStreamReader, type ReceivedEvent } from '../support/event-stream-client';
import { listAppRoutes } from '../support/express-routes';
import {
  callbackProblems,
  eventProblems,
  exchangeProblems,
  routeCoverage,
} from '../support/openapi-conformance';
import { schemaProblems } from '../support/schema-checker';
import { launchTestBrowser, SCREENSHOT_DIR } from './support/browser';
import { FOUR_STEP_SCENE } from './support/scenes';
import { startTestService, type TestService } from './support/test-service';
import { startWebhookReceiver } from './support/webhook-receiver';

const KEY = 'conformance-key-0123456789';
const ADMIN_KEY = 'conformance-admin-key-0123456789';
const MAX_CODE_BYTES = 20_000;

const JOB = '/api/animation/jobs/{id}';
const RENDER = '/api/animation/render';
const LONG_SCENE =
  'from manim import *\nclass Long(Scene):\n    def construct(self):\n        self.play(Create(Circle()))\n        self.wait(120)\n';

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

interface ErrorAnswer {
  error: { code: string };
}

/**
 * A client for one service that checks every answer against the service's own description: its
 * status must be documented for the operation, its headers and body must match.
 */
function describedClient(service: () => TestService, document: () => OpenApiDocument) {
  return async function call(
    method: string,
    template: string,
    options: {
      /** The real path, when the template has parameters. */
      path?: string;
      headers?: Record<string, string>;
      body?: string | FormData;
      /** Send the API key (default true). */
      key?: boolean;
    } = {},
  ): Promise<Answer> {
    const headers: Record<string, string> = {
      ...(options.key === false ? {} : { authorization: `Bearer ${KEY}` }),
      ...options.headers,
    };
    const response = await fetch(`${service().url}${options.path ?? template}`, {
      method,
      headers,
      ...(options.body === undefined ? {} : { body: options.body }),
    });
    const text = await response.text();
    const exchange = {
      method,
      path: template,
      status: response.status,
      headers: response.headers,
      text,
    };
    expect(exchangeProblems(document(), exchange)).toEqual([]);
    const isJson = response.headers.get('content-type')?.startsWith('application/json') ?? false;
    return {
      status: response.status,
      headers: response.headers,
      text,
      json: isJson && text !== '' ? (JSON.parse(text) as unknown) : undefined,
    };
  };
}

function errorCode(answer: Answer): string {
  return (answer.json as ErrorAnswer).error.code;
}

function jsonBody(value: unknown): { headers: Record<string, string>; body: string } {
  return { headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) };
}

/** Reads a job's event stream to its end, checking every event against the description. */
async function followEvents(
  service: TestService,
  document: OpenApiDocument,
  id: string,
): Promise<ReceivedEvent[]> {
  // As a browser's EventSource opens it: through the token of the job's browserLinks.
  const job = await fetch(`${service.url}/api/animation/jobs/${id}`, {
    headers: { authorization: `Bearer ${KEY}` },
  });
  const { browserLinks } = (await job.json()) as { browserLinks: { events: string } };
  const stream = await EventStreamReader.open(`${service.url}${browserLinks.events}`);
  expect(stream.status).toBe(200);
  const events = await stream.rest();
  for (const event of events) {
    expect(eventProblems(document, `${JOB}/events`, event)).toEqual([]);
  }
  return events;
}

describe('the API against its own OpenAPI description', () => {
  let service: TestService;
  let document: OpenApiDocument;
  const call = describedClient(
    () => service,
    () => document,
  );

  beforeAll(async () => {
    service = await startTestService({
      env: {
        API_KEYS: KEY,
        ADMIN_API_KEY: ADMIN_KEY,
        MAX_CODE_BYTES: String(MAX_CODE_BYTES),
        // The webhook receiver listens on 127.0.0.1.
        WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
        WEBHOOK_SECRET: 'conformance-webhook-secret-0123456789',
      },
    });
    const response = await fetch(`${service.url}${OPENAPI_PATH}`);
    expect(response.status).toBe(200);
    document = (await response.json()) as OpenApiDocument;
  });
  afterAll(async () => {
    await service?.close();
  });

  it('documents every route the application serves, and the application serves every documented one', async () => {
    const served = listAppRoutes(service.app);
    // The walk found the real routes (a silent empty walk would prove nothing).
    expect(served.routes).toContainEqual({ method: 'post', path: '/api/animation/render' });
    expect(served.routes).toContainEqual({ method: 'delete', path: '/api/animation/jobs/:id' });
    expect(served.mounts).toContain('/admin/queues');

    const coverage = routeCoverage(document, served);
    expect(coverage.problems).toEqual([]);
    // Documented pages that no route serves are static files: they must answer.
    expect(coverage.staticPaths).toEqual(['/']);
    for (const page of coverage.staticPaths) {
      expect((await call('GET', page, { key: false })).status).toBe(200);
    }
  });

  it('describes this server: its caps, and that keys are needed', () => {
    const request = document.components.schemas.RenderRequest;
    // The limit counts UTF-8 bytes; a maxLength would count characters.
    expect(request?.properties?.code?.maxLength).toBeUndefined();
    expect(request?.properties?.code?.description).toContain(
      `at most ${MAX_CODE_BYTES} UTF-8 bytes`,
    );
    expect(document.paths[RENDER]?.post?.security).not.toContainEqual({});
  });

  it('answers the service routes and pages as described', async () => {
    expect((await call('GET', '/health', { key: false })).json).toEqual({ status: 'ok' });
    expect([200, 503]).toContain((await call('GET', '/ready', { key: false })).status);
    expect((await call('GET', '/metrics', { key: false })).text).toContain(
      'manim_http_requests_total',
    );
    expect((await call('GET', OPENAPI_PATH, { key: false })).json).toEqual(document);
    expect((await call('GET', '/api/docs', { key: false })).text).toContain('/js/api-docs.js');
    expect((await call('GET', '/api/limits')).json).toMatchObject({
      caps: { codeBytes: MAX_CODE_BYTES },
    });

    const refused = await call('GET', '/admin/queues', { key: false });
    expect(refused.status).toBe(401);
    const basic = `Basic ${Buffer.from(`admin:${ADMIN_KEY}`).toString('base64')}`;
    const dashboard = await call('GET', '/admin/queues', {
      key: false,
      headers: { authorization: basic },
    });
    expect(dashboard.status).toBe(200);
  });

  it('answers request errors with the documented statuses and bodies', async () => {
    const scene = FOUR_STEP_SCENE;
    const cases: Array<[Promise<Answer>, number, string]> = [
      [call('POST', RENDER, { key: false, ...jsonBody({ code: scene }) }), 401, 'unauthorized'],
      [
        call('POST', RENDER, jsonBody({ code: scene, quality: 'ultra', fps: 0 })),
        400,
        'validation_failed',
      ],
      [
        call('POST', RENDER, {
          headers: { 'content-type': 'application/json' },
          body: '{"code": ',
        }),
        400,
        'validation_failed',
      ],
      [
        call('POST', RENDER, jsonBody({ code: `${scene}#${'x'.repeat(MAX_CODE_BYTES)}` })),
        413,
        'payload_too_large',
      ],
      [
        call('POST', RENDER, { headers: { 'content-type': 'text/plain' }, body: scene }),
        415,
        'unsupported_media_type',
      ],
      [
        call('POST', RENDER, jsonBody({ code: 'print("no scene here")\n' })),
        422,
        'scene_not_found',
      ],
      [call('POST', '/api/animation/scenes', jsonBody({ code: 42 })), 400, 'validation_failed'],
      [
        call('POST', '/api/animation/scenes', {
          headers: { 'content-type': 'text/plain' },
          body: scene,
        }),
        415,
        'unsupported_media_type',
      ],
      [call('GET', JOB, { path: '/api/animation/jobs/no-such-job' }), 404, 'job_not_found'],
      [call('GET', JOB, { path: `/api/animation/jobs/${'x'.repeat(300)}` }), 404, 'job_not_found'],
      [call('DELETE', JOB, { path: '/api/animation/jobs/no-such-job' }), 404, 'job_not_found'],
      [
        call('GET', `${JOB}/logs`, { path: '/api/animation/jobs/no-such-job/logs' }),
        404,
        'job_not_found',
      ],
      [
        call('GET', `${JOB}/events`, { path: '/api/animation/jobs/no-such-job/events' }),
        404,
        'job_not_found',
      ],
      [
        call('GET', `${JOB}/video`, { path: '/api/animation/jobs/no-such-job/video' }),
        404,
        'job_not_found',
      ],
      [
        call('GET', `${JOB}/video`, { path: '/api/animation/jobs/no-such-job/video?download=yes' }),
        400,
        'validation_failed',
      ],
      [call('GET', '/api/limits', { key: false }), 401, 'unauthorized'],
      [
        call('GET', JOB, { path: `/api/animation/jobs/no-such-job?api_key=${KEY}`, key: false }),
        400,
        'key_in_query',
      ],
      [
        call('GET', `${JOB}/video`, {
          path: '/api/animation/jobs/no-such-job/video?token=not.a-token',
          key: false,
        }),
        401,
        'invalid_token',
      ],
    ];
    for (const [pending, status, code] of cases) {
      const answer = await pending;
      expect([answer.status, errorCode(answer)]).toEqual([status, code]);
    }

    const scenes = await call('POST', '/api/animation/scenes', jsonBody({ code: scene }));
    expect(scenes.json).toEqual({ scenes: [{ name: 'Steps', line: 2 }] });

    // Unknown routes share one documented answer.
    const unknown = await fetch(`${service.url}/api/no-such-route`, {
      headers: { authorization: `Bearer ${KEY}` },
    });
    expect(unknown.status).toBe(404);
    const notFound = document.components.responses?.RouteNotFound?.content?.['application/json'];
    expect(notFound?.schema).toBeDefined();
    if (notFound?.schema) {
      expect(schemaProblems(document, notFound.schema, await unknown.json())).toEqual([]);
    }
  });

  it('follows a real render from submission to its file as described', async () => {
    const submitted = await call(
      'POST',
      RENDER,
      jsonBody({ code: FOUR_STEP_SCENE, quality: 'low' }),
    );
    expect(submitted.status).toBe(202);
    const { id, links } = submitted.json as { id: string; links: { self: string; video: string } };
    expect(submitted.headers.get('location')).toBe(links.self);
    const jobPath = links.self;

    const events = await followEvents(service, document, id);
    expect(events.at(-1)?.event).toBe('completed');

    const job = await call('GET', JOB, { path: jobPath });
    expect(job.status).toBe(200);
    const view = job.json as JobView;
    expect(view.status).toBe('completed');

    // A stream of a job that has ended: headers as described, the final event at once.
    const stream = await call('GET', `${JOB}/events`, { path: `${jobPath}/events` });
    expect(stream.status).toBe(200);
    expect(stream.text).toContain('event: completed');

    expect((await call('GET', `${JOB}/logs`, { path: `${jobPath}/logs` })).status).toBe(200);

    const video = await call('GET', `${JOB}/video`, { path: links.video });
    expect(video.status).toBe(200);
    expect(video.headers.get('content-type')).toBe(view.result?.contentType);
    expect(Number(video.headers.get('content-length'))).toBe(view.result?.sizeBytes);
    const head = await call('HEAD', `${JOB}/video`, { path: links.video });
    expect(head.status).toBe(200);
    const range = await call('GET', `${JOB}/video`, {
      path: links.video,
      headers: { range: 'bytes=0-99' },
    });
    expect(range.status).toBe(206);
    const beyond = await call('GET', `${JOB}/video`, {
      path: links.video,
      headers: { range: 'bytes=999999999-' },
    });
    expect(beyond.status).toBe(416);
    const etag = video.headers.get('etag') ?? '';
    const cached = await call('GET', `${JOB}/video`, {
      path: links.video,
      // Without a Cache-Control of its own, fetch adds `no-cache` to conditional requests.
      headers: { 'if-none-match': etag, 'cache-control': 'max-age=0' },
    });
    expect(cached.status).toBe(304);
    const download = await call('GET', `${JOB}/video`, { path: `${links.video}?download=1` });
    expect(download.headers.get('content-disposition')).toMatch(/^attachment;/);

    const late = await call('DELETE', JOB, { path: jobPath });
    expect([late.status, errorCode(late)]).toEqual([409, 'job_already_finished']);

    // The same request again, as JSON and as an upload: answered with the finished job.
    const again = await call('POST', RENDER, jsonBody({ code: FOUR_STEP_SCENE, quality: 'low' }));
    expect([again.status, (again.json as { reused?: boolean }).reused]).toEqual([200, true]);
    const form = new FormData();
    form.append('file', new Blob([FOUR_STEP_SCENE]), 'steps.py');
    form.append('quality', 'low');
    const uploaded = await call('POST', RENDER, { body: form });
    expect([uploaded.status, (uploaded.json as { id?: string }).id]).toEqual([200, id]);
  });

  it('cancels a job as described, refuses its file meanwhile, and sends the described webhook', async () => {
    const receiver = await startWebhookReceiver();
    try {
      const submitted = await call(
        'POST',
        RENDER,
        jsonBody({ code: LONG_SCENE, quality: 'low', cache: false, callbackUrl: receiver.url() }),
      );
      expect(submitted.status).toBe(202);
      const { id, links, webhook } = submitted.json as {
        id: string;
        links: { self: string; video: string };
        webhook?: { deliveryId: string };
      };
      expect(webhook?.deliveryId).toEqual(expect.any(String));

      const early = await call('GET', `${JOB}/video`, { path: links.video });
      expect([early.status, errorCode(early)]).toEqual([409, 'job_not_completed']);

      const cancelled = await call('DELETE', JOB, { path: links.self });
      expect([200, 202]).toContain(cancelled.status);
      const events = await followEvents(service, document, id);
      expect(events.at(-1)?.event).toBe('cancelled');

      const [hook] = await receiver.waitFor(1);
      expect(hook?.body).toMatchObject({ event: 'job.cancelled', jobId: id });
      expect(
        callbackProblems(
          document,
          { method: 'post', path: RENDER, callback: 'jobEnded' },
          { headers: hook?.headers ?? {}, body: hook?.body },
        ),
      ).toEqual([]);
      // The job view lists the delivery.
      const job = await call('GET', JOB, { path: links.self });
      expect(job.json).toMatchObject({ status: 'cancelled', webhooks: [expect.any(Object)] });
    } finally {
      await receiver.close();
    }
  });

  it('shows the description on a page that loads nothing from elsewhere', async () => {
    const browser = await launchTestBrowser();
    try {
      const page = await browser.context.newPage();
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(`console: ${message.text()}`);
      });
      page.on('request', (request) => {
        if (!request.url().startsWith(service.url))
          problems.push(`foreign request: ${request.url()}`);
      });
      await page.goto(`${service.url}/api/docs#op-submitRender`);
      await page.locator('#op-submitRender[open]').waitFor();
      const operations = await page.locator('details.docs-operation[id^="op-"]').count();
      const documented = Object.values(document.paths).flatMap((item) =>
        ['get', 'head', 'post', 'put', 'patch', 'delete', 'options'].filter(
          (method) => method in item,
        ),
      ).length;
      expect(operations).toBe(documented);
      const text = (await page.locator('#op-submitRender').textContent()) ?? '';
      for (const field of Object.keys(
        document.components.schemas.RenderRequest?.properties ?? {},
      )) {
        expect(text).toContain(field);
      }
      expect(text).toContain('queue_full');

      await page.fill('#docs-filter', 'video');
      expect(await page.locator('#op-getJobVideo').isVisible()).toBe(true);
      expect(await page.locator('#op-submitRender').isVisible()).toBe(false);

      await mkdir(SCREENSHOT_DIR, { recursive: true });
      await page.fill('#docs-filter', '');
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'api-docs.png') });
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});

describe('the API at its limits, against its own description', () => {
  let service: TestService;
  let document: OpenApiDocument;
  const call = describedClient(
    () => service,
    () => document,
  );

  beforeAll(async () => {
    // No worker: accepted jobs stay queued, so the queue is full after one.
    service = await startTestService({
      worker: false,
      env: { API_KEYS: KEY, MAX_QUEUED_JOBS: '1', RATE_LIMIT_REQUESTS_PER_MINUTE: '4' },
    });
    document = (await (await fetch(`${service.url}${OPENAPI_PATH}`)).json()) as OpenApiDocument;
  });
  afterAll(async () => {
    await service?.close();
  });

  it('answers a full queue and too many requests as described', async () => {
    const first = await call('POST', RENDER, jsonBody({ code: FOUR_STEP_SCENE }));
    expect(first.status).toBe(202);
    const full = await call('POST', RENDER, jsonBody({ code: FOUR_STEP_SCENE, cache: false }));
    expect([full.status, errorCode(full)]).toEqual([503, 'queue_full']);

    const answers: Answer[] = [];
    for (let count = 0; count < 3; count += 1) answers.push(await call('GET', '/api/limits'));
    const limited = answers.at(-1);
    expect(limited && [limited.status, errorCode(limited)]).toEqual([429, 'rate_limited']);
  });
});

describe('a server short of disk space, against its own description', () => {
  let service: TestService;
  let document: OpenApiDocument;
  const call = describedClient(
    () => service,
    () => document,
  );

  beforeAll(async () => {
    service = await startTestService({ worker: false, env: { MIN_FREE_DISK_MB: '1000000000' } });
    document = (await (await fetch(`${service.url}${OPENAPI_PATH}`)).json()) as OpenApiDocument;
  });
  afterAll(async () => {
    await service?.close();
  });

  it('refuses new renders as described', async () => {
    const refused = await call('POST', RENDER, {
      key: false,
      ...jsonBody({ code: FOUR_STEP_SCENE }),
    });
    expect([refused.status, errorCode(refused)]).toEqual([507, 'insufficient_storage']);
    expect(document.paths[RENDER]?.post?.security).toContainEqual({});
  });
});
