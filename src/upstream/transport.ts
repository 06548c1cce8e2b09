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

/** An upstream origin, parsed once: node parses a URL string with the URL class on every call. */
interface Origin {
  secure: boolean;
  hostname: string;
  port: string;
  auth: string | undefined;
  /** The Host header node would write for this origin. */
  hostHeader: string;
  agent: http.Agent;
  send: typeof http.request;
}

/**
 * The body of one response, read from the moment its head arrives (so that a caller that never asks for it cannot
 * leave it unhandled), and a promise made only when someone asks for it.
 */
class BodyReader {
  #chunks: Buffer[] = [];
  #text: string | undefined;
  #error: Error | undefined;
  #waiting: { resolve: (text: string) => void; reject: (error: Error) => void } | undefined;

  constructor(res: http.IncomingMessage) {
    res.on('data', (chunk: Buffer) => this.#chunks.push(chunk));
    res.once('end', () => this.#end());
    res.once('error', (error: Error) => this.#fail(error));
    res.once('aborted', () => this.#fail(new Error('the upstream connection closed mid-body')));
  }

  text(): Promise<string> {
    if (this.#text !== undefined) return Promise.resolve(this.#text);
    if (this.#error !== undefined) return Promise.reject(this.#error);
    return new Promise((resolve, reject) => (this.#waiting = { resolve, reject }));
  }

  #end(): void {
    if (this.#text !== undefined || this.#error !== undefined) return;
    const chunks = this.#chunks;
    this.#text = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
    this.#chunks = [];
    this.#waiting?.resolve(this.#text);
  }

  #fail(error: Error): void {
    if (this.#text !== undefined || this.#error !== undefined) return;
    this.#error = error;
    this.#chunks = [];
    this.#waiting?.reject(error);
  }
}

/**
 * A GET's headers as node's raw header list, Host included: node then writes them as they are, where an object
 * of headers costs a validated setHeader each and a second pass to write them. Names repeated in another casing
 * keep the last value under the last casing, at the first one's place, as setHeader does.
 */
function rawGetHeaders(headers: Readonly<Record<string, string>>, hostHeader: string): string[] {
  const raw: string[] = [];
  let at: Map<string, number> | undefined;
  for (const name of Object.keys(headers)) {
    const lower = name.toLowerCase();
    const seen = (at ??= new Map()).get(lower);
    if (seen === undefined) {
      at.set(lower, raw.length);
      raw.push(name, headers[name]!);
    } else {
      raw[seen] = name;
      raw[seen + 1] = headers[name]!;
    }
  }
  raw.push('Host', hostHeader);
  return raw;
}

/** What node's own Host header is for an origin (lib/_http_client.js). */
function hostHeaderOf(hostname: string, port: string, secure: boolean): string {
  const host = hostname.includes(':') && !hostname.startsWith('[') ? `[${hostname}]` : hostname;
  return port !== '' && Number(port) !== (secure ? 443 : 80) ? `${host}:${port}` : host;
}

const hasHost = (headers: Readonly<Record<string, string>>) => Object.keys(headers).some((name) => name.toLowerCase() === 'host');

/**
 * node:http(s) with keep-alive connection pools, one per protocol. Written by hand rather than with the global fetch
 * because fetch costs about three times the CPU per call here (WHATWG Request, Headers and body streams for a few
 * hundred bytes of JSON), and the pollers and cache misses make many such calls. Idle pooled sockets are unref'd
 * by node's Agent, so they never keep the process alive.
 *
 * A GET (what every read and poll is) goes out with its headers as a raw list built once per headers object
 * (the endpoint's are frozen and shared) and origin; other requests, and any whose headers name their own Host or
 * whose URL carries credentials, with an object of headers, for node to complete.
 */
export function httpTransport(options: { maxSockets: number }): Transport {
  const agents = {
    http: new http.Agent({ keepAlive: true, maxSockets: options.maxSockets }),
    https: new https.Agent({ keepAlive: true, maxSockets: options.maxSockets }),
  };
  const origins = new Map<string, Origin>();
  const originOf = (origin: string): Origin => {
    let known = origins.get(origin);
    if (!known) {
      const parsed = new URL(origin);
      const secure = parsed.protocol === 'https:';
      const hostname = parsed.hostname.startsWith('[') ? parsed.hostname.slice(1, -1) : parsed.hostname;
      const auth = parsed.username || parsed.password ? `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}` : undefined;
      known = { secure, hostname, port: parsed.port, auth, hostHeader: hostHeaderOf(hostname, parsed.port, secure), agent: secure ? agents.https : agents.http, send: secure ? https.request : http.request };
      // Origins come from the config (a handful); the bound only guards against a caller that makes many.
      if (origins.size >= 64) origins.clear();
      origins.set(origin, known);
    }
    return known;
  };
  /** Raw GET headers by headers object; each remembers the origin it was built for (one, in practice). */
  const rawHeaders = new WeakMap<object, { origin: Origin; raw: string[] }>();
  const getHeadersFor = (headers: Readonly<Record<string, string>>, origin: Origin): string[] => {
    const known = rawHeaders.get(headers);
    if (known?.origin === origin) return known.raw;
    const raw = rawGetHeaders(headers, origin.hostHeader);
    if (Object.isFrozen(headers)) rawHeaders.set(headers, { origin, raw });
    return raw;
  };
  return (url, request) =>
    new Promise<TransportResponse>((resolve, reject) => {
      // The client builds `url` with the URL class: only the scheme is left to check here.
      if (!url.startsWith('https:') && !url.startsWith('http:')) return reject(new Error(`unsupported protocol in ${url.slice(0, url.indexOf(':') + 1)}`));
      const { signal } = request;
      if (signal.aborted) return reject(abortErrorOf(signal));
      const pathAt = url.indexOf('/', url.indexOf('//') + 2);
      const origin = originOf(pathAt < 0 ? url : url.slice(0, pathAt));
      const path = pathAt < 0 ? '/' : url.slice(pathAt);
      const raw = request.method === 'GET' && request.body === undefined && origin.auth === undefined && !hasHost(request.headers);
      const headers = raw ? getHeadersFor(request.headers, origin) : request.headers;
      const target = { protocol: origin.secure ? 'https:' : 'http:', hostname: origin.hostname, port: origin.port, path, method: request.method, headers, agent: origin.agent };
      const req = origin.send(origin.auth === undefined ? target : { ...target, auth: origin.auth }, (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 300 && status < 400) {
          res.destroy();
          return reject(new Error(`the upstream redirected (${status})`));
        }
        const body = new BodyReader(res);
        resolve({ status, ok: status >= 200 && status < 300, headers: new NodeHeaders(res.headers), text: () => body.text() });
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
