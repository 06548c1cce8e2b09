import type { Server } from 'node:http';
import { headerValue } from '../embedded/http.js';
import { createEmbeddedHttpServer, type EmbeddedServerParts } from '../embedded/server.js';
import { STREAMED, type Route } from './routes.js';

export type { RequestLogEntry } from '../embedded/server.js';

export type HttpOptions = EmbeddedServerParts<Route>;

/** The real API takes large inputs (function outputs up to 10 MiB); 16 MB leaves room for a few. */
const BODY_LIMIT_BYTES = 16 * 1024 * 1024;

/** The shared embedded HTTP layer; streaming handlers write their own answer and say so with STREAMED. */
export function createHttpServer(options: HttpOptions): { server: Server; stop: () => void } {
  return createEmbeddedHttpServer({
    ...options,
    label: 'responses-api',
    bodyLimitBytes: BODY_LIMIT_BYTES,
    respond: async (route, { req, res, params, query, body, headers }) => {
      const result = await route.handler({ params, query, body, res, headers, idempotencyKey: headerValue(req, 'idempotency-key') || undefined });
      return result === STREAMED ? 'written' : { json: result };
    },
  });
}
