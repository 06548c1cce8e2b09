import type { Server } from 'node:http';
import { headerValue } from '../embedded/http.js';
import { createEmbeddedHttpServer, type EmbeddedServerParts } from '../embedded/server.js';
import { ISOLATION_KEY_HEADER, scopeOf, type ResponsesPresentation } from './foundry.js';
import { STREAMED, type Route } from './routes.js';

export type { RequestLogEntry } from '../embedded/server.js';

export interface HttpOptions extends EmbeddedServerParts<Route> {
  presentation: ResponsesPresentation;
}

/** The real API takes large inputs (function outputs up to 10 MiB); 16 MB leaves room for a few. */
const BODY_LIMIT_BYTES = 16 * 1024 * 1024;

/** The shared embedded HTTP layer; streaming handlers write their own answer and say so with STREAMED. */
export function createHttpServer({ presentation, ...options }: HttpOptions): { server: Server; stop: () => void } {
  return createEmbeddedHttpServer({
    ...options,
    label: 'responses-api',
    bodyLimitBytes: BODY_LIMIT_BYTES,
    respond: async (route, { req, res, params, query, body, headers }) => {
      const scope = scopeOf(presentation, headerValue(req, ISOLATION_KEY_HEADER) || undefined);
      const result = await route.handler({ params, query, body, res, headers, scope, idempotencyKey: headerValue(req, 'idempotency-key') || undefined });
      return result === STREAMED ? 'written' : { json: result };
    },
  });
}
