import type { ServerResponse } from 'node:http';
import type { EventLog } from './events.js';
import { present } from './present.js';

/**
 * Answers with the response's events as server-sent events (`event: <type>` and one-line JSON
 * `data:`), those after `startingAfter` first and then the live ones, and ends the answer when the
 * response ends. The spec defines no `[DONE]` sentinel for this wire, so none is sent. A client
 * that goes away only loses its stream: the response carries on.
 */
export function streamEvents(res: ServerResponse, headers: Record<string, string>, log: EventLog, startingAfter: number, include: ReadonlySet<string>): void {
  res.writeHead(200, { ...headers, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
  let open = true;
  const stop = log.follow(startingAfter, {
    onEvent: (event) => {
      if (open && !res.destroyed) res.write(`event: ${event.type}\ndata: ${JSON.stringify(present(event, include))}\n\n`);
    },
    onEnd: () => {
      if (!open) return;
      open = false;
      res.end();
    },
  });
  res.on('close', () => {
    open = false;
    stop();
  });
}
