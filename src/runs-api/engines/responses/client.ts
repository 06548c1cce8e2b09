import { ApiError, badRequest } from '../../errors.js';
import { Endpoint } from '../../../upstream/endpoint.js';
import { UpstreamHttpError } from '../../../upstream/http-errors.js';
import { RequestCore, type CoreRequest, type RequestPolicy } from '../../../upstream/request.js';
import { openEventStream } from '../../../upstream/stream.js';
import type { TokenSource } from '../../../upstream/token-provider.js';
import { httpTransport } from '../../../upstream/transport.js';
import { Lru } from '../../../collections/lru.js';
import { ISOLATION_KEY_HEADER } from '../../../responses-api/foundry.js';
import type { Conversation, Item, ResponseObject } from '../../../responses-api/types.js';
import { RESPONSE_INCLUDE } from './mapping.js';

/** A Responses stream event: every one carries `type` and `sequence_number`. */
export interface ResponsesEvent {
  type: string;
  sequence_number: number;
  [field: string]: unknown;
}

export interface ResponsesClientOptions {
  /** Base URL including `/v1`, e.g. http://127.0.0.1:4020/v1. */
  baseUrl: string;
  apiKey: string | undefined;
  /** Sent with every call (`api-version`). */
  queryParams?: Record<string, string> | undefined;
  /** Expiring bearer tokens (Entra client credentials for Foundry) instead of `apiKey`. */
  tokens?: TokenSource | undefined;
  /** Injected by tests: the policy of the request core. */
  policy?: Partial<RequestPolicy>;
}

/**
 * What the engine asks of the upstream: reads are retried by the request core (429/5xx/timeouts), writes are
 * sent once. A write may carry an `Idempotency-Key`, so that the engine can send it again after an unknown
 * outcome and get the same object, not a second one.
 */
export interface ResponsesClient {
  createResponse(body: Record<string, unknown>, idempotencyKey: string): Promise<ResponseObject>;
  /** `stream: true` in `body`: the response's events, from the first. */
  streamResponse(body: Record<string, unknown>, idempotencyKey: string): Promise<AsyncIterable<ResponsesEvent>>;
  /** The events of a background response after `startingAfter` (resumption of a dropped stream). */
  resumeStream(responseId: string, startingAfter: number): Promise<AsyncIterable<ResponsesEvent>>;
  getResponse(responseId: string): Promise<ResponseObject>;
  cancelResponse(responseId: string): Promise<ResponseObject>;
  createConversation(body: Record<string, unknown>, idempotencyKey: string): Promise<Conversation>;
  deleteConversation(conversationId: string): Promise<void>;
  addItems(conversationId: string, items: unknown[], idempotencyKey: string): Promise<Item[]>;
  listItems(conversationId: string, after: string | undefined): Promise<{ data: Item[]; has_more: boolean; last_id: string | null }>;
  deleteItem(conversationId: string, itemId: string): Promise<void>;
  /**
   * The same upstream for one end user: every call carries `x-ms-user-isolation-key: isolationKey` (Foundry keeps
   * each key's conversations and responses apart). Undefined: calls as they are.
   */
  forUser(isolationKey: string | undefined): ResponsesClient;
  /** Stops open streams. */
  close(): void;
}

/** The defaults of the engine's request core: a few retries of reads, writes once, generous deadlines. */
const DEFAULT_POLICY: RequestPolicy = {
  timeoutMs: 30_000,
  maxRetries: 2,
  retryAfterCapMs: 5_000,
  maxConcurrency: 32,
  breakerThreshold: 0,
  breakerCooldownMs: 5_000,
  maxQueue: 1_000,
  operationDeadlineMs: 60_000,
};

/** True when a write may have reached the upstream without its answer reaching us (timeout, reset connection). */
export function isUnknownOutcome(error: unknown): boolean {
  return error instanceof UpstreamHttpError && !error.neverSent && error.status === undefined;
}

/**
 * An upstream refusal on the runs wire: a 400 keeps its message and `param` (the engine built the request, so
 * it is the caller's input that could not map); anything else is a 502-like server error without the upstream's words.
 */
export function asApiError(error: unknown): unknown {
  if (!(error instanceof UpstreamHttpError)) return error;
  if (error.code === 'BAD_USER_INPUT') {
    const param = typeof error.details['param'] === 'string' ? error.details['param'] : null;
    return badRequest(error.message, param, typeof error.details['upstreamCode'] === 'string' ? error.details['upstreamCode'] : 'invalid_value');
  }
  if (error.code === 'RATE_LIMITED') return new ApiError(429, 'The Responses upstream is rate limiting; try again shortly.', 'requests', null, 'rate_limit_exceeded');
  return new ApiError(500, `The Responses upstream failed (${error.code}${error.status ? ` ${error.status}` : ''}).`, 'server_error', null, 'server_error');
}

