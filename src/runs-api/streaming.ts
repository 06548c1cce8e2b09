import type { ServerResponse } from 'node:http';
import { withoutFileSearchContent } from './simulator.js';
import type { StreamEvent } from './types.js';

/** Run events after which a stream ends: the run is done, or waits for tool outputs (their own stream continues it). */
const FINAL_EVENTS = new Set([
  'thread.run.completed',
  'thread.run.incomplete',
  'thread.run.failed',
  'thread.run.cancelled',
  'thread.run.expired',
  'thread.run.requires_action',
]);

export interface EventStream {
  /** Feed for the simulator; ends the stream after a final event. */
  send: (event: StreamEvent) => void;
  readonly closed: boolean;
  end: () => void;
}

/**
 * A server-sent event stream as the Assistants API sends it: `event:` + one-line JSON `data:`,
 * closed by `event: done` / `data: [DONE]`. A client that goes away only loses the stream;
 * the run carries on, and `onClose` lets the caller stop listening.
 */
export function openEventStream(
  res: ServerResponse,
  headers: Record<string, string>,
  options: { fileSearchContent: boolean; onClose: () => void },
): EventStream {
  res.writeHead(200, {
    ...headers,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    options.onClose();
  };
  res.on('close', close);

  const write = (event: string, data: string): void => {
    if (closed || res.destroyed) return;
    res.write(`event: ${event}\ndata: ${data}\n\n`);
  };
  const end = (): void => {
    if (closed) return;
    write('done', '[DONE]');
    res.end();
    close();
  };
  return {
    get closed() {
      return closed;
    },
    send(event) {
      const data = event.event.startsWith('thread.run.step') && !options.fileSearchContent ? withoutFileSearchContent(event.data) : event.data;
      write(event.event, JSON.stringify(data));
      if (FINAL_EVENTS.has(event.event)) end();
    },
    end,
  };
}
