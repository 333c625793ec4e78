import { createHash, randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';

/**
 * A Docker Registry (HTTP API v2) on 127.0.0.1 that serves images made for a test. The engine
 * pulls from loopback registries over plain HTTP without configuration. Blobs can be served
 * corrupted or made to hang, and manifests can be held back, so tests can drive a pull into each
 * of its outcomes.
 */
export interface FakeRegistry {
  /** `127.0.0.1:<port>`, the first component of image names served here. */
  readonly host: string;
  /** Serves `image` as `<host>/<repository>:<tag>`, and returns that name. */
  publish(repository: string, tag: string, image: RegistryImage): string;
  /** How the blob with this digest is served from now on. */
  setBlobBehaviour(digest: string, behaviour: BlobBehaviour): void;
  /** Holds every manifest request (HEAD or GET) until the returned function is called. */
  holdManifests(): () => void;
  /**
   * The GETs of manifests of `repository` so far. An engine asks with HEAD first and GETs only a
   * manifest it has not stored yet, so one pull of a manifest new to it is one GET.
   */
  manifestGets(repository: string): number;
  /** Resolves at the next manifest request (HEAD or GET) of `repository` from now on. */
  nextManifestRequest(repository: string): Promise<void>;
  close(): Promise<void>;
}

/** `corrupt`: the right length, one byte changed. `hang`: headers and a few bytes, then nothing. */
export type BlobBehaviour = 'normal' | 'corrupt' | 'hang';

export interface RegistryImage {
  manifest: Buffer;
  configDigest: string;
  blobs: Map<string, Buffer>;
  /** Digests of the layer blobs, bottom first. */
  layerDigests: string[];
}

const MANIFEST_TYPE = 'application/vnd.docker.distribution.manifest.v2+json';
const CONFIG_TYPE = 'application/vnd.docker.container.image.v1+json';
const LAYER_TYPE = 'application/vnd.docker.image.rootfs.diff.tar.gzip';

export function sha256Digest(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/**
 * A tiny image: one gzip layer holding one text file with `content`, and its config. Different
 * contents make different layers, so images of different tests never share a layer the engine
 * could skip.
 */
export function tinyImage(content: string): RegistryImage {
  const tar = tarOfOneFile('hello.txt', Buffer.from(`${content}\n`));
  const layer = gzipSync(tar);
  const config = Buffer.from(
    JSON.stringify({
      architecture: engineArchitecture(),
      os: 'linux',
      config: { Cmd: ['/hello.txt'] },
      rootfs: { type: 'layers', diff_ids: [sha256Digest(tar)] },
      history: [{ created: '2026-01-01T00:00:00Z', created_by: 'fake registry' }],
    }),
  );
  return imageOf(config, [layer]);
}

/**
 * A manifest whose config digest is `imageId`, an image the engine already has: the engine then
 * fetches neither the config nor the layers (it finds the image by that digest) and only tags
 * it. Serves a large image without moving its bytes. Each call makes a manifest of its own (a
 * nonce in an annotation the engine ignores), so the engine has to GET it.
 */
export function manifestForLocalImage(imageId: string): RegistryImage {
  const placeholder = Buffer.from('{}');
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MANIFEST_TYPE,
      config: { mediaType: CONFIG_TYPE, size: placeholder.length, digest: imageId },
      layers: [],
      annotations: { 'org.manim-render.test.nonce': randomUUID() },
    }),
  );
  return { manifest, configDigest: imageId, blobs: new Map(), layerDigests: [] };
}

function imageOf(config: Buffer, layers: Buffer[]): RegistryImage {
  const configDigest = sha256Digest(config);
  const layerDigests = layers.map(sha256Digest);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MANIFEST_TYPE,
      config: { mediaType: CONFIG_TYPE, size: config.length, digest: configDigest },
      layers: layers.map((layer, index) => ({
        mediaType: LAYER_TYPE,
        size: layer.length,
        digest: layerDigests[index],
      })),
    }),
  );
  const blobs = new Map<string, Buffer>([[configDigest, config]]);
  layers.forEach((layer, index) => blobs.set(layerDigests[index] ?? '', layer));
  return { manifest, configDigest, blobs, layerDigests };
}

function engineArchitecture(): string {
  const names: Record<string, string> = {
    x64: 'amd64',
    arm64: 'arm64',
    arm: 'arm',
    s390x: 's390x',
  };
  return names[process.arch] ?? process.arch;
}

