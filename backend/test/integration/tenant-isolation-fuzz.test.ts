import { randomInt } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { startTestService, type TestService } from './support/test-service';

/**
 * A random walk over the API that switches keys between steps: three tenants (two keys and the
 * admin key) and two strangers (no key, a wrong one) submit, read, follow, download, cancel and
 * use each other's links and MCP tools, while a model of who owns what checks every answer.
 * The seed is printed with any failure; TENANT_FUZZ_SEED replays one.
 */

const KEYS = {
  a: 'fuzz-tenant-a-0123456789',
  b: 'fuzz-tenant-b-0123456789',
  admin: 'fuzz-tenant-admin-0123456789',
  wrong: 'fuzz-not-a-key-0123456789',
} as const;
type Actor = 'a' | 'b' | 'admin' | 'none' | 'wrong';
type Tenant = 'a' | 'b' | 'admin';
const ACTORS: Actor[] = ['a', 'b', 'admin', 'none', 'wrong'];
const ROUTES = ['', '/logs', '/video', '/poster', '/events'] as const;
const TOKEN_ROUTES = ['video', 'poster', 'events'] as const;
const STEPS = 160;

const CODES = [1, 2, 3].map(
  (n) =>
    `from manim import *\nclass Fuzz(Scene):\n    def construct(self):\n        self.wait(${n})\n`,
);

