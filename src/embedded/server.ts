import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { invalidUrl, toApiError } from './errors.js';
import { FAULT_CONTROL_PATH, FaultGate, faultControl } from './fault-gate.js';
import type { Faults } from './faults.js';
import { checkBearerKey, newRequestId, readJsonBody, readRawBody, sendJson } from './http.js';
import type { RouteEntry, RouteMatch, RouteTable } from './routing.js';

export interface RequestLogEntry {
  method: string;
  /** The request path as sent, without the query string, e.g. /v1/threads/thread_abc/runs. */
  path: string;
  /** Templated like /threads/{thread_id}/runs; the raw path when no route matched. */
  route: string;
  /** 0 when a fault dropped the connection. */
  status: number;
}

/** A matched request as a server's `respond` hook sees it; `headers` are the ones every answer carries. */
export interface EmbeddedRequest {
  req: IncomingMessage;
  res: ServerResponse;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  headers: Record<string, string>;
}

/** A JSON body (200) with extra headers, or 'written' when the hook wrote a 200 answer (a stream) itself. */
export type EmbeddedAnswer = { json: unknown; headers?: Record<string, string> } | 'written';

/** What every embedded server is started with; each adds its own parts. */
export interface EmbeddedServerParts<R extends RouteEntry> {
  /** Routes served before the API's own, by exact path. */
  signedRoutes?: readonly SignedRoute[] | undefined;
  routes: RouteTable<R>;
  faults: Faults;
  faultControl: boolean;
  apiKey: string | undefined;
  requestLog: RequestLogEntry[];
  /** The path the API's routes are under. @default '/v1' */
  basePath?: string | undefined;
  /** Replaces the API key check (Foundry classic's bearer tokens); throws the API's 401. */
  authenticate?: ((req: IncomingMessage) => void) | undefined;
}

/**
 * A route outside `/v1` that authenticates itself (a signed webhook, Foundry classic's token endpoint): no API key or
 * beta header, and the raw body, since a signature is over the exact bytes (and a token request is form-encoded).
 */
export interface SignedRoute {
  method: 'POST';
  path: string;
  handle(headers: Record<string, string | undefined>, rawBody: string): Promise<{ status: number; body: unknown }>;
}

export interface EmbeddedHttpOptions<R extends RouteEntry> extends EmbeddedServerParts<R> {
  /** Names the server in logs and in unexpected-failure reports. */
  label: string;
  bodyLimitBytes: number;
  /** A server's own request checks, after the key and the route are known good and before the body is read. */
  checkRequest?: (req: IncomingMessage, query: URLSearchParams) => void;
  respond: (route: R, request: EmbeddedRequest) => Promise<EmbeddedAnswer>;
}

/** Keeps a long-running dev server from growing without bound; tests never get near it. */
const REQUEST_LOG_LIMIT = 10_000;

/** The HTTP layer both embedded servers share: request log, faults, API key, JSON bodies and error envelopes around the routes. */
export function createEmbeddedHttpServer<R extends RouteEntry>(options: EmbeddedHttpOptions<R>): { server: Server; stop: () => void } {
  const gate = new FaultGate(options.faults);
  const readBody = (req: IncomingMessage): Promise<unknown> => readJsonBody(req, options.bodyLimitBytes);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', `http://${options.label}.invalid`);
    const path = url.pathname;
    const headers: Record<string, string> = { 'x-request-id': newRequestId(), 'openai-version': '2020-10-01' };
    const entry: RequestLogEntry = { method, path, route: path, status: 0 };
    options.requestLog.push(entry);
    if (options.requestLog.length > REQUEST_LOG_LIMIT) options.requestLog.splice(0, options.requestLog.length - REQUEST_LOG_LIMIT);
    // Recorded as the answer is written (not on 'close'), so a client that has its response already sees it logged.
    const send = (status: number, body: unknown, extra: Record<string, string>): void => {
      entry.status = status;
      sendJson(res, status, body, { ...headers, ...extra });
    };

    try {
      if (path === FAULT_CONTROL_PATH && options.faultControl) {
        entry.route = FAULT_CONTROL_PATH;
        send(200, await faultControl(options.faults, options.routes.routes(), method, () => readBody(req)), {});
        return;
      }

      const signed = options.signedRoutes?.find((route) => route.path === path && route.method === method);
      if (signed) {
        entry.route = signed.path;
        const answer = await signed.handle(req.headers as Record<string, string | undefined>, await readRawBody(req, options.bodyLimitBytes));
        send(answer.status, answer.body, {});
        return;
      }

      const basePath = options.basePath ?? '/v1';
      const subPath = path.startsWith(`${basePath}/`) ? path.slice(basePath.length) : undefined;
      const matched: RouteMatch<R> = subPath === undefined ? { found: undefined, templated: undefined } : options.routes.match(method, subPath);
      entry.route = 'params' in matched ? matched.found.route : (matched.templated ?? path);

      if ((await gate.apply(method, entry.route, req)) === 'stopped') return;

      if (options.authenticate) options.authenticate(req);
      else checkBearerKey(req, options.apiKey);
      if (!('params' in matched)) throw invalidUrl(method, path);
      options.checkRequest?.(req, url.searchParams);

      const body = method === 'POST' ? await readBody(req) : undefined;
      const answer = await options.respond(matched.found, { req, res, params: matched.params, query: url.searchParams, body, headers });
      if (answer === 'written') {
        entry.status = 200;
        return;
      }
      // A synchronous answer may outlive its client; there is nobody left to answer.
      if (res.destroyed) return;
      send(200, answer.json, answer.headers ?? {});
    } catch (error) {
      if (res.headersSent || res.destroyed) {
        res.destroy();
        return;
      }
      const apiError = toApiError(error, options.label);
      send(apiError.status, apiError.toBody(), apiError.headers);
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // handle() answers every error itself; reaching here means the socket is already unusable.
      console.error(`${options.label}: unexpected failure`, error);
      res.destroy();
    });
  });
  return { server, stop: () => gate.stop() };
}
