import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Identity } from '../security/auth.js';
import { FINISHED_BOUNDS, FinishedResults, type FinishedBounds } from './shared-execution.js';
import { hashKey } from './operation-key.js';
import { PER_RESPONSE_HEADERS, answerHeadersKey, plainJsonBody } from './request-shape.js';
import { jsonBodyText } from '../security/http.js';

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
  /** Off while shared executions are off (read per request: benchmarks flip it). */
  enabled: () => boolean;
  /** The upstream client's write generation: an answer made before a write through this instance is never served. */
  generation: () => number;
  now?: () => number;
  /**
   * The same authentication as the GraphQL endpoint's (a refusal falls through to yoga, which answers 401); an
   * identity known at once (no authentication configured) is given as it is, not as a promise.
   */
  authenticate: (authorization: string | undefined) => Identity | Promise<Identity>;
  /** Where the identity found is left for yoga's authentication, so that a miss is not authenticated twice. */
  authenticated: WeakMap<object, Identity>;
  /** Takes one operation's token from the caller's bucket; false when refused (then yoga answers the 429). */
  admit: (identity: Identity, req: IncomingMessage) => boolean | Promise<boolean>;
  /** The per-operation log line, metrics and span of an answer served from here, for the request `req`. */
  served: (operation: AnsweredOperation, durationMs: number, req: IncomingMessage) => void;
  bounds?: Partial<FinishedBounds>;
}

/** The fields of a JSON body this path answers; anything else (extensions: persisted documents…) goes to yoga. */
const BODY_FIELDS = new Set(['query', 'operationName', 'variables']);
const REPLAYABLE_TYPE = /^application\/(graphql-response\+)?json\b/i;

/**
 * Waiters told at once, then the rest after each turn of the event loop. Four at a time once helped (an answer then
 * cost ~70 µs to write, fifty in one go held back the next request of the first client answered and the upstream
 * read it starts); at ~25 µs a write the turns cost more than they saved: on 50 connections, 0 ms upstream, read
 * cache off, 17,300 → 25,400 req/s, p99 9 → 6 ms, upstream reads 5.5% → 2.2% of requests; at 20 ms, 2,270 → 2,210.
 * The bound stays for a crowd: thousands waiting on one answer still let other requests in between.
 */
const WAITERS_PER_TURN = 64;

/**
 * Tells `waiters` the answer WAITERS_PER_TURN at a time, letting the event loop take new requests in between.
 */
function tellInTurns(waiters: Array<(answer: Answer | undefined) => void>, answer: Answer | undefined): void {
  let next = 0;
  const turn = () => {
    for (const end = Math.min(next + WAITERS_PER_TURN, waiters.length); next < end; next++) waiters[next]!(answer);
    if (next < waiters.length) setImmediate(turn);
  };
  turn();
}

function variablesText(variables: unknown): string | undefined {
  try {
    return JSON.stringify(variables ?? null);
  } catch {
    return undefined;
  }
}

/** Keys up to this long are kept as they are; longer ones as their hash (the table holds 5000 answers at most). */
const MAX_PLAIN_KEY_LENGTH = 4096;

/**
 * What an answer depends on, as one string: the caller, the request headers the answer depends on and the body. The
 * body is taken as the text that came when there is one (identical requests send identical bytes: no parse of it
 * again, no serialisation of its variables), else as its fields. Short keys are used as they are (a hash costs more
 * than the map's own hashing of them), longer ones hashed; the prefix keeps the two kinds apart. Undefined when the
 * variables JSON cannot carry again (nested past the stack): yoga's input bounds answer them.
 */
export function answerKey(req: IncomingMessage, identity: Identity, fields: Record<string, unknown>): string | undefined {
  let body = jsonBodyText(req);
  if (body === undefined) {
    const variables = variablesText(fields['variables']);
    if (variables === undefined) return undefined;
    body = `${typeof fields['operationName'] === 'string' ? fields['operationName'] : ''}\u0000${String(fields['query'])}\u0000${variables}`;
  }
  const key = `${identity.subject}\u0000${identity.admin ? '1' : '0'}\u0000${identity.method}\u0000${answerHeadersKey(req)}\u0000${body}`;
  return key.length <= MAX_PLAIN_KEY_LENGTH ? `k${key}` : `h${hashKey(key)}`;
}

interface Filling {
  key: string;
  /** The write generation when its request came: a request after a write never waits for it. */
  startedGeneration: number;
  /** Identical requests that came while it was being answered, told its answer (undefined: answer yourselves). */
  waiters: Array<(answer: Answer | undefined) => void>;
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
 *
 * Identical requests that come while the first is still being answered wait for its bytes, also with the read cache
 * off (as identical executions in flight are shared there): the same answer, without an execution, a context or a
 * serialisation each. They are authenticated, limited and logged on their own as a cache hit is; when the first's
 * answer may not be reused (an error, a write since it began, its client gone) each goes on its own way.
 */
export class AnswerCache {
  private readonly answers: FinishedResults<Answer>;
  private readonly filling = new WeakMap<IncomingMessage, Filling>();
  /** The requests being answered by key, for identical ones to wait for. */
  private readonly answering = new Map<string, Filling>();
  private readonly now: () => number;

