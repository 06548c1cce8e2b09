import { createClient, type Client } from 'graphql-ws';
import { EventSourceParserStream } from 'eventsource-parser/stream';
import WebSocket from 'ws';
import type { GraphQLResponse } from './stack.js';

export interface Collected<TData> {
  results: Array<GraphQLResponse<TData>>;
  /** Resolves when the server completes the operation; rejects on a socket or protocol error. */
  done: Promise<void>;
  stop: () => void;
}

/** A real graphql-ws client (Node `ws`), no reconnects: a test sees exactly what the server does. */
export function createWsClient(url: string, connectionParams?: Record<string, unknown>): Client {
  return createClient({ url, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true, ...(connectionParams ? { connectionParams } : {}) });
}

/** `count` graphql-ws clients whose sockets are open and acknowledged (subscribing on them then costs no handshake). */
export async function connectedWsClients(url: string, count: number): Promise<Client[]> {
  const clients = Array.from({ length: count }, () => createClient({ url, webSocketImpl: WebSocket, retryAttempts: 0, lazy: false }));
  try {
    await Promise.all(
      clients.map(
        (client) =>
          new Promise<void>((resolve, reject) => {
            const stops = [client.on('connected', () => (stops.forEach((stop) => stop()), resolve())), client.on('error', (error) => (stops.forEach((stop) => stop()), reject(error)))];
          }),
      ),
    );
  } catch (error) {
    await Promise.all(clients.map((client) => client.dispose()));
    throw error;
  }
  return clients;
}

export function subscribeWs<TData = Record<string, any>>(client: Client, query: string, variables?: Record<string, unknown>): Collected<TData> {
  const results: Array<GraphQLResponse<TData>> = [];
  let stop: () => void = () => undefined;
  const done = new Promise<void>((resolve, reject) => {
    stop = client.subscribe<TData>({ query, variables: variables ?? {} }, {
      next: (value) => void results.push(value as GraphQLResponse<TData>),
      error: (error) => {
        // Operation errors (e.g. NOT_FOUND before the first event) arrive as a list of GraphQL errors.
        if (Array.isArray(error)) {
          results.push({ errors: error });
          resolve();
        } else reject(error instanceof Error ? error : new Error(`socket closed: ${JSON.stringify(error)}`));
      },
      complete: resolve,
    });
  });
  // A test that stops early or disposes the client need not await `done`.
  done.catch(() => undefined);
  return { results, done, stop: () => stop() };
}

/** Yoga's Server-Sent Events transport, read with a real SSE parser. */
export function subscribeSse<TData = Record<string, any>>(url: string, query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Collected<TData> {
  const results: Array<GraphQLResponse<TData>> = [];
  const controller = new AbortController();
  const done = (async () => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
      body: JSON.stringify({ query, variables }),
      signal: controller.signal,
    });
    if (!response.ok || !response.body) throw new Error(`SSE request failed: ${response.status}`);
    const reader = response.body
      .pipeThrough(new TextDecoderStream() as unknown as ReadableWritablePair<string, Uint8Array>)
      .pipeThrough(new EventSourceParserStream())
      .getReader();
    for (;;) {
      const { done: ended, value } = await reader.read();
      if (ended) return;
      if (value.event === 'complete') {
        await reader.cancel();
        return;
      }
      if (value.event === 'next' || value.event === undefined) results.push(JSON.parse(value.data) as GraphQLResponse<TData>);
    }
  })();
  done.catch(() => undefined);
  return { results, done, stop: () => controller.abort() };
}
