/** One Server-Sent Event as a client sees it: its name and its JSON payload. */
export interface ReceivedEvent {
  event: string;
  data: unknown;
}

export interface EventStreamResult {
  status: number;
  contentType: string | null;
  /** Named events in the order they arrived (comments are left out). */
  events: ReceivedEvent[];
}

/**
 * A test client for a text/event-stream response: events can be taken one at a time (to act
 * between them) or all to the end of the stream. The stream under test ends by itself after its
 * final event, so reading to the end is also the check that it does.
 */
export class EventStreamReader {
  private readonly decoder = new TextDecoder();
  private buffered = '';
  private readonly ready: ReceivedEvent[] = [];
  private ended = false;
  /** The text of every comment line read so far (`: heartbeat` gives `heartbeat`). */
  readonly comments: string[] = [];

  private constructor(
    readonly status: number,
    readonly contentType: string | null,
    private readonly reader: ReadableStreamDefaultReader<Uint8Array> | undefined,
  ) {}

  static async open(url: string, headers: Record<string, string> = {}): Promise<EventStreamReader> {
    const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers } });
    const contentType = response.headers.get('content-type');
    if (response.body === null || !contentType?.startsWith('text/event-stream')) {
      await response.arrayBuffer();
      return new EventStreamReader(response.status, contentType, undefined);
    }
    return new EventStreamReader(response.status, contentType, response.body.getReader());
  }

  /** The next event, or undefined once the stream has ended. */
  async next(): Promise<ReceivedEvent | undefined> {
    while (this.ready.length === 0 && !this.ended && this.reader !== undefined) {
      const chunk = await this.reader.read();
      if (chunk.done) {
        this.ended = true;
        break;
      }
      this.buffered += this.decoder.decode(chunk.value, { stream: true });
      let boundary = this.buffered.indexOf('\n\n');
      while (boundary !== -1) {
        const parsed = parseEvent(this.buffered.slice(0, boundary), this.comments);
        if (parsed !== undefined) this.ready.push(parsed);
        this.buffered = this.buffered.slice(boundary + 2);
        boundary = this.buffered.indexOf('\n\n');
      }
    }
    return this.ready.shift();
  }

  /** Leaves a stream that would go on (a job still under way). */
  async close(): Promise<void> {
    this.ended = true;
    await this.reader?.cancel();
  }

  /** Every remaining event, once the stream has ended. */
  async rest(): Promise<ReceivedEvent[]> {
    const events: ReceivedEvent[] = [];
    for (let event = await this.next(); event !== undefined; event = await this.next()) {
      events.push(event);
    }
    return events;
  }
}

/** Opens a stream and reads it to its end. */
export async function readEventStream(url: string): Promise<EventStreamResult> {
  const stream = await EventStreamReader.open(url);
  const events = await stream.rest();
  return { status: stream.status, contentType: stream.contentType, events };
}

function parseEvent(block: string, comments: string[]): ReceivedEvent | undefined {
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) {
      comments.push(line.slice(1).trim());
      continue;
    }
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  if (data.length === 0) return undefined;
  return { event, data: JSON.parse(data.join('\n')) as unknown };
}
