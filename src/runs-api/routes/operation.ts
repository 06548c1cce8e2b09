import type { RunsEngine, RunStart } from '../engine.js';
import type { StreamEvent } from '../types.js';

export interface HandlerContext {
  params: Record<string, string>;
  query: URLSearchParams;
  /** Parsed JSON body; undefined when the request had none. */
  body: unknown;
  /** The engine as the request's caller sees it (RunsEngine.forCaller), or the engine itself. */
  engine: RunsEngine;
}

/** An answer the server writes as an event stream, each event shown through `present`. */
export class EventStreamAnswer {
  constructor(
    readonly events: AsyncIterable<StreamEvent>,
    readonly present: (event: StreamEvent) => unknown,
  ) {}
}

/** A handler validates, calls the engine and presents; it holds no state. */
export type Handler = (ctx: HandlerContext) => Promise<unknown>;

/** One of the spec's operations. */
export interface Operation {
  method: 'GET' | 'POST' | 'DELETE';
  /** Templated path under /v1, as in the spec: `/threads/{thread_id}/runs`. */
  route: string;
  handler: Handler;
}

/** The JSON answer, or the stream when the request asked for one and the engine gave it. */
export function runAnswer(start: RunStart, present: (event: StreamEvent) => unknown): unknown {
  return start.events ? new EventStreamAnswer(start.events, present) : start.run;
}

/** No body at all is an empty object (the SDK sends none for some calls); a JSON `null` is not. */
export function orEmpty(body: unknown): unknown {
  return body === undefined ? {} : body;
}

export function param(ctx: Pick<HandlerContext, 'params'>, name: string): string {
  return ctx.params[name] ?? '';
}
