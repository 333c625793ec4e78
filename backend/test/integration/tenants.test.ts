import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { JobView } from '../../src/job/render-job';
import { MediaTokens } from '../../src/tenants/media-tokens';
import { EventStreamReader, readEventStream } from '../support/event-stream-client';
import { sceneSleeping } from './support/scenes';
import { startTestService, type TestService } from './support/test-service';

const KEY_A = 'tenant-a-key-0123456789';
const KEY_B = 'tenant-b-key-0123456789';
const ADMIN_KEY = 'tenant-admin-key-0123456789';
const SECRET = 'tenant-test-token-secret-0123456789abcdef';

/** A quick render; `tag` makes the code of each test its own. */
function scene(tag: string): string {
  return `from manim import *\nclass Dot${tag}(Scene):\n    def construct(self):\n        self.play(FadeIn(Dot()), run_time=0.5)\n`;
}

interface Answer {
  status: number;
  body: unknown;
  text: string;
}

type ErrorAnswer = { error: { code: string; message: string } };

describe('tenants: an API key reaches only its own jobs', () => {
  let service: TestService;
  const logLines: string[] = [];
  /** Every token the service handed out, to look for in its logs. */
  const tokens = new Set<string>();

  beforeAll(async () => {
    service = await startTestService({
      env: {
        API_KEYS: `${KEY_A},${KEY_B}`,
        ADMIN_API_KEY: ADMIN_KEY,
        MEDIA_TOKEN_SECRET: SECRET,
      },
      apiKey: ADMIN_KEY,
      logLines,
    });
  });
  afterAll(async () => {
    await service?.close();
  });

  async function send(
    key: string | undefined,
    method: string,
    path: string,
    payload?: unknown,
  ): Promise<Answer> {
    const response = await fetch(`${service.url}${path}`, {
      method,
      headers: {
        ...(key === undefined ? {} : { authorization: `Bearer ${key}` }),
        ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(payload === undefined ? {} : { body: JSON.stringify(payload) }),
    });
    const text = method === 'HEAD' ? '' : await response.text();
    const isJson = response.headers.get('content-type')?.startsWith('application/json') ?? false;
    for (const token of text.matchAll(/token=([\w.-]+)/g)) tokens.add(token[1] ?? '');
    const body = isJson && text !== '' ? (JSON.parse(text) as unknown) : text;
    return { status: response.status, body, text };
  }

  async function submit(key: string, code: string): Promise<JobView & { reused?: boolean }> {
    const answer = await send(key, 'POST', '/api/animation/render', { code, quality: 'low' });
    expect([200, 202]).toContain(answer.status);
    return answer.body as JobView;
  }

  const jobPath = (id: string) => `/api/animation/jobs/${id}`;

  it("answers every route of another key's job exactly as for an unknown id", async () => {
    const { id } = await submit(KEY_A, scene('Read'));
    expect((await service.waitForEnd(id)).status).toBe('completed');
    const unknown = '0f6f4a34-5a1e-4f0e-8a4b-8e2f3c9d1a77';

    for (const [method, suffix] of [
      ['GET', ''],
      ['GET', '/logs'],
      ['GET', '/video'],
      ['HEAD', '/video'],
      ['GET', '/poster'],
      ['GET', '/events'],
      ['DELETE', ''],
    ] as const) {
      const foreign = await send(KEY_B, method, `${jobPath(id)}${suffix}`);
      const missing = await send(KEY_B, method, `${jobPath(unknown)}${suffix}`);
      expect([method, suffix, foreign.status]).toEqual([method, suffix, 404]);
      if (method === 'HEAD') continue;
      expect((foreign.body as ErrorAnswer).error.code).toBe('job_not_found');
      // The same words as for an id nobody has: the answer tells nothing about A.
      expect(foreign.text.replaceAll(id, '<id>')).toBe(missing.text.replaceAll(unknown, '<id>'));
    }

    // A's job is untouched, and both its owner and the admin key reach it.
    expect((await send(KEY_A, 'GET', jobPath(id))).body).toMatchObject({ status: 'completed' });
    expect((await send(ADMIN_KEY, 'GET', jobPath(id))).status).toBe(200);
    expect((await send(KEY_A, 'GET', `${jobPath(id)}/video`)).status).toBe(200);
  });

  it("cannot cancel another key's render; its owner can", async () => {
    const { id } = await submit(KEY_A, sceneSleeping(30));
    await service.waitForActive(id);

    const refused = await send(KEY_B, 'DELETE', jobPath(id));
    expect(refused.status).toBe(404);
    expect((await send(KEY_A, 'GET', jobPath(id))).body).toMatchObject({ status: 'active' });

    const cancelled = await send(KEY_A, 'DELETE', jobPath(id));
    expect([200, 202]).toContain(cancelled.status);
    expect((await service.waitForEnd(id)).status).toBe('cancelled');
  });

  it('gives an identical request of another key a job of its own, never the first id', async () => {
    const code = scene('Twice');
    const first = await submit(KEY_A, code);
    const second = await submit(KEY_B, code);

    expect(second.id).not.toBe(first.id);
    expect(second.reused).toBeUndefined();
    expect(JSON.stringify(second)).not.toContain(first.id);
    // The same key is answered with its own job, as before.
    const again = await submit(KEY_A, code);
    expect(again.id).toBe(first.id);

    expect((await service.waitForEnd(first.id)).status).toBe('completed');
    expect((await service.waitForEnd(second.id)).status).toBe('completed');
  });

  it("opens a job's video, poster and events by the tokens of its browserLinks, without a key", async () => {
    const { id } = await submit(KEY_A, scene('Links'));
    await service.waitForEnd(id);
    const view = (await send(KEY_A, 'GET', jobPath(id))).body as Required<JobView>;
    const links = view.browserLinks;
    expect(links.video).toMatch(new RegExp(`^/api/animation/jobs/${id}/video\\?token=[\\w.-]+$`));
    expect(Date.parse(links.expiresAt)).toBeGreaterThan(Date.now());

    const video = await send(undefined, 'GET', links.video);
    expect(video.status).toBe(200);
    const download = await fetch(`${service.url}${links.video}&download=1`);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-disposition')).toMatch(/^attachment/);
    await download.arrayBuffer();
    const poster = await fetch(`${service.url}${links.poster}`);
    expect(poster.headers.get('content-type')).toBe('image/png');
    await poster.arrayBuffer();
    const events = await readEventStream(`${service.url}${links.events}`);
    expect(events.status).toBe(200);
    expect(events.events.at(-1)?.event).toBe('completed');
  });

  it('refuses a token for another job or route, an expired or altered one, and a key in a URL', async () => {
    const a = await submit(KEY_A, scene('TokenA'));
    const b = await submit(KEY_B, scene('TokenB'));
    await service.waitForEnd(a.id);
    await service.waitForEnd(b.id);
    const tokenOf = (url: string) => new URL(url, service.url).searchParams.get('token') ?? '';
    const aVideo = tokenOf(a.browserLinks?.video ?? '');
    const signer = new MediaTokens(SECRET, 60);
    const expired = signer.sign(a.id, 'video', new Date(Date.now() - 1000));
    const altered = `${aVideo.slice(0, -2)}${aVideo.endsWith('AA') ? 'BB' : 'AA'}`;
    const forgedElsewhere = new MediaTokens('another-secret-of-thirty-two-characters', 60).sign(
      a.id,
      'video',
    );

    const cases: Array<[string, string, RegExp]> = [
      [`${jobPath(b.id)}/video?token=${aVideo}`, 'GET', /another job/],
      [`${jobPath(a.id)}/poster?token=${aVideo}`, 'GET', /another route/],
      [`${jobPath(a.id)}/events?token=${aVideo}`, 'GET', /another route/],
      [`${jobPath(a.id)}/video?token=${expired}`, 'GET', /expired at/],
      [`${jobPath(a.id)}/video?token=${altered}`, 'GET', /signature/],
      [`${jobPath(a.id)}/video?token=${forgedElsewhere}`, 'GET', /signature/],
      [`${jobPath(a.id)}/video?token=nonsense`, 'GET', /not one this service makes/],
      [`${jobPath(a.id)}?token=${aVideo}`, 'GET', /opens only the video, poster or event stream/],
      [`${jobPath(a.id)}/logs?token=${aVideo}`, 'GET', /opens only/],
      [`${jobPath(a.id)}?token=${aVideo}`, 'DELETE', /opens only/],
    ];
    for (const [path, method, reason] of cases) {
      const answer = await send(undefined, method, path);
      expect([path, answer.status]).toEqual([path, 401]);
      const error = (answer.body as ErrorAnswer).error;
      expect(error.code).toBe('invalid_token');
      expect(error.message).toMatch(reason);
    }
    expect((await send(undefined, 'GET', `${jobPath(a.id)}/video?token=${aVideo}`)).status).toBe(
      200,
    );
    expect((await send(undefined, 'GET', `${jobPath(a.id)}?api_key=${KEY_A}`)).status).toBe(400);
    // A is still whole after all of it.
    expect((await send(KEY_A, 'GET', jobPath(a.id))).body).toMatchObject({ status: 'completed' });
  });

  it("keeps another key's jobs out of the MCP tools", async () => {
    const { id } = await submit(KEY_A, sceneSleeping(20));
    const b = await mcpClient(KEY_B);
    try {
      for (const [name, args] of [
        ['get_job', { jobId: id }],
        ['read_log', { jobId: id }],
        ['cancel_job', { jobId: id }],
      ] as const) {
        const result = (await b.callTool({ name, arguments: args })) as CallToolResult;
        expect([name, result.isError]).toEqual([name, true]);
        const said = result.content.map((part) => (part.type === 'text' ? part.text : '')).join();
        expect(said).toContain('job_not_found');
      }
    } finally {
      await b.close();
    }
    expect((await send(KEY_A, 'GET', jobPath(id))).body).toMatchObject({
      status: expect.stringMatching(/^(queued|active)$/),
    });
    const a = await mcpClient(KEY_A);
    try {
      const cancelled = (await a.callTool({
        name: 'cancel_job',
        arguments: { jobId: id },
      })) as CallToolResult;
      expect(cancelled.isError).toBeFalsy();
    } finally {
      await a.close();
    }
    expect((await service.waitForEnd(id)).status).toBe('cancelled');
  });

  it('follows only its own job on the event stream, with a key in the header', async () => {
    const { id } = await submit(KEY_A, scene('Stream'));
    const foreign = await EventStreamReader.open(`${service.url}${jobPath(id)}/events`, {
      authorization: `Bearer ${KEY_B}`,
    });
    expect(foreign.status).toBe(404);
    const own = await EventStreamReader.open(`${service.url}${jobPath(id)}/events`, {
      authorization: `Bearer ${KEY_A}`,
    });
    expect(own.status).toBe(200);
    expect((await own.rest()).at(-1)?.event).toBe('completed');
  });

  // Last: it reads the logs of everything above.
  it('never writes a key or a token into its logs', async () => {
    expect(logLines.length).toBeGreaterThan(50);
    expect(tokens.size).toBeGreaterThan(3);
    const logs = logLines.join('\n');
    for (const secret of [KEY_A, KEY_B, ADMIN_KEY, SECRET, ...tokens]) {
      expect(logs.includes(secret) ? secret : 'absent').toBe('absent');
    }
  });

  async function mcpClient(key: string): Promise<Client> {
    const client = new Client({ name: 'tenant-test', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${service.url}/mcp`), {
        requestInit: { headers: { Authorization: `Bearer ${key}` } },
      }),
    );
    return client;
  }
});

describe('tenants with CACHE_SCOPE=global', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService({
      env: { API_KEYS: `${KEY_A},${KEY_B}`, ADMIN_API_KEY: ADMIN_KEY, CACHE_SCOPE: 'global' },
      apiKey: ADMIN_KEY,
    });
  });
  afterAll(async () => {
    await service?.close();
  });

  it('answers another key at once with a completed job of its own holding a copy of the file', async () => {
    const code = scene('Shared');
    const post = (key: string) =>
      fetch(`${service.url}/api/animation/render`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ code, quality: 'low' }),
      });
    const first = (await (await post(KEY_A)).json()) as JobView;
    expect((await service.waitForEnd(first.id)).status).toBe('completed');

    const answer = await post(KEY_B);
    expect(answer.status).toBe(200);
    const text = await answer.text();
    const copy = JSON.parse(text) as JobView & { reused: boolean };
    expect(copy).toMatchObject({ status: 'completed', reused: true });
    expect(copy.id).not.toBe(first.id);
    expect(text).not.toContain(first.id);

    const fileOf = async (key: string, id: string, route: string) => {
      const response = await fetch(`${service.url}/api/animation/jobs/${id}/${route}`, {
        headers: { authorization: `Bearer ${key}` },
      });
      expect([id, route, response.status]).toEqual([id, route, 200]);
      return Buffer.from(await response.arrayBuffer());
    };
    expect(await fileOf(KEY_B, copy.id, 'video')).toEqual(await fileOf(KEY_A, first.id, 'video'));
    expect(await fileOf(KEY_B, copy.id, 'poster')).toEqual(await fileOf(KEY_A, first.id, 'poster'));
    // Each keeps to its own: B's copy is not A's, and A's job is not B's.
    const crossed = await fetch(`${service.url}/api/animation/jobs/${first.id}`, {
      headers: { authorization: `Bearer ${KEY_B}` },
    });
    expect(crossed.status).toBe(404);
    const cancel = await fetch(`${service.url}/api/animation/jobs/${copy.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${KEY_B}` },
    });
    expect(cancel.status).toBe(409);
  });
});
