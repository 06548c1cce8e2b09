import type { ExecutionResult } from 'graphql';
import type { WebSocket } from 'ws';
import { pushResults, type PushableResults, type ResultSink } from './subscription-events.js';

/**
 * The `payload` of graphql-ws's `next` message for a result, as bytes, made once per result object: subscribers of
 * one operation get the same result object for an event (src/server/subscription-events.ts shares it by document,
 * operation, variables and audience), so they share these bytes too. A result copied per subscriber (masked errors)
 * is a new object and gets bytes of its own. Built as graphql-ws 6.4.2 builds it (server.ts, `emit.next`):
 * the result without `errors`, then `errors` as `toJSON()` each when there are any.
 */
const payloads = new WeakMap<ExecutionResult, Buffer>();

export function nextPayloadBytes(result: ExecutionResult): Buffer {
  let bytes = payloads.get(result);
  if (bytes === undefined) {
    const { errors, ...withoutErrors } = result;
    const text = JSON.stringify(errors ? { ...withoutErrors, errors: errors.map((error) => error.toJSON()) } : withoutErrors);
    // Out of Node's shared 8 KiB pool: a slice would keep a whole pool chunk alive for as long as the result lives.
    bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(text));
    bytes.write(text);
    payloads.set(result, bytes);
  }
  return bytes;
}

/**
 * `{"id":<id>,"type":"next","payload":` — what precedes the payload in every `next` message of one operation. One
 * string per distinct id (clients mostly number their operations 1, 2, …), bounded as ws-transport's query texts.
 */
const prefixes = new Map<string, string>();
const MAX_PREFIXES = 1000;

export function nextMessagePrefix(id: string): string {
  let prefix = prefixes.get(id);
  if (prefix === undefined) {
    prefix = `{"id":${JSON.stringify(id)},"type":"next","payload":`;
    if (id.length <= 64) {
      if (prefixes.size >= MAX_PREFIXES) prefixes.clear();
      prefixes.set(id, prefix);
    }
  }
  return prefix;
}

const CLOSING_BRACE = 0x7d;

/**
 * The `next` message of one operation for a payload: `JSON.stringify({ id, type: 'next', payload })` byte for byte,
 * by copying (no JSON.stringify of the result per socket). A short-lived Buffer (pooled).
 */
export function nextMessage(prefix: string, payload: Buffer): Buffer {
  const prefixLength = Buffer.byteLength(prefix);
  const message = Buffer.allocUnsafe(prefixLength + payload.length + 1);
  message.write(prefix, 0);
  payload.copy(message, prefixLength);
  message[message.length - 1] = CLOSING_BRACE;
  return message;
}

/**
 * Whole messages kept per payload for the ids that repeat (a page's subscribers mostly send the same id, "1"): the
 * first socket of an id builds it, the others are written the same Buffer (`ws` only reads what it sends). At most
 * MAX_SHARED_MESSAGES ids per payload; past them, each socket's message is built for it. Dropped with the payload.
 */
const sharedMessages = new WeakMap<Buffer, Map<string, Buffer>>();
const MAX_SHARED_MESSAGES = 4;

export function sharedNextMessage(prefix: string, payload: Buffer): Buffer {
  let messages = sharedMessages.get(payload);
  if (messages === undefined) sharedMessages.set(payload, (messages = new Map()));
  let message = messages.get(prefix);
  if (message !== undefined) return message;
  message = nextMessage(prefix, payload);
  if (messages.size >= MAX_SHARED_MESSAGES) return message;
  // Kept: bytes of its own, not a slice pinning a chunk of Node's shared pool.
  const kept = Buffer.allocUnsafeSlow(message.length);
  message.copy(kept);
  messages.set(prefix, kept);
  return kept;
}

/** A text frame, never compressed (the server has permessage-deflate off), in one piece. */
const TEXT_FRAME = Object.freeze({ binary: false, compress: false, fin: true });

/**
 * One graphql-ws subscription's results written to its socket as they come, in place of graphql-ws's loop over
 * the stream (`for await` then `emit.next`: per event and subscriber an async call, three promises, two copies of
 * the result, a validation and a JSON.stringify of it, and a write callback awaited before the next event).
 *
 * graphql-ws still owns the operation: it is handed this object (`onOperation`) as the stream, reads it once, and
 * that one read settles when the subscription ends — done, so graphql-ws sends `complete`; or rejected with the
 * subscriber's (masked) error, so graphql-ws sends `error` as it would have; `return()` (the client's `complete`,
 * or the socket closing) ends the stream. Before each write `tooSlow` decides whether the socket is closed instead
 * (the slow-reader bound); writes are not awaited, a socket's writes stay in order and count in its
 * `bufferedAmount`.
 */
export class SocketDelivery implements AsyncIterableIterator<never>, ResultSink {
  readonly #socket: WebSocket;
  readonly #prefix: string;
  readonly #results: PushableResults;
  readonly #tooSlow: (socket: WebSocket) => boolean;
  #settle: ((step: IteratorResult<never>) => void) | undefined;
  #reject: ((error: unknown) => void) | undefined;
  #started = false;
  #finished = false;

  constructor(socket: WebSocket, id: string, results: PushableResults, tooSlow: (socket: WebSocket) => boolean) {
    this.#socket = socket;
    this.#prefix = nextMessagePrefix(id);
    this.#results = results;
    this.#tooSlow = tooSlow;
  }

  next(): Promise<IteratorResult<never>> {
    if (this.#started || this.#finished) return Promise.resolve(DONE);
    this.#started = true;
    const ended = new Promise<IteratorResult<never>>((resolve, reject) => {
      this.#settle = resolve;
      this.#reject = reject;
    });
    this.#results[pushResults](this);
    return ended;
  }

  result(result: ExecutionResult): void {
    if (this.#finished) return;
    const socket = this.#socket;
    if (socket.readyState !== socket.OPEN || this.#tooSlow(socket)) return;
    try {
      socket.send(sharedNextMessage(this.#prefix, nextPayloadBytes(result)), TEXT_FRAME);
    } catch (error) {
      // As when graphql-ws's own send fails (a result JSON cannot hold): the stream ends, the client gets `error`.
      const reject = this.#reject;
      this.#finish();
      void this.#results.return?.();
      reject?.(error);
    }
  }

  failed(error: unknown): void {
    const reject = this.#reject;
    this.#finish();
    reject?.(error);
  }

  ended(): void {
    const settle = this.#settle;
    this.#finish();
    settle?.(DONE);
  }

  async return(): Promise<IteratorResult<never>> {
    if (this.#finished) return DONE;
    const settle = this.#settle;
    this.#finish();
    await this.#results.return?.();
    settle?.(DONE);
    return DONE;
  }

  async throw(error?: unknown): Promise<IteratorResult<never>> {
    await this.return();
    throw error;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  #finish(): void {
    this.#finished = true;
    this.#settle = this.#reject = undefined;
  }
}

const DONE: IteratorReturnResult<never> = Object.freeze({ done: true, value: undefined as never });
