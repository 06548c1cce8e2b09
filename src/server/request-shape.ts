import type { IncomingMessage } from 'node:http';

/**
 * What the two paths in front of yoga (the answer cache and the direct path) agree on: which requests they may take,
 * and which request headers the answer yoga gives depends on. Anything else goes to yoga.
 */

/**
 * The JSON body of a POST whose fields are all in `fields` and whose answer is one JSON document (not Server-Sent
 * Events or multipart); undefined otherwise.
 */
export function plainJsonBody(req: IncomingMessage, fields: ReadonlySet<string>): Record<string, unknown> | undefined {
  if (req.method !== 'POST') return undefined;
  const body = (req as IncomingMessage & { body?: unknown }).body;
  if (body === null || typeof body !== 'object' || Array.isArray(body) || body instanceof Uint8Array) return undefined;
  for (const name in body) if (!fields.has(name)) return undefined;
  const accept = req.headers.accept ?? '';
  if (accept.includes('text/event-stream') || accept.includes('multipart/')) return undefined;
  return body as Record<string, unknown>;
}

/** The request headers yoga's answer depends on: content negotiation, compression, CSRF prevention, CORS. */
export function answerHeadersKey(req: IncomingMessage): string {
  const { headers } = req;
  return `${headers.accept ?? ''}\u0000${headers['accept-encoding'] ?? ''}\u0000${headers['content-type'] ?? ''}\u0000${headers.origin ?? ''}`;
}

/** Response headers that belong to one response or connection, never replayed on another. */
export const PER_RESPONSE_HEADERS: ReadonlySet<string> = new Set(['x-request-id', 'date', 'connection', 'keep-alive', 'transfer-encoding']);
