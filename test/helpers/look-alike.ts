import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A "look-alike" of the runs wire: a real HTTP proxy on port 0 in front of the embedded runs API that bends the wire
 * the way the self-hosted servers do (successor-wire.md §1): creates answered with 201, lists without `object` and
 * `first_id`, event streams ending without `done` (astra, open-assistant-api) or with a JSON-quoted `"[DONE]"`
 * (cogitator), and 404 for the operations it lacks (cancel, steps, list runs). It records what reached it.
 */

/**
 * `none`: the body just ends after the last event (astra); `quoted-done`: `data: "[DONE]"` instead of `event: done`
 * (cogitator); `cut-mid-run`: the body ends right after the run starts, with no terminal state and no `done` (a
 * server that closes its streams silently, as open-assistant-api does on errors).
 */
export type StreamEnding = 'none' | 'quoted-done' | 'cut-mid-run';

/** Operations a look-alike may lack (answered 404 without reaching the target). */
export type MissingOperation = 'cancel_run' | 'run_steps' | 'list_runs';

export interface LookAlikeOptions {
  /** The upstream it fronts, e.g. the embedded runs API's `http://127.0.0.1:port/v1`. */
  target: string;
  streamEnding: StreamEnding;
  missing: readonly MissingOperation[];
}

export interface LookAlikeRequest {
  method: string;
  /** The path under the base URL, e.g. `/threads/thread_1/runs`. */
  path: string;
  headers: IncomingMessage['headers'];
  /** The status it answered with, once it has. */
  status?: number;
}

export interface LookAlike {
  /** The base URL to point the gateway at. */
  url: string;
  readonly requests: LookAlikeRequest[];
  /** Raw event-stream text it sent, per stream, to check the bending was done. */
  readonly streams: string[];
  close(): Promise<void>;
}

const CREATES = [/^\/assistants$/, /^\/threads$/, /^\/threads\/runs$/, /^\/threads\/[^/]+\/messages$/, /^\/threads\/[^/]+\/runs$/];
const OPERATIONS: Record<MissingOperation, { method: string; path: RegExp }> = {
  cancel_run: { method: 'POST', path: /^\/threads\/[^/]+\/runs\/[^/]+\/cancel$/ },
  run_steps: { method: 'GET', path: /^\/threads\/[^/]+\/runs\/[^/]+\/steps(\/[^/]+)?$/ },
  list_runs: { method: 'GET', path: /^\/threads\/[^/]+\/runs$/ },
};

export async function startLookAlike(options: LookAlikeOptions): Promise<LookAlike> {
  const target = new URL(options.target);
  const basePath = target.pathname.replace(/\/$/, '');
  const requests: LookAlikeRequest[] = [];
  const streams: string[] = [];

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://look-alike');
    const method = req.method ?? 'GET';
    // Served under the same base path as the target's, so only the host of the base URL differs.
    const path = url.pathname.startsWith(basePath) ? url.pathname.slice(basePath.length) : url.pathname;
    const record: LookAlikeRequest = { method, path, headers: req.headers };
    requests.push(record);
    res.once('finish', () => (record.status = res.statusCode));
    if (options.missing.some((name) => OPERATIONS[name].method === method && OPERATIONS[name].path.test(path))) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ detail: 'Not Found' }));
      req.resume();
      return;
    }
    const upstream = httpRequest(
      { host: target.hostname, port: target.port, method, path: `${basePath}${path}${url.search}`, headers: { ...req.headers, host: target.host } },
      (answer) => bend(method, path, answer, res, options.streamEnding, streams),
    );
    upstream.once('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${basePath}`,
    requests,
    streams,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function bend(method: string, path: string, answer: IncomingMessage, res: ServerResponse, ending: StreamEnding, streams: string[]): void {
  const status = answer.statusCode ?? 502;
  const type = String(answer.headers['content-type'] ?? '');
  const created = method === 'POST' && status === 200 && CREATES.some((pattern) => pattern.test(path));
  const outStatus = created ? 201 : status;
  if (type.includes('text/event-stream')) {
    res.writeHead(outStatus, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const index = streams.push('') - 1;
    let buffered = '';
    const send = (text: string) => {
      streams[index] += text;
      res.write(text);
    };
    answer.setEncoding('utf8');
    answer.on('data', (chunk: string) => {
      if (res.writableEnded) return;
      buffered += chunk;
      for (let end = buffered.indexOf('\n\n'); end >= 0; end = buffered.indexOf('\n\n')) {
        const frame = buffered.slice(0, end + 2);
        buffered = buffered.slice(end + 2);
        if (!/^event: done$/m.test(frame)) send(frame);
        else if (ending === 'quoted-done') send('data: "[DONE]"\n\n');
        if (ending === 'cut-mid-run' && /^event: thread\.run\.in_progress$/m.test(frame)) {
          answer.destroy();
          res.end();
          return;
        }
      }
    });
    answer.once('end', () => res.end());
    answer.once('error', () => (res.writableEnded ? undefined : res.destroy()));
    return;
  }
  const chunks: Buffer[] = [];
  answer.on('data', (chunk: Buffer) => chunks.push(chunk));
  answer.once('end', () => {
    let body = Buffer.concat(chunks).toString('utf8');
    if (method === 'GET' && status === 200 && type.includes('application/json')) {
      const parsed = JSON.parse(body) as Record<string, unknown>;
      if (parsed['object'] === 'list') {
        delete parsed['object'];
        delete parsed['first_id'];
        body = JSON.stringify(parsed);
      }
    }
    res.writeHead(outStatus, { 'content-type': type || 'application/json' });
    res.end(body);
  });
}
