import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { sceneSleeping } from './support/scenes';
import { startTestService, type TestService } from './support/test-service';

const KEY = 'mcp-test-key-0123456789';

const CIRCLE = [
  'from manim import *',
  'class Ring(Scene):',
  '    def construct(self):',
  '        self.play(Create(Circle(color=GREEN)))',
  '        self.play(FadeIn(Square()))',
  '',
].join('\n');

const BROKEN = [
  'from manim import *',
  'class Broken(Scene):',
  '    def construct(self):',
  '        circle = Circle()',
  '        self.play(Create(undefined_shape))',
  '',
].join('\n');

function texts(result: CallToolResult): string {
  return result.content
    .map((part) => (part.type === 'text' ? part.text : `[${part.type}]`))
    .join('\n');
}

/** The JSON summary a job answer ends with. */
function summaryOf(result: CallToolResult): {
  id: string;
  status: string;
  result?: { videoUrl: string; posterUrl?: string };
} {
  const last = result.content.at(-1);
  if (last?.type !== 'text') throw new Error('the answer has no summary');
  return JSON.parse(last.text) as ReturnType<typeof summaryOf>;
}

describe('the MCP server at /mcp', () => {
  let service: TestService;
  let client: Client;

  beforeAll(async () => {
    service = await startTestService({ env: { API_KEYS: KEY }, apiKey: KEY });
    client = await connect(KEY);
  });
  afterAll(async () => {
    await client?.close();
    await service?.close();
  });

  async function connect(key: string | undefined): Promise<Client> {
    const connected = new Client({ name: 'mcp-test', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(`${service.url}/mcp`), {
      requestInit: { headers: key === undefined ? {} : { Authorization: `Bearer ${key}` } },
    });
    await connected.connect(transport);
    return connected;
  }

  async function call(
    name: string,
    args: Record<string, unknown>,
    onprogress?: (progress: { progress: number; message?: string }) => void,
  ): Promise<CallToolResult> {
    return (await client.callTool({ name, arguments: args }, undefined, {
      timeout: 180_000,
      ...(onprogress ? { onprogress, resetTimeoutOnProgress: true } : {}),
    })) as CallToolResult;
  }

  it('offers the render, job, log, cancel and scene tools', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual([
      'cancel_job',
      'get_job',
      'list_scenes',
      'read_log',
      'render_scene',
    ]);
    const render = tools.find((tool) => tool.name === 'render_scene');
    expect(render?.inputSchema.required).toEqual(['code']);
    expect(Object.keys(render?.inputSchema.properties ?? {})).toEqual(
      expect.arrayContaining(['code', 'scene', 'quality', 'preview', 'waitSeconds']),
    );
  });

  it('renders a scene with progress notifications and shows its last frame', async () => {
    const progress: number[] = [];
    const result = await call('render_scene', { code: CIRCLE, quality: 'low' }, (update) =>
      progress.push(update.progress),
    );

    expect(result.isError).toBeFalsy();
    const image = result.content.find((part) => part.type === 'image');
    expect(image).toMatchObject({ type: 'image', mimeType: 'image/png' });
    const png = Buffer.from(image?.type === 'image' ? image.data : '', 'base64');
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([854, 480]);

    expect(progress.length).toBeGreaterThan(0);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));

    const summary = summaryOf(result);
    expect(summary.status).toBe('completed');
    const video = await fetch(summary.result?.videoUrl ?? '', {
      headers: { Authorization: `Bearer ${KEY}` },
    });
    expect(video.status).toBe(200);
    expect(video.headers.get('content-type')).toBe('video/mp4');
    await video.arrayBuffer();
    // The links a model hands to a person open in a browser, without the key.
    expect(summary.result?.videoUrl).toMatch(/\/video\?token=[\w.-]+$/);
    const byLink = await fetch(summary.result?.videoUrl ?? '');
    expect(byLink.status).toBe(200);
    await byLink.arrayBuffer();
  });

  it("answers a failing scene with the error, the scene's line and a hint, and its log", async () => {
    const result = await call('render_scene', { code: BROKEN, quality: 'low' });

    expect(result.isError).toBe(true);
    const said = texts(result);
    expect(said).toContain('scene_error');
    expect(said).toContain('undefined_shape');
    expect(said).toContain('Line 5: self.play(Create(undefined_shape))');
    expect(said).toContain('Hint: ');

    const log = await call('read_log', { jobId: summaryOf(result).id, lines: 20 });
    expect(texts(log)).toContain('NameError');
  });

  it('refuses bad options with the same message as the HTTP API', async () => {
    const result = await call('render_scene', { code: CIRCLE, quality: 'ultra' });
    expect(result.isError).toBe(true);
    expect(texts(result)).toContain('validation_failed');
    expect(texts(result)).toContain('quality: must be one of');
  });

  it('answers a long render with its id, which get_job follows and cancel_job stops', async () => {
    const started = await call('render_scene', {
      code: sceneSleeping(60),
      quality: 'low',
      waitSeconds: 0,
    });
    const { id, status } = summaryOf(started);
    expect(['queued', 'active']).toContain(status);
    expect(texts(started)).toContain('get_job');

    await service.waitForActive(id);
    const running = await call('get_job', { jobId: id });
    expect(summaryOf(running).status).toBe('active');

    const cancelled = await call('cancel_job', { jobId: id });
    expect(texts(cancelled)).toMatch(/cancelled|told to stop/);
    const ended = await call('get_job', { jobId: id, waitSeconds: 30 });
    expect(ended.isError).toBe(true);
    expect(summaryOf(ended).status).toBe('cancelled');
  });

  it('lists the scenes of code without running it', async () => {
    const result = await call('list_scenes', {
      code: `${CIRCLE}\nclass Other(Scene):\n    pass\n`,
    });
    expect(texts(result)).toBe('Ring (line 2)\nOther (line 7)');
  });

  it('answers a request accepting any type, and refuses one accepting neither of its types', async () => {
    const post = (accept: string | undefined) =>
      fetch(`${service.url}/mcp`, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${KEY}`,
          'Content-Type': 'application/json',
          ...(accept === undefined ? {} : { Accept: accept }),
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'ping' }),
      });
    for (const accept of [undefined, '*/*', 'text/html, */*;q=0.8']) {
      const answer = await post(accept);
      expect(answer.status).toBe(200);
      expect(await answer.text()).toContain('"id":7');
    }
    expect((await post('text/html')).status).toBe(406);
  });

  it('is closed to callers without a key, and answers GET with 405', async () => {
    await expect(connect(undefined)).rejects.toThrow(/unauthorized/);
    const get = await fetch(`${service.url}/mcp`, { headers: { Authorization: `Bearer ${KEY}` } });
    expect(get.status).toBe(405);
  });
});

describe('the MCP server under the render rate limit', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService({
      worker: false,
      env: { RATE_LIMIT_RENDERS_PER_MINUTE: '1' },
    });
  });
  afterAll(async () => {
    await service?.close();
  });

  it('counts render_scene calls as renders, and other tools not', async () => {
    const client = new Client({ name: 'mcp-limit-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${service.url}/mcp`)));
    try {
      const render = () =>
        client.callTool({ name: 'render_scene', arguments: { code: CIRCLE, waitSeconds: 0 } });
      const first = (await render()) as CallToolResult;
      expect(summaryOf(first).status).toBe('queued');
      await expect(render()).rejects.toThrow(/rate_limited/);
      const scenes = (await client.callTool({
        name: 'list_scenes',
        arguments: { code: CIRCLE },
      })) as CallToolResult;
      expect(texts(scenes)).toBe('Ring (line 2)');
    } finally {
      await client.close();
    }
  });
});
