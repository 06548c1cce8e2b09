import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { FAULT_CONTROL_PATH, FaultGate, faultControl } from '../embedded/fault-gate.js';
import type { Faults } from '../embedded/faults.js';
import { checkBearerKey, headerValue, newRequestId, readJsonBody, sendJson } from '../embedded/http.js';
import { invalidUrl, toApiError } from '../embedded/errors.js';
import { missingBetaHeader } from './errors.js';
import type { RouteTable } from '../embedded/routing.js';
import { writeEventStream } from '../embedded/sse.js';
import { EventStreamAnswer, type Operation } from './routes/index.js';
import { NON_TERMINAL_RUN_STATUSES } from './rules.js';
import type { Run } from './types.js';

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
  routes: RouteTable<Operation>;
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

/** The HTTP layer: logging, faults, auth, beta header, body parsing and error envelopes around the routes. */
export function createHttpServer(options: HttpOptions): { server: Server; stop: () => void } {
  const gate = new FaultGate(options.faults);

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
      if (options.requireBetaHeader && !/\bassistants=v2\b/.test(headerValue(req, 'openai-beta'))) throw missingBetaHeader();

      const body = method === 'POST' ? await readJsonBody(req, BODY_LIMIT_BYTES) : undefined;
      const result = await matched.found.handler({ params: matched.params, query: url.searchParams, body });
      if (result instanceof EventStreamAnswer) {
        entry.status = 200;
        await writeEventStream(res, headers, result.events, { present: result.present, terminator: { event: 'done', data: '[DONE]' } });
        return;
      }
      send(200, result, pollHeader(result, options.pollAfterMs));
    } catch (error) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const apiError = toApiError(error, 'runs-api');
      send(apiError.status, apiError.toBody(), apiError.headers);
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // handle() answers every error itself; reaching here means the socket is already unusable.
      console.error('runs-api: unexpected failure', error);
      res.destroy();
    });
  });
  return { server, stop: () => gate.stop() };
}

/** The real API tells pollers when to look again while a run is still moving. */
function pollHeader(body: unknown, pollAfterMs: number): Record<string, string> {
  const run = body as Partial<Run> | null;
  if (run && typeof run === 'object' && run.object === 'thread.run' && run.status !== undefined && NON_TERMINAL_RUN_STATUSES.has(run.status)) {
    return { 'openai-poll-after-ms': String(pollAfterMs) };
  }
  return {};
}
