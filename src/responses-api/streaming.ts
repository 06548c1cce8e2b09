import type { ServerResponse } from 'node:http';
import { EventChannel } from '../embedded/event-channel.js';
import { writeEventStream, type SseEvent } from '../embedded/sse.js';
import type { EventLog } from './events.js';
import { present } from './present.js';

/**
 * Answers with the response's events as server-sent events, those after `startingAfter` first and
 * then the live ones, and ends the answer when the response ends. The spec defines no `[DONE]`
 * sentinel for this wire, so none is sent. A client that goes away only loses its stream: the
 * response carries on.
 */
export function streamEvents(res: ServerResponse, headers: Record<string, string>, log: EventLog, startingAfter: number, include: ReadonlySet<string>): Promise<void> {
  let stop: () => void = () => undefined;
  const channel = new EventChannel<SseEvent>(() => stop());
  stop = log.follow(startingAfter, { onEvent: (event) => channel.push({ event: event.type, data: event }), onEnd: () => channel.end() });
  return writeEventStream(res, headers, channel, { present: (event) => present(event.data, include) });
}
