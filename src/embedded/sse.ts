import type { ServerResponse } from 'node:http';

export interface SseEvent {
  event: string;
  data: unknown;
}

export interface EventStreamOptions {
  /** Applied to each event as it is written (e.g. to leave out what the request did not include). */
  present?: (event: SseEvent) => unknown;
  /** Written after the last event, e.g. `{ event: 'done', data: '[DONE]' }` on the Assistants API. */
  terminator?: { event: string; data: string };
}

/**
 * Writes events as `text/event-stream` (`event:` + one-line JSON `data:`) until the iterable ends,
 * then the terminator. A client that goes away stops the iteration (`return()`), so the producer
 * can stop listening; what it was doing carries on.
 */
export async function writeEventStream(res: ServerResponse, headers: Record<string, string>, events: AsyncIterable<SseEvent>, options: EventStreamOptions = {}): Promise<void> {
  res.writeHead(200, { ...headers, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
  const iterator = events[Symbol.asyncIterator]();
  let gone = false;
  res.on('close', () => {
    gone = true;
    void iterator.return?.();
  });
  const write = (event: string, data: string): void => {
    if (!gone && !res.destroyed) res.write(`event: ${event}\ndata: ${data}\n\n`);
  };
  for (;;) {
    const next = await iterator.next();
    if (next.done || gone) break;
    const event = next.value;
    write(event.event, JSON.stringify(options.present ? options.present(event) : event.data));
  }
  if (gone) return;
  if (options.terminator) write(options.terminator.event, options.terminator.data);
  res.end();
}
