import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import { startResponsesApi, type ResponsesApi, type ResponsesApiOptions } from '../../src/responses-api/index.js';
import { checkResponsesSchema, eventSchemaNames } from '../../src/spec/responses.js';
import { rawCall, type RawResponse } from '../helpers/wire-http.js';

export type { ResponsesApi };
export { parseEvents, type RawResponse, type SseEvent } from '../helpers/wire-http.js';

/** The embedded Responses API on port 0 with short steps. Close it in afterAll. */
export function startTestResponsesApi(options: ResponsesApiOptions & { port?: number; host?: string } = {}): Promise<ResponsesApi> {
  return startResponsesApi({ port: 0, stepMs: 25, ...options });
}

export const SECRET = `whsec_${Buffer.from('responses-api-test-key-32-bytes!').toString('base64')}`;

/** A plain HTTP call, for tests that need to see exactly what the API sent. */
export function call<T = any>(api: ResponsesApi, method: string, path: string, options: { body?: unknown; rawBody?: string; headers?: Record<string, string> } = {}): Promise<RawResponse<T>> {
  return rawCall<T>(`${api.url}${path}`, method, options.headers ?? {}, options);
}

const EVENT_SCHEMAS = eventSchemaNames();

/** Each event against the spec schema of its own type (a union reports every branch, so this names the real problem). */
export function expectValidEvents(events: Array<{ type: string }>): void {
  for (const event of events) {
    const schema = EVENT_SCHEMAS.get(event.type);
    expect(schema, `an event type the spec defines: ${event.type}`).toBeDefined();
    expect(checkResponsesSchema(schema ?? '', event), `${event.type} #${(event as { sequence_number?: number }).sequence_number}`).toEqual([]);
  }
}

export function expectValid(schema: string, value: unknown): void {
  expect(checkResponsesSchema(schema, value), schema).toEqual([]);
}

const ENDED = ['completed', 'failed', 'incomplete', 'cancelled'];

/** Polls a response until it has ended (or reached one of `statuses`). */
export async function waitForResponse(api: ResponsesApi, id: string, options: { statuses?: string[]; timeoutMs?: number; headers?: Record<string, string> } = {}): Promise<any> {
  const { statuses = ENDED, timeoutMs = 5_000, headers } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await call(api, 'GET', `/responses/${id}`, { headers });
    if (statuses.includes(body.status)) return body;
    if (Date.now() > deadline) throw new Error(`response ${id} is ${body.status}, still not ${statuses.join('|')} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export interface ReceivedWebhook {
  headers: Record<string, string>;
  body: string;
}

/** A real HTTP receiver for webhooks; `answer` decides each status (200 by default). */
export async function startReceiver(answer: (hook: ReceivedWebhook) => number = () => 200): Promise<{ url: string; received: ReceivedWebhook[]; close(): Promise<void> }> {
  const received: ReceivedWebhook[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const hook = { headers: req.headers as Record<string, string>, body: Buffer.concat(chunks).toString('utf8') };
      received.push(hook);
      res.writeHead(answer(hook)).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`,
    received,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
