import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { bodyTooLarge, incorrectApiKey, malformedJson, missingApiKey } from './errors.js';

export function newRequestId(): string {
  return `req_${randomBytes(16).toString('hex')}`;
}

export function headerValue(req: IncomingMessage, name: string): string {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(',') : (value ?? '');
}

/** Requires `Authorization: Bearer <apiKey>` when a key is set; the 401 masks what was given. */
export function checkBearerKey(req: IncomingMessage, apiKey: string | undefined): void {
  if (apiKey === undefined) return;
  const given = /^Bearer\s+(.+)$/i.exec(headerValue(req, 'authorization'))?.[1]?.trim();
  if (!given) throw missingApiKey();
  if (given !== apiKey) throw incorrectApiKey(given);
}

/** The body parsed as JSON; undefined when it is empty. Over `limitBytes` is a 413, bad JSON a 400. */
/** The body exactly as it came (a signature is over these bytes), refused past `limitBytes`. */
export async function readRawBody(req: IncomingMessage, limitBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limitBytes) throw bodyTooLarge(limitBytes);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function readJsonBody(req: IncomingMessage, limitBytes: number): Promise<unknown> {
  const text = await readRawBody(req, limitBytes);
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw malformedJson();
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
