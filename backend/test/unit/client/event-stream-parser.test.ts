import { EventStreamParser } from '../../../src/client/event-stream-parser';
import { toJobEvent } from '../../../src/client/job-events';

describe('EventStreamParser', () => {
  it('reads named events with one data line each, skipping comments', () => {
    const parser = new EventStreamParser();
    const events = parser.feed(
      ': heartbeat\n\nevent: state\ndata: {"a":1}\n\n: heartbeat\n\nevent: progress\ndata: {"b":2}\n\n',
    );
    expect(events).toEqual([
      { event: 'state', data: '{"a":1}' },
      { event: 'progress', data: '{"b":2}' },
    ]);
  });

  it('puts events together from chunks cut anywhere, a CRLF between two chunks too', () => {
    const text = 'event: completed\r\ndata: {"id":"x"}\r\n\r\nevent: gone\rdata: {}\r\r';
    for (let cut = 0; cut <= text.length; cut++) {
      const parser = new EventStreamParser();
      const events = [...parser.feed(text.slice(0, cut)), ...parser.feed(text.slice(cut))];
      expect(events).toEqual([
        { event: 'completed', data: '{"id":"x"}' },
        { event: 'gone', data: '{}' },
      ]);
    }
  });

  it('joins data lines, names unnamed events "message", keeps the id, and drops events without data', () => {
    const parser = new EventStreamParser();
    expect(parser.feed('data:one\ndata: two\nid: 7\n\nevent: empty\n\n')).toEqual([
      { event: 'message', data: 'one\ntwo', id: '7' },
    ]);
  });

  it('holds back an event until its blank line arrives', () => {
    const parser = new EventStreamParser();
    expect(parser.feed('event: state\ndata: {}\n')).toEqual([]);
    expect(parser.feed('\n')).toEqual([{ event: 'state', data: '{}' }]);
  });
});

describe('toJobEvent', () => {
  it('reads the JSON of the events the service sends and skips unknown ones', () => {
    expect(toJobEvent({ event: 'progress', data: '{"stage":"rendering","percent":40}' })).toEqual({
      type: 'progress',
      progress: { stage: 'rendering', percent: 40 },
    });
    expect(toJobEvent({ event: 'failed', data: '{"id":"j","status":"failed"}' })).toEqual({
      type: 'failed',
      job: { id: 'j', status: 'failed' },
    });
    expect(
      toJobEvent({ event: 'gone', data: '{"code":"job_not_found","message":"m","hint":"h"}' }),
    ).toEqual({ type: 'gone', error: { code: 'job_not_found', message: 'm', hint: 'h' } });
    expect(toJobEvent({ event: 'something-new', data: '{}' })).toBeUndefined();
  });
});
