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
const BODY_TEXT = Symbol('bodyText');

/** The text of the JSON body `readBoundedBody` left parsed on `req.body`, as it came; undefined for any other body. */
export function jsonBodyText(req: IncomingMessage): string | undefined {
  return (req as IncomingMessage & { [BODY_TEXT]?: string })[BODY_TEXT];
}

export async function readBoundedBody(req: IncomingMessage, res: ServerResponse, maxBytes: number): Promise<boolean> {
  if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return true;
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding !== 'identity' && encoding.toLowerCase().trim() !== 'identity') {
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
  const bytes = await boundedBytes(req, maxBytes);
  if (bytes === undefined) {
    if (!res.headersSent && !res.destroyed) {
      reject(res, 413, 'The request body is too large.', 'PAYLOAD_TOO_LARGE');
      res.once('finish', () => req.destroy());
    }
    return false;
  }
  if (isJson(req.headers['content-type'])) {
    let parsed: unknown;
    const text = bytes.toString('utf8');
    try {
      parsed = JSON.parse(text);
    } catch {
      // The parser's message quotes the body back; the caller gets a fixed one.
      reject(res, 400, 'POST body sent invalid JSON.', 'BAD_REQUEST');
      return false;
    }
    // Only a non-empty object goes as parsed: the adapter lists its keys (an array's are its items; batching is off).
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) && hasOwnKey(parsed)) {
      (req as IncomingMessage & { body?: unknown; [BODY_TEXT]?: string }).body = parsed;
      (req as IncomingMessage & { [BODY_TEXT]?: string })[BODY_TEXT] = text;
      return true;
    }
  }
  (req as IncomingMessage & { body?: unknown }).body = bytesBody(bytes);
  return true;
}

/**
 * The whole body, or undefined once it passes `maxBytes` (the stream is paused there) or fails. A small body comes
 * as one chunk, which is taken as it is rather than copied by a concat. The listeners are methods of one object (no
 * closure per listener, no `once` wrappers): resolving twice is harmless, so they need not be removed.
 */
function boundedBytes(req: IncomingMessage, maxBytes: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    let first: Buffer | undefined;
    let more: Buffer[] | undefined;
    let size = 0;
    const body = () => (more === undefined ? (first ?? Buffer.alloc(0)) : Buffer.concat(more, size));
    const listeners = {
      data(chunk: Buffer) {
        size += chunk.length;
        if (size > maxBytes) {
          req.off('data', listeners.data);
          req.pause();
          resolve(undefined);
        } else if (first === undefined) {
          first = chunk;
        } else {
          (more ??= [first]).push(chunk);
        }
      },
      end() {
        resolve(size <= maxBytes ? body() : undefined);
      },
      error() {
        resolve(undefined);
      },
      close() {
        resolve(size <= maxBytes && req.complete ? body() : undefined);
      },
    };
    req.on('data', listeners.data);
    req.on('end', listeners.end);
    req.on('error', listeners.error);
    req.on('close', listeners.close);
  });
}

function hasOwnKey(value: object): boolean {
  for (const key in value) if (Object.hasOwn(value, key)) return true;
  return false;
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