  constructor(private readonly options: AnswerCacheOptions) {
    this.now = options.now ?? Date.now;
    this.answers = new FinishedResults<Answer>({ ...FINISHED_BOUNDS, ...options.bounds }, this.now, (answer) => answer.body.length + 256);
  }

  get size(): number {
    return this.answers.size;
  }

  /**
   * Answers `req` when a fresh answer is kept for it (true); otherwise prepares to keep the one yoga writes. A hit
   * whose caller and rate limit are known at once is answered at once, without a promise.
   */
  answer(req: IncomingMessage, res: ServerResponse): boolean | Promise<boolean> {
    if (!this.options.enabled()) return false;
    const fields = plainJsonBody(req, BODY_FIELDS);
    if (!fields || typeof fields['query'] !== 'string') return false;
    const started = performance.now();
    let known: Identity | Promise<Identity>;
    try {
      known = this.options.authenticate(req.headers.authorization);
    } catch {
      return false;
    }
    if (known instanceof Promise) return known.then((identity) => this.answerFor(identity, req, res, fields, started), () => false);
    return this.answerFor(known, req, res, fields, started);
  }

  private answerFor(identity: Identity, req: IncomingMessage, res: ServerResponse, fields: Record<string, unknown>, started: number): boolean | Promise<boolean> {
    this.options.authenticated.set(req, identity);
    const key = answerKey(req, identity, fields);
    if (key === undefined) return false;
    this.answers.sweep();
    const kept = this.answers.get(key);
    const generation = this.options.generation();
    if (kept && kept.validUntil > this.now() && kept.generation === generation) return this.serve(identity, req, res, kept.result, started);
    if (kept) this.answers.delete(key);
    const answering = this.answering.get(key);
    if (answering && answering.startedGeneration === generation) {
      return new Promise<Answer | undefined>((resolve) => answering.waiters.push(resolve)).then((answer) => (answer ? this.serve(identity, req, res, answer, started) : false));
    }
    this.capture(req, res, { key, startedGeneration: generation, waiters: [], client: identity.method !== 'none' ? `subject:${identity.subject}` : `address:${req.socket.remoteAddress ?? 'unknown'}`, chunks: [] });
    return false;
  }

  /** Served at once when the rate limit's answer is (no promise between a hit and its write). */
  private serve(identity: Identity, req: IncomingMessage, res: ServerResponse, answer: Answer, started: number): boolean | Promise<boolean> {
    const admitted = this.options.admit(identity, req);
    if (admitted instanceof Promise) return admitted.then((ok) => ok && this.write(req, res, answer, started));
    return admitted && this.write(req, res, answer, started);
  }

  private write(req: IncomingMessage, res: ServerResponse, answer: Answer, started: number): true {
    // A client that left while waiting is owed nothing; its request ends here.
    if (res.destroyed) return true;
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body);
    this.options.served(answer.operation, performance.now() - started, req);
    return true;
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
    if (!this.answering.has(filling.key)) this.answering.set(filling.key, filling);
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
    // Finished, or closed before it could be (its client gone): either way its waiters are told once.
    const settle = () => {
      res.off('finish', settle);
      res.off('close', settle);
      this.filling.delete(req);
      if (this.answering.get(filling.key) === filling) this.answering.delete(filling.key);
      const answer = res.writableFinished ? this.reusable(res, filling) : undefined;
      tellInTurns(filling.waiters.splice(0), answer);
      if (answer && filling.validUntil! > this.now()) this.answers.add(filling.key, answer, { validUntil: filling.validUntil!, generation: filling.generation!, client: filling.client });
    };
    res.once('finish', settle);
    res.once('close', settle);
  }

  /** The answer written for `filling`'s request, when the shared-execution plugin offered its result and no write came since. */
  private reusable(res: ServerResponse, filling: Filling): Answer | undefined {
    const { operation, validUntil, generation } = filling;
    if (!operation || validUntil === undefined || generation === undefined) return undefined;
    if (res.statusCode !== 200 || generation !== this.options.generation()) return undefined;
    const headers: OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(res.getHeaders())) if (!PER_RESPONSE_HEADERS.has(name) && value !== undefined) headers[name] = value;
    if (headers['set-cookie'] !== undefined || !REPLAYABLE_TYPE.test(String(headers['content-type'] ?? ''))) return undefined;
    const body = Buffer.concat(filling.chunks);
    // Written as it was sent or not at all.
    if (headers['content-length'] !== undefined && Number(headers['content-length']) !== body.length) return undefined;
    return { status: 200, headers, body, operation };
  }
}
