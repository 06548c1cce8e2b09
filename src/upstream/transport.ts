import http from 'node:http';
import https from 'node:https';
import { abortSignalOf, type ClientSignal } from './interest.js';

/** The response headers the client reads (`Headers` has this shape too). */
export interface HeaderReader {
  get(name: string): string | null;
}

export interface TransportResponse {
  status: number;
  ok: boolean;
  headers: HeaderReader;
  /** The whole body; rejects when the connection breaks or the request's signal aborts first. */
  text(): Promise<string>;
}

export interface TransportRequest {
  method: string;
  headers: Readonly<Record<string, string>>;
  body?: string;
  /** An AbortSignal or any signal of its shape (the request core's attempts use a cheaper one). */
  signal: ClientSignal;
}

/** One JSON request/response exchange with the upstream. A redirect is a failure (the key must not follow it). */
export type Transport = (url: string, request: TransportRequest) => Promise<TransportResponse>;

/** Over an injected `fetch` (tests fake the upstream this way). */
export function fetchTransport(doFetch: typeof fetch): Transport {
  return async (url, request) => {
    const response = await doFetch(url, { method: request.method, headers: request.headers, signal: abortSignalOf(request.signal), redirect: 'error', ...(request.body !== undefined ? { body: request.body } : {}) });
    return { status: response.status, ok: response.ok, headers: response.headers, text: () => response.text() };
  };
}

/** The error node's own signal handling destroys a request with (an AbortError caused by the signal's reason). */
function abortErrorOf(signal: ClientSignal): Error {
  return Object.assign(new Error('The operation was aborted', { cause: signal.reason }), { name: 'AbortError', code: 'ABORT_ERR' });
}

class NodeHeaders implements HeaderReader {
  constructor(private readonly raw: http.IncomingHttpHeaders) {}
  get(name: string): string | null {
    const value = this.raw[name.toLowerCase()];
    if (value === undefined) return null;
    return Array.isArray(value) ? value.join(', ') : value;
  }
}

/**
 * node:http(s) with keep-alive connection pools, one per protocol. Written by hand rather than with the global fetch
 * because fetch costs about three times the CPU per call here (WHATWG Request, Headers and body streams for a few
 * hundred bytes of JSON), and the pollers and cache misses make many such calls. Idle pooled sockets are unref'd
 * by node's Agent, so they never keep the process alive.
 */
export function httpTransport(options: { maxSockets: number }): Transport {
  const agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets: options.maxSockets }),
    'https:': new https.Agent({ keepAlive: true, maxSockets: options.maxSockets }),
  };
  // The host part of each upstream origin, parsed once: node parses a URL string with the URL class on every call.
  const origins = new Map<string, { protocol: string; hostname: string; port: string; auth?: string }>();
  const targetOf = (url: string) => {
    const pathAt = url.indexOf('/', url.indexOf('//') + 2);
    const origin = pathAt < 0 ? url : url.slice(0, pathAt);
    let host = origins.get(origin);
    if (!host) {
      const parsed = new URL(origin);
      const hostname = parsed.hostname.startsWith('[') ? parsed.hostname.slice(1, -1) : parsed.hostname;
      const auth = parsed.username || parsed.password ? `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}` : undefined;
      host = { protocol: parsed.protocol, hostname, port: parsed.port, ...(auth !== undefined ? { auth } : {}) };
      // Origins come from the config (a handful); the bound only guards against a caller that makes many.
      if (origins.size >= 64) origins.clear();
      origins.set(origin, host);
    }
    return { ...host, path: pathAt < 0 ? '/' : url.slice(pathAt) };
  };
  return (url, request) =>
    new Promise<TransportResponse>((resolve, reject) => {
      // The client builds `url` with the URL class: only the scheme is left to check here.
      const secure = url.startsWith('https:');
      if (!secure && !url.startsWith('http:')) return reject(new Error(`unsupported protocol in ${url.slice(0, url.indexOf(':') + 1)}`));
      const send = secure ? https.request : http.request;
      const { signal } = request;
      if (signal.aborted) return reject(abortErrorOf(signal));
      const req = send({ ...targetOf(url), method: request.method, headers: request.headers, agent: secure ? agents['https:'] : agents['http:'] }, (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 300 && status < 400) {
          res.destroy();
          return reject(new Error(`the upstream redirected (${status})`));
        }
        const body = new Promise<string>((resolveBody, rejectBody) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.once('end', () => resolveBody(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8')));
          res.once('error', rejectBody);
          res.once('aborted', () => rejectBody(new Error('the upstream connection closed mid-body')));
        });
        // Read at once, so that a caller that never asks for the body cannot leave it unhandled.
        body.catch(() => undefined);
        resolve({ status, ok: status >= 200 && status < 300, headers: new NodeHeaders(res.headers), text: () => body });
      });
      req.once('error', reject);
      // What http.request's `signal` option does (destroy the request, so the body rejects too), with one listener
      // on each side: the option's end-of-stream watch puts half a dozen on the request, per call.
      const onAbort = () => req.destroy(abortErrorOf(signal));
      signal.addEventListener('abort', onAbort, { once: true });
      req.once('close', () => signal.removeEventListener('abort', onAbort));
      if (request.body !== undefined) req.end(request.body);
      else req.end();
    });
}
