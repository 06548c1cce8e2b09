import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { ApiError, incorrectApiKey, invalidUrl, malformedJson, missingApiKey, missingBetaHeader, rateLimited, retryHeaders, serverError } from './errors.js';
import { FaultRuleError, normalizeRule, parseFaultRules, type FaultRule, type Faults } from './faults.js';
import { newRequestId } from './ids.js';
import { STREAMED, type Route } from './routes.js';
import { NON_TERMINAL_RUN_STATUSES, type Run } from './types.js';

export interface RequestLogEntry {
  method: string;
  /** The request path as sent, without the query string, e.g. /v1/threads/thread_abc/runs. */
  path: string;
  /** Templated like /threads/{thread_id}/runs; the raw path when no route matched. */
  route: string;
  /** 0 when a fault dropped the connection. */
  status: number;
}

export interface HttpOptions {
  routes: Route[];
  faults: Faults;
  faultControl: boolean;
  apiKey: string | undefined;
  requireBetaHeader: boolean;
  pollAfterMs: number;
  requestLog: RequestLogEntry[];
}

/** Keeps a long-running dev server from growing without bound; tests never get near it. */
const REQUEST_LOG_LIMIT = 10_000;
const BODY_LIMIT_BYTES = 4 * 1024 * 1024;
const CONTROL_PATH = '/__control/faults';

interface CompiledRoute extends Route {
  pattern: RegExp;
  names: string[];
}

function compile(route: Route): CompiledRoute {
  const names: string[] = [];
  const source = route.route.replace(/\{(\w+)\}/g, (_, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { ...route, pattern: new RegExp(`^${source}$`), names };
}

export function knownRoutes(routes: Route[]): string[] {
  return [...new Set(routes.map((route) => route.route))];
}

/** The HTTP layer: logging, faults, auth, beta header, body parsing and error envelopes around the routes. */
export function createHttpServer(options: HttpOptions): { server: Server; stop: () => void } {
  const compiled = options.routes.map(compile);
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;

  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  const match = (method: string, path: string): { route: CompiledRoute; params: Record<string, string> } | { templated: string | undefined } => {
    let templated: string | undefined;
    for (const route of compiled) {
      const found = route.pattern.exec(path);
      if (!found) continue;
      templated ??= route.route;
      if (route.method !== method) continue;
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => {
        params[name] = safeDecode(found[i + 1] ?? '');
      });
      return { route, params };
    }
    return { templated };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://runs-api.invalid');
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
      if (path === CONTROL_PATH && options.faultControl) {
        entry.route = CONTROL_PATH;
        await control(req, method, send);
        return;
      }

      const subPath = path.startsWith('/v1/') ? path.slice(3) : undefined;
      const found = subPath === undefined ? { templated: undefined } : match(method, subPath);
      entry.route = 'route' in found ? found.route.route : (found.templated ?? path);

      const fault = options.faults.decide(method, entry.route);
      if (fault.latencyMs > 0) await sleep(fault.latencyMs);
      if (stopped) return;
      if (fault.kind === 'drop') {
        req.socket.destroy();
        return;
      }
      if (fault.kind === 'status') {
        const { status, retryAfterMs } = fault;
        if (status === 429) throw rateLimited(retryAfterMs ?? 1000);
        const retry = retryAfterMs !== undefined || status === 503 ? retryHeaders(retryAfterMs ?? 1000) : {};
        if (status >= 500) throw serverError(status, retry);
        throw new ApiError(status, `Injected fault: status ${status}.`, 'invalid_request_error', null, 'injected_fault', retry);
      }

      checkApiKey(req, options.apiKey);
      if (!('route' in found)) throw invalidUrl(method, path);
      if (options.requireBetaHeader && !/\bassistants=v2\b/.test(headerValue(req, 'openai-beta'))) throw missingBetaHeader();

      const body = method === 'POST' ? await readJson(req) : undefined;
      const result = found.route.handler({ params: found.params, query: url.searchParams, body, res, headers });
      if (result === STREAMED) {
        entry.status = 200;
        return;
      }
      send(200, result, pollHeader(result, options.pollAfterMs));
    } catch (error) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const apiError = toApiError(error);
      send(apiError.status, apiError.toBody(), apiError.headers);
    }
  };

  type Send = (status: number, body: unknown, extra: Record<string, string>) => void;
  const control = async (req: IncomingMessage, method: string, send: Send): Promise<void> => {
    const known = knownRoutes(options.routes);
    if (method === 'GET') {
      send(200, { rules: options.faults.list() }, {});
    } else if (method === 'DELETE') {
      options.faults.clear();
      send(200, { rules: [] }, {});
    } else if (method === 'PUT') {
      const body = await readJson(req);
      let rules: FaultRule[];
      try {
        const input = body !== null && typeof body === 'object' && !Array.isArray(body) && 'rules' in body ? (body as { rules: unknown }).rules : body;
        if (typeof input === 'string') rules = parseFaultRules(input, known);
        else if (Array.isArray(input)) rules = input.map((rule, i) => normalizeRule(rule, known, `fault rule ${i + 1}`));
        else throw new FaultRuleError('expected a JSON array of rules, {"rules": [...]}, or a string in the RUNS_API_FAULTS syntax');
      } catch (error) {
        if (error instanceof FaultRuleError) throw new ApiError(400, error.message, 'invalid_request_error', 'rules', 'invalid_fault_rule');
        throw error;
      }
      options.faults.set(rules);
      send(200, { rules: options.faults.list() }, {});
    } else {
      throw invalidUrl(method, CONTROL_PATH);
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // handle() answers every error itself; reaching here means the socket is already unusable.
      console.error('runs-api: unexpected failure', error);
      res.destroy();
    });
  });
  return {
    server,
    stop: () => {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}

function checkApiKey(req: IncomingMessage, apiKey: string | undefined): void {
  if (apiKey === undefined) return;
  const header = headerValue(req, 'authorization');
  const given = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim();
  if (!given) throw missingApiKey();
  if (given !== apiKey) throw incorrectApiKey(given);
}

function headerValue(req: IncomingMessage, name: string): string {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(',') : (value ?? '');
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > BODY_LIMIT_BYTES) {
      // The rest of the body stays unread, so this connection cannot carry another request.
      throw new ApiError(413, `Request body too large: the limit is ${BODY_LIMIT_BYTES} bytes.`, 'invalid_request_error', null, 'request_too_large', { connection: 'close' });
    }
    chunks.push(buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw malformedJson();
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** The real API tells pollers when to look again while a run is still moving. */
function pollHeader(body: unknown, pollAfterMs: number): Record<string, string> {
  const run = body as Partial<Run> | null;
  if (run && typeof run === 'object' && run.object === 'thread.run' && run.status !== undefined && NON_TERMINAL_RUN_STATUSES.has(run.status)) {
    return { 'openai-poll-after-ms': String(pollAfterMs) };
  }
  return {};
}

function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  console.error('runs-api: handler failed', error);
  return serverError(500);
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
