import type { IncomingMessage, Server } from 'node:http';
import { headerValue } from '../embedded/http.js';
import { createEmbeddedHttpServer, type EmbeddedServerParts } from '../embedded/server.js';
import { writeEventStream } from '../embedded/sse.js';
import { CALLER_HEADER, callerFromHeader } from './caller.js';
import type { RunsEngine } from './engine.js';
import { missingBetaHeader } from './errors.js';
import { EventStreamAnswer, type Operation } from './routes/index.js';
import { NON_TERMINAL_RUN_STATUSES } from './rules.js';
import type { Run } from './types.js';

export type { RequestLogEntry } from '../embedded/server.js';

export interface HttpOptions extends EmbeddedServerParts<Operation> {
  /** What the operations call: as the request's caller sees it when it names one (RunsEngine.forCaller). */
  engine: RunsEngine;
  requireBetaHeader: boolean;
  pollAfterMs: number;
  /** The wire's own request checks (Foundry's `api-version`), after the beta header's. */
  checkWireRequest?: ((req: IncomingMessage, query: URLSearchParams) => void) | undefined;
}

const BODY_LIMIT_BYTES = 4 * 1024 * 1024;

/** The shared embedded HTTP layer with the runs API's own parts: the beta header, poll hints and event streams. */
export function createHttpServer({ engine, requireBetaHeader, pollAfterMs, checkWireRequest, ...parts }: HttpOptions): { server: Server; stop: () => void } {
  // Only a client that proved itself (the key, or Foundry classic's tokens) may name the caller.
  const keyRequired = parts.apiKey !== undefined || parts.authenticate !== undefined;
  return createEmbeddedHttpServer({
    ...parts,
    label: 'runs-api',
    bodyLimitBytes: BODY_LIMIT_BYTES,
    checkRequest: (req, query) => {
      if (requireBetaHeader && !/\bassistants=v2\b/.test(headerValue(req, 'openai-beta'))) throw missingBetaHeader();
      checkWireRequest?.(req, query);
    },
    respond: async (operation, { req, res, params, query, body, headers }) => {
      const caller = callerFromHeader(headerValue(req, CALLER_HEADER), keyRequired);
      // The caller is handed on in the engine the operation is given, not through an async context (caller.ts).
      const result = await operation.handler({ params, query, body, engine: caller === undefined ? engine : (engine.forCaller?.(caller) ?? engine) });
      if (result instanceof EventStreamAnswer) {
        await writeEventStream(res, headers, result.events, { present: result.present, terminator: { event: 'done', data: '[DONE]' } });
        return 'written';
      }
      return { json: result, headers: pollHeader(result, pollAfterMs) };
    },
  });
}

/** The real API tells pollers when to look again while a run is still moving. */
function pollHeader(body: unknown, pollAfterMs: number): Record<string, string> {
  const run = body as Partial<Run> | null;
  if (run && typeof run === 'object' && run.object === 'thread.run' && run.status !== undefined && NON_TERMINAL_RUN_STATUSES.has(run.status)) {
    return { 'openai-poll-after-ms': String(pollAfterMs) };
  }
  return {};
}