/** A ustar archive with one regular file. */
function tarOfOneFile(name: string, data: Buffer): Buffer {
  const header = Buffer.alloc(512);
  const field = (offset: number, length: number, value: string) =>
    header.write(value, offset, length, 'ascii');
  const octal = (value: number, length: number) => value.toString(8).padStart(length - 1, '0');
  field(0, 100, name);
  field(100, 8, octal(0o644, 8));
  field(108, 8, octal(0, 8));
  field(116, 8, octal(0, 8));
  field(124, 12, octal(data.length, 12));
  field(136, 12, octal(Math.floor(Date.UTC(2026, 0, 1) / 1000), 12));
  field(148, 8, '        ');
  field(156, 1, '0');
  field(257, 6, 'ustar');
  field(263, 2, '00');
  let sum = 0;
  for (const byte of header) sum += byte;
  field(148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  const padding = Buffer.alloc((512 - (data.length % 512)) % 512);
  return Buffer.concat([header, data, padding, Buffer.alloc(1024)]);
}

export async function startFakeRegistry(): Promise<FakeRegistry> {
  const manifests = new Map<string, Buffer>();
  const blobs = new Map<string, Buffer>();
  const behaviours = new Map<string, BlobBehaviour>();
  const gets = new Map<string, number>();
  const events = new EventEmitter();
  const hanging = new Set<ServerResponse>();
  let held: Promise<void> | undefined;

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    response.setHeader('Docker-Distribution-API-Version', 'registry/2.0');
    const url = new URL(request.url ?? '/', 'http://registry');
    const head = request.method === 'HEAD';
    if (request.method !== 'GET' && !head) return answerError(response, 405, 'UNSUPPORTED');
    if (url.pathname === '/v2/' || url.pathname === '/v2') {
      response.writeHead(200, { 'Content-Type': 'application/json' });
      return response.end('{}');
    }
    const match = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(url.pathname);
    if (!match) return answerError(response, 404, 'NAME_UNKNOWN');
    const [, repository = '', kind, reference = ''] = match;
    if (kind === 'manifests') {
      if (!head) gets.set(repository, (gets.get(repository) ?? 0) + 1);
      events.emit(`manifest:${repository}`);
      if (held) await held;
      const manifest =
        manifests.get(`${repository}:${reference}`) ??
        [...manifests.values()].find((candidate) => sha256Digest(candidate) === reference);
      if (!manifest) return answerError(response, 404, 'MANIFEST_UNKNOWN');
      response.writeHead(200, {
        'Content-Type': MANIFEST_TYPE,
        'Content-Length': manifest.length,
        'Docker-Content-Digest': sha256Digest(manifest),
      });
      return response.end(head ? undefined : manifest);
    }
    const blob = blobs.get(reference);
    if (!blob) return answerError(response, 404, 'BLOB_UNKNOWN');
    const headers = {
      'Content-Type': 'application/octet-stream',
      'Content-Length': blob.length,
      'Docker-Content-Digest': reference,
    };
    response.writeHead(200, headers);
    if (head) return response.end();
    const behaviour = behaviours.get(reference) ?? 'normal';
    if (behaviour === 'hang') {
      hanging.add(response);
      response.write(blob.subarray(0, Math.min(16, blob.length - 1)));
      return;
    }
    if (behaviour === 'corrupt') {
      const corrupted = Buffer.from(blob);
      const middle = Math.floor(corrupted.length / 2);
      corrupted[middle] = (corrupted[middle] ?? 0) ^ 0xff;
      return response.end(corrupted);
    }
    response.end(blob);
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) answerError(response, 500, 'UNKNOWN', (error as Error).message);
      else response.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    host,
    publish(repository, tag, image) {
      manifests.set(`${repository}:${tag}`, image.manifest);
      for (const [digest, data] of image.blobs) blobs.set(digest, data);
      return `${host}/${repository}:${tag}`;
    },
    setBlobBehaviour(digest, behaviour) {
      behaviours.set(digest, behaviour);
    },
    holdManifests() {
      let release = () => undefined as void;
      held = new Promise<void>((resolve) => {
        release = resolve;
      });
      return () => {
        held = undefined;
        release();
      };
    },
    manifestGets: (repository) => gets.get(repository) ?? 0,
    nextManifestRequest: (repository) =>
      new Promise<void>((resolve) => events.once(`manifest:${repository}`, () => resolve())),
    async close() {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function answerError(
  response: ServerResponse,
  status: number,
  code: string,
  message = code.toLowerCase().replace(/_/g, ' '),
): void {
  response.writeHead(status, { 'Content-Type': 'application/json' });
  response.end(JSON.stringify({ errors: [{ code, message, detail: null }] }));
}
