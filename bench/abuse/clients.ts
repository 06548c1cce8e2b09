/**
 * Real clients for the probes: node:http requests (own agents, own local addresses), graphql-ws over `ws`
 * by hand, and Server-Sent Events over a POST. No client retries anything: what the gateway answers is recorded.
 */
import { Agent, request as httpRequestRaw, type OutgoingHttpHeaders } from 'node:http';
import WebSocket from 'ws';
import { metricValue } from '../lib/prometheus.js';

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** Milliseconds from the request's start to the end of the answer. */
  ms: number;
}

export interface HttpOptions {
  method?: string;
  headers?: OutgoingHttpHeaders;
  body?: string | Buffer;
  agent?: Agent | false;
  timeoutMs?: number;
  localAddress?: string;
  signal?: AbortSignal;
}

/** One HTTP request; rejects with the socket error (ECONNREFUSED, ECONNRESET, timeout…) as `code`. */
export function httpRequest(url: string, options: HttpOptions = {}): Promise<HttpAnswer> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const body = options.body;
    const req = httpRequestRaw(
      url,
      {
        method: options.method ?? (body === undefined ? 'GET' : 'POST'),
        headers: { ...(body !== undefined ? { 'content-length': Buffer.byteLength(body) } : {}), ...options.headers },
        agent: options.agent ?? false,
        ...(options.localAddress ? { localAddress: options.localAddress } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - started }));
        res.on('error', reject);
      },
    );
    if (options.timeoutMs !== undefined) {
      req.setTimeout(options.timeoutMs, () => req.destroy(Object.assign(new Error('client timeout'), { code: 'CLIENT_TIMEOUT' })));
    }
    req.on('error', reject);
    req.end(body);
  });
}

export interface GraphqlAnswer extends HttpAnswer {
  /** extensions.code of the first error, or 'ok', or `http <status>` when the body is not GraphQL. */
  code: string;
  reason: string | undefined;
  body: { data?: unknown; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> } | undefined;
}

export function classify(answer: HttpAnswer): GraphqlAnswer {
  let body: GraphqlAnswer['body'];
  try {
    body = JSON.parse(answer.text) as GraphqlAnswer['body'];
  } catch {
    body = undefined;
  }
  const first = body?.errors?.[0];
  const code = body === undefined ? `http ${answer.status}` : first ? String(first.extensions?.['code'] ?? 'no code') : 'ok';
  const reason = first?.extensions?.['reason'];
  return { ...answer, body, code, reason: typeof reason === 'string' ? reason : undefined };
}

export const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' };

export async function gql(url: string, query: string, variables: Record<string, unknown> = {}, options: Omit<HttpOptions, 'body'> = {}): Promise<GraphqlAnswer> {
  return classify(await httpRequest(url, { ...options, headers: { ...JSON_HEADERS, ...options.headers }, body: JSON.stringify({ query, variables }) }));
}

/** A request that may fail at the socket: the error code instead of a rejection. */
export async function settle<T>(work: Promise<T>): Promise<T | { error: string }> {
  try {
    return await work;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { error: code ?? (error as Error).message };
  }
}

export async function scrape(origin: string): Promise<string> {
  return (await httpRequest(`${origin}/metrics`, { timeoutMs: 10_000 })).text;
}

export async function metric(origin: string, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  return metricValue(await scrape(origin), name, labels);
}

export interface WsEvent {
  at: number;
  kind: 'next' | 'error' | 'complete' | 'close';
  payload?: unknown;
  code?: number;
}

/** One graphql-ws connection with one subscription, recording every event with its time. */
export interface WsSubscription {
  readonly events: WsEvent[];
  readonly closed: Promise<WsEvent>;
  close(): void;
  terminate(): void;
}

export function wsSubscribe(
  wsUrl: string,
  query: string,
  variables: Record<string, unknown>,
  options: { connectionParams?: Record<string, unknown>; onEvent?: (event: WsEvent) => void } = {},
): Promise<WsSubscription> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
    const events: WsEvent[] = [];
    const push = (event: WsEvent) => {
      events.push(event);
      options.onEvent?.(event);
    };
    let settled = false;
    const closed = new Promise<WsEvent>((done) =>
      socket.once('close', (code) => {
        const event: WsEvent = { at: performance.now(), kind: 'close', code };
        push(event);
        done(event);
        if (!settled) {
          settled = true;
          reject(Object.assign(new Error(`closed ${code} before ack`), { code }));
        }
      }),
    );
    socket.once('error', (error) => {
      if (!settled) {
        settled = true;
        reject(error);
      }
    });
    socket.once('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: options.connectionParams ?? {} })));
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString()) as { type: string; payload?: unknown };
      if (message.type === 'connection_ack') {
        socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query, variables } }));
        settled = true;
        resolve({ events, closed, close: () => socket.close(1000), terminate: () => socket.terminate() });
      } else if (message.type === 'next' || message.type === 'error' || message.type === 'complete') {
        push({ at: performance.now(), kind: message.type, payload: message.payload });
      } else if (message.type === 'ping') {
        socket.send(JSON.stringify({ type: 'pong' }));
      }
    });
  });
}

export interface SseEvent {
  at: number;
  event: string;
  data: string;
}

/** A subscription over Server-Sent Events (POST, Accept: text/event-stream), recording every event. */
export function sseSubscribe(url: string, query: string, variables: Record<string, unknown>): { events: SseEvent[]; ended: Promise<number>; abort: () => void } {
  const events: SseEvent[] = [];
  const controller = new AbortController();
  const ended = new Promise<number>((resolve) => {
    const body = JSON.stringify({ query, variables });
    const req = httpRequestRaw(
      url,
      { method: 'POST', agent: false, signal: controller.signal, headers: { 'content-type': 'application/json', accept: 'text/event-stream', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let buffer = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            let event = 'message';
            const data: string[] = [];
            for (const line of block.split('\n')) {
              if (line.startsWith('event:')) event = line.slice(6).trim();
              else if (line.startsWith('data:')) data.push(line.slice(5).trim());
            }
            if (data.length > 0 || event !== 'message') events.push({ at: performance.now(), event, data: data.join('\n') });
          }
        });
        res.on('end', () => resolve(performance.now()));
        res.on('error', () => resolve(performance.now()));
      },
    );
    req.on('error', () => resolve(performance.now()));
    req.end(body);
  });
  return { events, ended, abort: () => controller.abort() };
}
