import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Identity } from '../security/auth.js';
import { FINISHED_BOUNDS, FinishedResults, type FinishedBounds } from './shared-execution.js';
import { hashKey } from './operation-key.js';

/** What a cached answer was made by: the log line and metrics of a hit name it. */
export interface AnsweredOperation {
  type: 'query';
  name: string | undefined;
}

interface Answer {
  status: number;
  headers: OutgoingHttpHeaders;
  body: Buffer;
  operation: AnsweredOperation;
}

export interface AnswerCacheOptions {
  /** Off while shared executions or the read cache are off (both are read per request: benchmarks flip them). */
  enabled: () => boolean;
  /** The upstream client's write generation: an answer made before a write through this instance is never served. */
  generation: () => number;
  now?: () => number;
  /** The same authentication as the GraphQL endpoint's (a refusal falls through to yoga, which answers 401). */
  authenticate: (authorization: string | undefined) => Promise<Identity>;
  /** Where the identity found is left for yoga's authentication, so that a miss is not authenticated twice. */
  authenticated: WeakMap<object, Identity>;
  /** Takes one operation's token from the caller's bucket; false when refused (then yoga answers the 429). */
  admit: (identity: Identity, req: IncomingMessage) => Promise<boolean>;
  /** The per-operation log line, metrics and span of an answer served from here. */
  served: (operation: AnsweredOperation, durationMs: number) => void;
  bounds?: Partial<FinishedBounds>;
}

/** The fields of a JSON body this path answers; anything else (extensions: persisted documents…) goes to yoga. */
const BODY_FIELDS = new Set(['query', 'operationName', 'variables']);
/** Per-connection or per-request headers, never replayed from another response. */
const OWN_HEADERS = new Set(['x-request-id', 'date', 'connection', 'keep-alive', 'transfer-encoding']);
const REPLAYABLE_TYPE = /^application\/(graphql-response\+)?json\b/i;

interface Filling {
  key: string;
  /** Who the answer is counted against (subject, or address without authentication). */
  client: string;
  operation?: AnsweredOperation;
  validUntil?: number;
  generation?: number;
  chunks: Buffer[];
}

/**
 * Identical HTTP queries whose shared result is still fresh, answered from the bytes of the response yoga wrote for
 * the first of them, before a Fetch Request, yoga's pipeline and envelop's hooks are built for it. What depends on
 * the request is still done per request: authentication (the same authenticator; a refusal goes on to yoga, which
 * answers it), the rate limit (one token, as the operation would cost; a refusal goes on to yoga, which answers the
 * 429), the log line, metrics and span (`served`), the request id header.
 *
 * An answer is kept only when the shared-execution plugin says its result may be reused (`offer`: no errors, every
 * upstream answer it used younger than the read cache's age, no write since it began), for exactly as long as that
 * result may, and only for the same caller (subject, admin, method), the same body text fields (query, operation
 * name, variables) and the same request headers a response depends on (accept, accept-encoding, content-type,
 * origin). Everything yoga checks per document (parse, validation, limits, introspection) gave the same answer for
 * the same text: the answer kept is the one it let through.
 */
export class AnswerCache {
  private readonly answers: FinishedResults<Answer>;
  private readonly filling = new WeakMap<IncomingMessage, Filling>();
  private readonly now: () => number;

  constructor(private readonly options: AnswerCacheOptions) {
    this.now = options.now ?? Date.now;
    this.answers = new FinishedResults<Answer>({ ...FINISHED_BOUNDS, ...options.bounds }, this.now, (answer) => answer.body.length + 256);
  }

  get size(): number {
    return this.answers.size;
  }

