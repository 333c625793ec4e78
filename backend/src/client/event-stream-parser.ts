/** One Server-Sent Event: its name (`message` when the stream names none) and its data. */
export interface ServerSentEvent {
  event: string;
  data: string;
  id?: string;
}

/**
 * Reads the text/event-stream format incrementally: feed it text as it arrives, in chunks of any
 * size, and it returns the events completed so far. Lines end in LF, CRLF or CR; comment lines
 * (`: heartbeat`) are skipped; several `data:` lines join with a newline; an event is dispatched
 * at an empty line and only when it has data, as browsers do.
 */
export class EventStreamParser {
  private buffer = '';
  private pendingCarriageReturn = false;
  private event = '';
  private data: string[] = [];
  private id: string | undefined;

  feed(text: string): ServerSentEvent[] {
    let chunk = text;
    // A CR at the end of the last chunk may be the first half of a CRLF.
    if (this.pendingCarriageReturn && chunk.startsWith('\n')) chunk = chunk.slice(1);
    this.pendingCarriageReturn = chunk.endsWith('\r');
    this.buffer += chunk;
    const lines = this.buffer.split(/\r\n|\r|\n/);
    this.buffer = lines.pop() ?? '';
    const events: ServerSentEvent[] = [];
    for (const line of lines) {
      const event = this.readLine(line);
      if (event !== undefined) events.push(event);
    }
    return events;
  }

  private readLine(line: string): ServerSentEvent | undefined {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
    else if (field === 'id' && !value.includes('\0')) this.id = value;
    return undefined;
  }

  private dispatch(): ServerSentEvent | undefined {
    const event = this.event;
    const data = this.data;
    this.event = '';
    this.data = [];
    if (data.length === 0) return undefined;
    return {
      event: event === '' ? 'message' : event,
      data: data.join('\n'),
      ...(this.id === undefined ? {} : { id: this.id }),
    };
  }
}
