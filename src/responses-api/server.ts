import type { Server } from 'node:http';
import type { Faults } from '../embedded/faults.js';
import type { RouteTable } from '../embedded/routing.js';
import { createEmbeddedHttpServer, type RequestLogEntry } from '../embedded/server.js';
import { STREAMED, type Route } from './routes.js';

export type { RequestLogEntry } from '../embedded/server.js';

export interface HttpOptions {
  routes: RouteTable<Route>;
  faults: Faults;
  faultControl: boolean;
  apiKey: string | undefined;
  requestLog: RequestLogEntry[];
}

/** The real API takes large inputs (function outputs up to 10 MiB); 16 MB leaves room for a few. */
const BODY_LIMIT_BYTES = 16 * 1024 * 1024;

/** The shared embedded HTTP layer; streaming handlers write their own answer and say so with STREAMED. */
export function createHttpServer(options: HttpOptions): { server: Server; stop: () => void } {
  return createEmbeddedHttpServer({
    label: 'responses-api',
    routes: options.routes,
    faults: options.faults,
    faultControl: options.faultControl,
    apiKey: options.apiKey,
    requestLog: options.requestLog,
    bodyLimitBytes: BODY_LIMIT_BYTES,
    respond: async (route, { res, params, query, body, headers }) => {
      const result = await route.handler({ params, query, body, res, headers });
      return result === STREAMED ? 'written' : { json: result };
    },
  });
}
