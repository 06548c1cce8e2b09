/** Plain HTTP and spec look-ups that the embedded servers' suites (runs API, Responses API) share. */
import { expect } from 'vitest';

export interface RawResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** A plain JSON call, for tests that need to see exactly what an API sent; event streams and empty bodies stay text. */
export async function rawCall<T = any>(url: string, method: string, headers: Record<string, string>, options: { body?: unknown; rawBody?: string }): Promise<RawResponse<T>> {
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const response = await fetch(url, { method, headers: { 'content-type': 'application/json', ...headers }, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // event streams and empty bodies stay text
  }
  return { status: response.status, headers: response.headers, body: parsed as T, text };
}

/** A 200 JSON answer as both embedded servers give one: the content type and a request id. */
export function expectJsonOk(response: RawResponse, what: string): void {
  expect(response.status, `${what}: ${response.text}`).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  expect(response.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/);
}

export interface SseEvent {
  event: string;
  /** Parsed JSON, or the raw string for `[DONE]`. */
  data: any;
}

/** Splits a finished `text/event-stream` body into its events. */
export function parseEvents(text: string): SseEvent[] {
  const events: SseEvent[] = [];
  for (const block of text.split('\n\n')) {
    if (block.trim() === '') continue;
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
    }
    const joined = data.join('\n');
    events.push({ event, data: joined === '[DONE]' ? joined : JSON.parse(joined) });
  }
  return events;
}

type SpecPaths = Record<string, Record<string, unknown>>;

/** The response schema a document names for an operation's 200 answer, e.g. RunObject. */
export function responseSchemaName(paths: SpecPaths, method: string, route: string): string {
  const operation = paths[route]?.[method.toLowerCase()] as { responses: Record<string, { content?: Record<string, { schema: { $ref: string } }> }> } | undefined;
  const ref = operation?.responses['200']?.content?.['application/json']?.schema.$ref;
  if (!ref) throw new Error(`no 200 schema for ${method} ${route}`);
  return ref.split('/').at(-1) ?? '';
}

/** Every GET/POST/DELETE operation of a document as `METHOD /route`. */
export function specOperations(paths: SpecPaths): string[] {
  return Object.entries(paths).flatMap(([route, operations]) =>
    Object.keys(operations)
      .filter((method) => ['get', 'post', 'delete'].includes(method))
      .map((method) => `${method.toUpperCase()} ${route}`),
  );
}