export function createResponsesClient(options: ResponsesClientOptions): ResponsesClient {
  const endpoint = new Endpoint({ baseUrl: options.baseUrl, apiKey: options.apiKey, authHeader: 'authorization', betaHeader: '', headers: {}, queryParams: options.queryParams ?? {} });
  const core = new RequestCore({ policy: { ...DEFAULT_POLICY, ...options.policy }, endpoint, transport: httpTransport({ maxSockets: 64 }), tokens: options.tokens });
  const open = new Set<AbortController>();

  /**
   * The client for one end user (`user`: their headers; undefined: calls as they are). Per-call headers (the
   * user's, an Idempotency-Key) go on each request, not through an async context: an AsyncLocalStorage once
   * entered turns on async hooks for the whole process, the gateway's requests included when it runs in-process.
   */
  const clientFor = (user: Readonly<Record<string, string>> | undefined): ResponsesClient => {
    const headersOf = (idempotencyKey: string | undefined): Readonly<Record<string, string>> | undefined =>
      idempotencyKey === undefined ? user : { ...user, 'Idempotency-Key': idempotencyKey };

    const send = async <T>(request: CoreRequest, idempotencyKey?: string): Promise<T> => {
      const headers = headersOf(idempotencyKey);
      return (await core.send<T>(headers === undefined ? request : { ...request, headers })).data;
    };

    const stream = async (request: CoreRequest, idempotencyKey?: string): Promise<AsyncIterable<ResponsesEvent>> => {
      const headers = headersOf(idempotencyKey);
      const { body, abort } = await openEventStream(core, fetch, headers === undefined ? request : { ...request, headers });
      const controller = new AbortController();
      controller.signal.addEventListener('abort', abort);
      open.add(controller);
      return readEvents(body, () => {
        open.delete(controller);
        abort();
      });
    };

    return {
      createResponse: (body, key) => send({ method: 'POST', route: '/responses', body: { ...body, stream: false } }, key),
      streamResponse: (body, key) => stream({ method: 'POST', route: '/responses', body: { ...body, stream: true } }, key),
      // A GET that streams: openEventStream sends it without a body.
      resumeStream: (responseId, startingAfter) => stream({ method: 'GET', route: '/responses/{response_id}', params: { response_id: responseId }, query: { stream: true, starting_after: startingAfter, 'include[]': RESPONSE_INCLUDE } }),
      getResponse: (responseId) => send({ method: 'GET', route: '/responses/{response_id}', params: { response_id: responseId }, query: { 'include[]': RESPONSE_INCLUDE } }),
      // Cancelling twice is idempotent on this wire, so the core may retry it.
      cancelResponse: (responseId) => send({ method: 'POST', route: '/responses/{response_id}/cancel', params: { response_id: responseId }, retry: true }),
      createConversation: (body, key) => send({ method: 'POST', route: '/conversations', body }, key),
      deleteConversation: async (conversationId) => {
        await send({ method: 'DELETE', route: '/conversations/{conversation_id}', params: { conversation_id: conversationId }, retry: true });
      },
      addItems: async (conversationId, items, key) => (await send<{ data: Item[] }>({ method: 'POST', route: '/conversations/{conversation_id}/items', params: { conversation_id: conversationId }, body: { items } }, key)).data,
      listItems: (conversationId, after) =>
        send({ method: 'GET', route: '/conversations/{conversation_id}/items', params: { conversation_id: conversationId }, query: { order: 'asc', limit: 100, after } }),
      deleteItem: async (conversationId, itemId) => {
        await send({ method: 'DELETE', route: '/conversations/{conversation_id}/items/{item_id}', params: { conversation_id: conversationId, item_id: itemId }, retry: true });
      },
      // A user's client names that user alone: another user's is made from the shared parts, not nested in this one.
      forUser,
      close() {
        for (const controller of [...open]) controller.abort();
        open.clear();
      },
    };
  };
  // One client per user, kept while the user is among the 1,000 seen last: the engine asks for one per upstream call.
  const users = new Lru<string, ResponsesClient>(1_000);
  function forUser(isolationKey: string | undefined): ResponsesClient {
    if (isolationKey === undefined) return everyone;
    let user = users.get(isolationKey);
    if (!user) users.set(isolationKey, (user = clientFor({ [ISOLATION_KEY_HEADER]: isolationKey })));
    return user;
  }
  const everyone = clientFor(undefined);
  return everyone;
}

/** Server-sent events as JSON objects, until the stream ends; `return()` closes the connection. */
async function* readEvents(body: ReadableStream<Uint8Array>, close: () => void): AsyncGenerator<ResponsesEvent> {
  const decoder = new TextDecoder();
  const reader = body.getReader();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      for (let end = buffer.search(/\r?\n\r?\n/); end >= 0; end = buffer.search(/\r?\n\r?\n/)) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
        const data = block
          .split(/\r?\n/)
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.slice(5).replace(/^ /, ''))
          .join('\n');
        if (data === '' || data === '[DONE]') continue;
        yield JSON.parse(data) as ResponsesEvent;
      }
    }
  } finally {
    close();
    reader.cancel().catch(() => undefined);
  }
}