/** mulberry32: a small seeded generator, so that a failing walk can be replayed. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('tenant isolation under a random walk that switches keys', () => {
  let service: TestService;
  const mcp = new Map<Tenant, Client>();

  beforeAll(async () => {
    service = await startTestService({
      worker: false,
      env: { API_KEYS: `${KEYS.a},${KEYS.b}`, ADMIN_API_KEY: KEYS.admin },
    });
    for (const tenant of ['a', 'b', 'admin'] as const) {
      const client = new Client({ name: `fuzz-${tenant}`, version: '1.0.0' });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(`${service.url}/mcp`), {
          requestInit: { headers: { Authorization: `Bearer ${KEYS[tenant]}` } },
        }),
      );
      mcp.set(tenant, client);
    }
  });
  afterAll(async () => {
    for (const client of mcp.values()) await client.close();
    await service?.close();
  });

  it('finds no way from one key to the jobs of another', async () => {
    const seed = Number(process.env.TENANT_FUZZ_SEED ?? randomInt(2 ** 31));
    const random = generator(seed);
    const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;

    const owners = new Map<string, Tenant>();
    /** Jobs their owner (or the admin) cancelled; no other cancel may land. */
    const cancelled = new Set<string>();
    const links: Array<{ jobId: string; route: (typeof TOKEN_ROUTES)[number]; url: string }> = [];
    const history: string[] = [];

    const headersOf = (actor: Actor): Record<string, string> =>
      actor === 'none' ? {} : { authorization: `Bearer ${KEYS[actor]}` };
    const reaches = (actor: Actor, id: string) =>
      actor === 'admin' || (actor !== 'none' && actor !== 'wrong' && owners.get(id) === actor);
    const anyJob = (): string | undefined =>
      owners.size === 0 ? undefined : pick([...owners.keys()]);
    const collect = (body: unknown) => {
      const view = body as { id?: string; browserLinks?: Record<string, string> };
      if (view?.id === undefined || view.browserLinks === undefined) return;
      for (const route of TOKEN_ROUTES) {
        links.push({ jobId: view.id, route, url: view.browserLinks[route] ?? '' });
      }
    };
    /** Nothing a tenant is told names a job of another tenant. */
    const namesNoForeignJob = (actor: Actor, text: string) => {
      if (actor === 'admin') return;
      for (const [id, owner] of owners) {
        if (owner !== actor && text.includes(id)) {
          throw new Error(`${actor} was told the id of ${owner}'s job ${id}: ${text}`);
        }
      }
    };
    const expectStatus = (what: string, status: number, allowed: number[]) => {
      if (!allowed.includes(status)) {
        throw new Error(`${what}: answered ${status}, expected one of ${allowed.join(', ')}`);
      }
    };

    const steps: Record<string, () => Promise<void>> = {
      async submit() {
        const actor = pick(ACTORS);
        const code = pick(CODES);
        history.push(`${actor} submits code ${CODES.indexOf(code)}`);
        const response = await fetch(`${service.url}/api/animation/render`, {
          method: 'POST',
          headers: { ...headersOf(actor), 'content-type': 'application/json' },
          body: JSON.stringify({ code, quality: 'low' }),
        });
        const text = await response.text();
        if (actor === 'none' || actor === 'wrong')
          return expectStatus('submit', response.status, [401]);
        expectStatus('submit', response.status, [200, 202]);
        namesNoForeignJob(actor, text);
        const body = JSON.parse(text) as { id: string };
        const owner = owners.get(body.id);
        if (owner !== undefined && owner !== actor) {
          throw new Error(`${actor} was answered with ${owner}'s job ${body.id}`);
        }
        owners.set(body.id, actor);
        collect(body);
      },
      async read() {
        const actor = pick(ACTORS);
        const id = anyJob();
        if (id === undefined) return;
        const route = pick(ROUTES);
        history.push(`${actor} reads ${route || 'the view'} of ${owners.get(id)}'s ${id}`);
        const response = await fetch(`${service.url}/api/animation/jobs/${id}${route}`, {
          headers: headersOf(actor),
        });
        // A queued job's stream stays open: its first event is enough.
        const text =
          route === '/events' && response.status === 200
            ? await firstChunk(response)
            : await response.text();
        if (actor === 'none' || actor === 'wrong')
          return expectStatus('read', response.status, [401]);
        if (!reaches(actor, id)) {
          expectStatus('foreign read', response.status, [404]);
          if (!text.includes('job_not_found')) throw new Error(`foreign read said: ${text}`);
          return;
        }
        expectStatus('own read', response.status, [200, 409]);
        if (route === '') collect(JSON.parse(text));
        namesNoForeignJob(actor, text);
      },
      async cancel() {
        const actor = pick(ACTORS);
        const id = anyJob();
        if (id === undefined) return;
        history.push(`${actor} cancels ${owners.get(id)}'s ${id}`);
        const response = await fetch(`${service.url}/api/animation/jobs/${id}`, {
          method: 'DELETE',
          headers: headersOf(actor),
        });
        const text = await response.text();
        if (actor === 'none' || actor === 'wrong')
          return expectStatus('cancel', response.status, [401]);
        if (!reaches(actor, id)) return expectStatus('foreign cancel', response.status, [404]);
        expectStatus('own cancel', response.status, cancelled.has(id) ? [409] : [200]);
        cancelled.add(id);
        namesNoForeignJob(actor, text);
      },
      async link() {
        if (links.length === 0) return;
        const link = pick(links);
        const id = random() < 0.5 ? link.jobId : (anyJob() ?? link.jobId);
        const route = random() < 0.5 ? link.route : pick(TOKEN_ROUTES);
        const token = new URL(link.url, service.url).searchParams.get('token') ?? '';
        history.push(
          `a browser opens ${route} of ${id} with the ${link.route} token of ${link.jobId}`,
        );
        const response = await fetch(
          `${service.url}/api/animation/jobs/${id}/${route}?token=${token}`,
        );
        const text =
          route === 'events' && response.status === 200
            ? await firstChunk(response)
            : await response.text();
        if (id !== link.jobId || route !== link.route) {
          return expectStatus('token elsewhere', response.status, [401]);
        }
        // The job is queued or cancelled (no worker runs): no file yet, but the token opened it.
        expectStatus('token', response.status, route === 'events' ? [200] : [409]);
        namesNoForeignJob(owners.get(id) ?? 'admin', text);
      },
      async tool() {
        const tenant = pick(['a', 'b', 'admin'] as const);
        const id = anyJob();
        if (id === undefined) return;
        const name = pick(['get_job', 'read_log', 'cancel_job'] as const);
        history.push(`${tenant} calls ${name} on ${owners.get(id)}'s ${id}`);
        const result = (await mcp.get(tenant)?.callTool({
          name,
          arguments: { jobId: id },
        })) as CallToolResult;
        const said = result.content
          .map((part) => (part.type === 'text' ? part.text : ''))
          .join('\n');
        if (!reaches(tenant, id)) {
          if (result.isError !== true || !said.includes('job_not_found')) {
            throw new Error(`${tenant}'s ${name} reached ${owners.get(id)}'s job: ${said}`);
          }
          return;
        }
        if (name === 'cancel_job') cancelled.add(id);
        namesNoForeignJob(tenant, said);
      },
    };
    const kinds = ['submit', 'submit', 'read', 'read', 'read', 'cancel', 'link', 'link', 'tool'];

    for (let step = 1; step <= STEPS; step += 1) {
      const kind = pick(kinds);
      try {
        await steps[kind]?.();
      } catch (error) {
        throw new Error(
          `seed ${seed} (replay with TENANT_FUZZ_SEED=${seed}), step ${step}: ${(error as Error).message}\nlast steps:\n${history.slice(-8).join('\n')}`,
        );
      }
    }

    // Whatever the others did, a job ended as cancelled only when its owner or the admin said so.
    for (const [id, owner] of owners) {
      const view = await fetch(`${service.url}/api/animation/jobs/${id}`, {
        headers: { authorization: `Bearer ${KEYS.admin}` },
      });
      const { status } = (await view.json()) as { status: string };
      expect([seed, owner, id, status === 'cancelled']).toEqual([
        seed,
        owner,
        id,
        cancelled.has(id),
      ]);
    }
    expect(owners.size).toBeGreaterThan(2);
  });
});

/** The first event of a stream that would go on, then the stream is left. */
async function firstChunk(response: Response): Promise<string> {
  const reader = response.body?.getReader();
  if (reader === undefined) return '';
  const chunk = await reader.read();
  await reader.cancel();
  return new TextDecoder().decode(chunk.value);
}
