import type { Response } from 'express';

/**
 * A Server-Sent Events response (text/event-stream): named events with a JSON payload, and
 * comments, which clients ignore and proxies see as traffic. Writes after the stream has ended or
 * the client has gone are dropped.
 */
export class EventStream {
  constructor(private readonly res: Response) {
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    // no-transform: a compressing proxy would hold events back until its buffer fills.
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    // The connection serves this one stream: when the stream ends it closes, so a server that is
    // shutting down is not kept waiting on idle keep-alive sockets (EventSource reconnects anyway).
    res.setHeader('Connection', 'close');
    // nginx buffers proxied responses unless told not to.
    res.setHeader('X-Accel-Buffering', 'no');
    res.socket?.setNoDelay(true);
    res.flushHeaders();
  }

  get open(): boolean {
    return !this.res.writableEnded && !this.res.destroyed;
  }

  send(event: string, data: unknown): void {
    // JSON.stringify never emits a raw line break, so the payload is always one `data:` line.
    this.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  comment(text: string): void {
    this.write(`: ${text.replace(/[\r\n]+/g, ' ')}\n\n`);
  }

  end(): void {
    if (this.open) this.res.end();
  }

  private write(chunk: string): void {
    if (this.open) this.res.write(chunk);
  }
}
