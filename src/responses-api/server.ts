import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { invalidUrl, toApiError } from '../embedded/errors.js';
import { FAULT_CONTROL_PATH, FaultGate, faultControl } from '../embedded/fault-gate.js';
import type { Faults } from '../embedded/faults.js';
import { checkBearerKey, newRequestId, readJsonBody, sendJson } from '../embedded/http.js';
import type { RouteTable } from '../embedded/routing.js';
import { STREAMED, type Route } from './routes.js';

export interface RequestLogEntry {
  method: string;
  /** The request path as sent, without the query string, e.g. /v1/responses/resp_abc. */
  path: string;
  /** Templated like /responses/{response_id}; the raw path when no route matched. */
  route: string;
  /** 0 when a fault dropped the connection. */
  status: number;
}

export interface HttpOptions {
  routes: RouteTable<Route>;
  faults: Faults;
  faultControl: boolean;
  apiKey: string | undefined;
  requestLog: RequestLogEntry[];
}

/** Keeps a long-running dev server from growing without bound; tests never get near it. */
const REQUEST_LOG_LIMIT = 10_000;
/** The real API takes large inputs (function outputs up to 10 MiB); 16 MB leaves room for a few. */
const BODY_LIMIT_BYTES = 16 * 1024 * 1024;

/** The HTTP layer: request log, faults, API key, JSON bodies and error envelopes around the routes. */
export function createHttpServer(options: HttpOptions): { server: Server; stop: () => void } {
  const gate = new FaultGate(options.faults);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://responses-api.invalid');
    const path = url.pathname;
    const headers: Record<string, string> = { 'x-request-id': newRequestId(), 'openai-version': '2020-10-01' };
    const entry: RequestLogEntry = { method, path, route: path, status: 0 };
    options.requestLog.push(entry);
    if (options.requestLog.length > REQUEST_LOG_LIMIT) options.requestLog.splice(0, options.requestLog.length - REQUEST_LOG_LIMIT);
    const send = (status: number, body: unknown, extra: Record<string, string>): void => {
      entry.status = status;
      sendJson(res, status, body, { ...headers, ...extra });
    };

    try {
      if (path === FAULT_CONTROL_PATH && options.faultControl) {
        entry.route = FAULT_CONTROL_PATH;
        send(200, await faultControl(options.faults, options.routes.routes(), method, () => readJsonBody(req, BODY_LIMIT_BYTES)), {});
        return;
      }
      const subPath = path.startsWith('/v1/') ? path.slice(3) : undefined;
      const matched = subPath === undefined ? { found: undefined, templated: undefined } : options.routes.match(method, subPath);
      entry.route = matched.found ? matched.found.route : (matched.templated ?? path);

      if ((await gate.apply(method, entry.route, req)) === 'stopped') return;
      checkBearerKey(req, options.apiKey);
      if (!matched.found) throw invalidUrl(method, path);

      const body = method === 'POST' ? await readJsonBody(req, BODY_LIMIT_BYTES) : undefined;
      const result = await matched.found.handler({ params: matched.params, query: url.searchParams, body, res, headers });
      if (result === STREAMED) {
        entry.status = 200;
        return;
      }
      // A synchronous response may outlive its client; there is nobody left to answer.
      if (res.destroyed) return;
      send(200, result, {});
    } catch (error) {
      if (res.headersSent || res.destroyed) {
        res.destroy();
        return;
      }
      const apiError = toApiError(error, 'responses-api');
      send(apiError.status, apiError.toBody(), apiError.headers);
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      console.error('responses-api: unexpected failure', error);
      res.destroy();
    });
  });
  return { server, stop: () => gate.stop() };
}
