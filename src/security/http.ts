import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CORSOptions } from 'graphql-yoga';

/**
 * Origins allowed to call cross-origin (CORS) and to open a WebSocket (the same list): the configured ones, `*`
 * for any; requests without an Origin (not from a browser) and same-origin pages (GraphiQL, the console) always.
 */
export class OriginPolicy {
  private readonly origins: ReadonlySet<string>;
  private readonly any: boolean;

  constructor(origins: readonly string[]) {
    this.origins = new Set(origins.filter((origin) => origin !== '*').map((origin) => origin.toLowerCase()));
    this.any = origins.includes('*');
  }

  /** Whether a page at `origin` may talk to this gateway (`host`: the request's Host header). */
  allows(origin: string | null | undefined, host: string | undefined): boolean {
    if (origin === undefined || origin === null) return true;
    const normalised = origin.toLowerCase();
    if (this.any || this.origins.has(normalised)) return true;
    try {
      return host !== undefined && new URL(normalised).host === host.toLowerCase();
    } catch {
      return false;
    }
  }

  /**
   * Yoga's CORS option. Yoga's default echoes any Origin with credentials; here an origin not on the list gets no
   * CORS headers at all, a listed one gets itself back, and never credentials (clients send bearer tokens, not cookies).
   */
  cors(): (request: Request) => CORSOptions {
    return (request) => {
      const origin = request.headers.get('origin');
      if (origin === null || !(this.any || this.origins.has(origin.toLowerCase()))) return false;
      return {
        origin: this.any ? '*' : origin,
        credentials: false,
        methods: ['GET', 'POST', 'OPTIONS'],
        allowedHeaders: ['authorization', 'content-type', 'accept', 'x-graphql-yoga-csrf', 'graphql-client-name'],
        maxAge: 600,
      };
    };
  }
}

function reject(res: ServerResponse, status: number, message: string, code: string): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', connection: 'close' });
  res.end(JSON.stringify({ errors: [{ message, extensions: { code } }] }));
}

/**
 * Reads a request body up to `maxBytes` before yoga parses anything: a declared length over the limit is refused at
 * once (413), a streamed body as soon as it passes it. Compressed bodies are refused (415), so a small gzip cannot
 * expand past the limit. On success a JSON body is left parsed on `req.body` (yoga's node adapter takes it as is, so it
 * is parsed once, and invalid JSON gets a fixed 400 that does not quote the parser), any other body as its bytes.
 * Returns false when it has answered.
 */
export async function readBoundedBody(req: IncomingMessage, res: ServerResponse, maxBytes: number): Promise<boolean> {
  if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return true;
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase().trim();
  if (encoding !== 'identity') {
    reject(res, 415, 'Compressed request bodies are not accepted.', 'UNSUPPORTED_MEDIA_TYPE');
    req.resume();
    return false;
  }
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  if (declared > maxBytes) {
    reject(res, 413, 'The request body is too large.', 'PAYLOAD_TOO_LARGE');
    res.once('finish', () => req.destroy());
    return false;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  const complete = await new Promise<boolean>((resolve) => {
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.off('data', onData);
        req.pause();
        resolve(false);
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(true));
    req.once('error', () => resolve(false));
    req.once('close', () => resolve(size <= maxBytes && req.complete));
  });
  if (!complete) {
    if (!res.headersSent && !res.destroyed) {
      reject(res, 413, 'The request body is too large.', 'PAYLOAD_TOO_LARGE');
      res.once('finish', () => req.destroy());
    }
    return false;
  }
  const bytes = Buffer.concat(chunks);
  if (isJson(req.headers['content-type'])) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(bytes.toString('utf8'));
    } catch {
      // The parser's message quotes the body back; the caller gets a fixed one.
      reject(res, 400, 'POST body sent invalid JSON.', 'BAD_REQUEST');
      return false;
    }
    // Only a non-empty object goes as parsed: the adapter lists its keys (an array's are its items; batching is off).
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) && Object.keys(parsed).length > 0) {
      (req as IncomingMessage & { body?: unknown }).body = parsed;
      return true;
    }
  }
  (req as IncomingMessage & { body?: unknown }).body = bytesBody(bytes);
  return true;
}

const isJson = (contentType: string | undefined): boolean => contentType !== undefined && /^application\/(graphql\+)?json\b/i.test(contentType.trim());

/**
 * The bytes in the shape yoga's node adapter takes as a body cheaply. It decides with `Object.keys(body).length`,
 * which for a Buffer, typed array or string lists every index (~450 ms for 2 MB); one key and an async iterator
 * make it hand the bytes to the Request as they are.
 */
function bytesBody(bytes: Buffer): { bytes: Buffer; [Symbol.asyncIterator](): AsyncGenerator<Buffer> } {
  return {
    bytes,
    async *[Symbol.asyncIterator]() {
      yield bytes;
    },
  };
}