  /** Answers `req` when a fresh answer is kept for it (true); otherwise prepares to keep the one yoga writes. */
  async answer(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    if (req.method !== 'POST' || !this.options.enabled()) return false;
    const body = (req as IncomingMessage & { body?: unknown }).body;
    if (body === null || typeof body !== 'object' || Array.isArray(body) || body instanceof Uint8Array) return false;
    const fields = body as Record<string, unknown>;
    if (typeof fields['query'] !== 'string') return false;
    for (const name in fields) if (!BODY_FIELDS.has(name)) return false;
    const accept = req.headers.accept ?? '';
    if (accept.includes('text/event-stream') || accept.includes('multipart/')) return false;
    const started = performance.now();
    let identity: Identity;
    try {
      identity = await this.options.authenticate(req.headers.authorization);
    } catch {
      return false;
    }
    this.options.authenticated.set(req, identity);
    const key = hashKey(
      [
        identity.subject,
        identity.admin ? '1' : '0',
        identity.method,
        accept,
        req.headers['accept-encoding'] ?? '',
        req.headers['content-type'] ?? '',
        req.headers.origin ?? '',
        typeof fields['operationName'] === 'string' ? fields['operationName'] : '',
        fields['query'],
        JSON.stringify(fields['variables'] ?? null),
      ].join('\u0000'),
    );
    this.answers.sweep();
    const kept = this.answers.get(key);
    if (kept && kept.validUntil > this.now() && kept.generation === this.options.generation()) {
      if (!(await this.options.admit(identity, req))) return false;
      const answer = kept.result;
      res.writeHead(answer.status, answer.headers);
      res.end(answer.body);
      this.options.served(answer.operation, performance.now() - started);
      return true;
    }
    if (kept) this.answers.delete(key);
    this.capture(req, res, { key, client: identity.method !== 'none' ? `subject:${identity.subject}` : `address:${req.socket.remoteAddress ?? 'unknown'}`, chunks: [] });
    return false;
  }

  /**
   * The shared-execution plugin's word that the result of `req`'s execution may be reused until `validUntil` (made
   * in write generation `generation`): the response yoga writes for it is kept for as long.
   */
  offer(req: IncomingMessage | undefined, operation: AnsweredOperation, meta: { validUntil: number; generation: number }): void {
    const filling = req ? this.filling.get(req) : undefined;
    if (!filling) return;
    filling.operation = operation;
    filling.validUntil = meta.validUntil;
    filling.generation = meta.generation;
  }

  private capture(req: IncomingMessage, res: ServerResponse, filling: Filling): void {
    this.filling.set(req, filling);
    // Only this response's own methods are wrapped, and only on a miss: the bytes yoga writes are the answer kept.
    const write = res.write;
    const end = res.end;
    const record = (chunk: unknown) => {
      if (typeof chunk === 'string') filling.chunks.push(Buffer.from(chunk));
      else if (chunk instanceof Uint8Array) filling.chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    };
    res.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
      record(chunk);
      return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
    } as ServerResponse['write'];
    res.end = function (this: ServerResponse, chunk?: unknown, ...rest: unknown[]) {
      if (typeof chunk !== 'function') record(chunk);
      return (end as (...args: unknown[]) => ServerResponse).call(this, chunk, ...rest);
    } as ServerResponse['end'];
    res.once('finish', () => {
      this.filling.delete(req);
      this.keep(res, filling);
    });
  }

  private keep(res: ServerResponse, filling: Filling): void {
    const { operation, validUntil, generation } = filling;
    if (!operation || validUntil === undefined || generation === undefined) return;
    if (res.statusCode !== 200 || validUntil <= this.now() || generation !== this.options.generation()) return;
    const headers: OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(res.getHeaders())) if (!OWN_HEADERS.has(name) && value !== undefined) headers[name] = value;
    if (headers['set-cookie'] !== undefined || !REPLAYABLE_TYPE.test(String(headers['content-type'] ?? ''))) return;
    const body = Buffer.concat(filling.chunks);
    // Written as it was sent or not at all.
    if (headers['content-length'] !== undefined && Number(headers['content-length']) !== body.length) return;
    this.answers.add(filling.key, { status: 200, headers, body, operation }, { validUntil, generation, client: filling.client });
  }
}
