import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/** What one GraphQL operation (or HTTP request) carries through its async work, for log correlation. */
export interface RequestContext {
  /** The gateway's id of this request: the client's `x-request-id` when it is a sane token, else a new one. */
  requestId: string;
  /** The upstream `x-request-id`s this operation caused, in order. */
  upstreamRequestIds: string[];
  /** Upstream requests this operation sent. */
  upstreamCalls: number;
  /** The client's address (the TCP peer, or what a trusted proxy forwarded: TRUST_PROXY). */
  clientAddress?: string;
  /** The authenticated subject, named to the upstream in `x-gateway-caller` (UPSTREAM_FORWARD_CALLER). */
  caller?: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

const SANE_ID = /^[\w.:-]{1,128}$/;

/**
 * A new request id as one flat string. Node's randomUUID joins 21 pieces (a tree of rope strings, about 450 bytes
 * on the heap); each subscription keeps its id for its end log line, so it is copied into 36 bytes of text.
 */
const newRequestId = (): string => Buffer.from(randomUUID(), 'latin1').toString('latin1');

export function newRequestContext(clientRequestId?: string | null): RequestContext {
  const requestId = clientRequestId && SANE_ID.test(clientRequestId) ? clientRequestId : newRequestId();
  return { requestId, upstreamRequestIds: [], upstreamCalls: 0 };
}

/** Runs `work` with `context` as the current request (all its async continuations see it). */
export function withRequestContext<T>(context: RequestContext, work: () => T): T {
  return storage.run(context, work);
}

export function currentRequestContext(): RequestContext | undefined {
  return storage.getStore();
}
