import { rm } from 'node:fs/promises';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import Docker from 'dockerode';

/** The socket of the engine the tests use, so that a proxy forwards to the same one. */
export async function engineSocketPath(): Promise<string> {
  // docker-modem names the default socket with a function that looks for it.
  const modem = new Docker().modem as { socketPath?: unknown };
  const socketPath: unknown =
    typeof modem.socketPath === 'function'
      ? await (modem.socketPath as () => Promise<unknown>)()
      : modem.socketPath;
  if (typeof socketPath !== 'string') {
    throw new Error('this test needs a Docker Engine on a unix socket (DOCKER_HOST=unix://…)');
  }
  return socketPath;
}

/**
 * A unix socket (or, for a `path` of `tcp://127.0.0.1:<port>`, a TCP port; 0 picks a free one)
 * that forwards every connection to the real Docker Engine's socket. Stopping it looks, to a
 * client pointed at it, like the engine going away; starting it again, like the engine coming
 * back. The real engine is never touched. Over TCP, a worker takes the engine for a foreign one.
 */
export class DockerSocketProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private tcpPort: number | undefined;

  constructor(
    readonly path: string,
    private readonly enginePath: string,
  ) {}

  /** DOCKER_HOST for a client that should reach the engine through the proxy. */
  get dockerHost(): string {
    const tcp = this.tcpAddress();
    return tcp ? `tcp://${tcp.host}:${this.tcpPort ?? tcp.port}` : `unix://${this.path}`;
  }

  private tcpAddress(): { host: string; port: number } | undefined {
    const match = /^tcp:\/\/([^:]+):(\d+)$/.exec(this.path);
    return match?.[1] && match[2] ? { host: match[1], port: Number(match[2]) } : undefined;
  }

  async start(): Promise<void> {
    if (this.server) return;
    const tcp = this.tcpAddress();
    if (!tcp) await rm(this.path, { force: true });
    const server = createServer((client) => {
      const engine = createConnection(this.enginePath);
      this.track(client);
      this.track(engine);
      client.pipe(engine);
      engine.pipe(client);
      client.on('error', () => engine.destroy());
      engine.on('error', () => client.destroy());
      client.on('close', () => engine.destroy());
      engine.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      const listening = () => {
        server.off('error', reject);
        const address = server.address();
        if (tcp && typeof address === 'object' && address) this.tcpPort = address.port;
        resolve();
      };
      if (tcp) server.listen(this.tcpPort ?? tcp.port, tcp.host, listening);
      else server.listen(this.path, listening);
    });
    this.server = server;
  }

  /** Stops listening (removing the socket file) and cuts every open connection. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
  }
}
