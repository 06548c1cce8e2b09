import { GraphQLError, Kind, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { SecurityConfig } from '../config.js';
import type { GatewayContext } from '../context.js';
import { clientAddressOf, type PeerRequest } from './client-address.js';

export type TakeResult = { ok: true } | { ok: false; retryAfterMs: number };

/**
 * Where token buckets live. One `take` is one atomic step on one key, so a Redis store maps one to one: a Lua script
 * that reads `tokens` and `at`, refills by the elapsed time, takes `cost` or answers the wait, and sets a TTL of one
 * full refill.
 */
export interface RateLimitStore {
  take(key: string, cost: number): Promise<TakeResult>;
}

export interface TokenBucketOptions {
  /** Tokens added per second. */
  perSecond: number;
  /** Bucket size: the burst a quiet client may spend at once. */
  burst: number;
  /** Buckets remembered; full ones are forgotten first (a forgotten bucket is a full one). @default 100_000 */
  maxKeys?: number;
  now?: () => number;
}

export class MemoryTokenBuckets implements RateLimitStore {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly maxKeys: number;
  private readonly now: () => number;

  constructor(private readonly options: TokenBucketOptions) {
    this.maxKeys = options.maxKeys ?? 100_000;
    this.now = options.now ?? Date.now;
  }

  async take(key: string, cost: number): Promise<TakeResult> {
    const { perSecond, burst } = this.options;
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: burst, at: now };
    const tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
    // Delete and set again: Map order is then least recently used first, for eviction.
    this.buckets.delete(key);
    if (tokens >= cost) {
      this.buckets.set(key, { tokens: tokens - cost, at: now });
      this.evict();
      return { ok: true };
    }
    this.buckets.set(key, { tokens, at: now });
    this.evict();
    return { ok: false, retryAfterMs: Math.ceil(((Math.min(cost, burst) - tokens) / perSecond) * 1000) };
  }

  get size(): number {
    return this.buckets.size;
  }

  private evict(): void {
    if (this.buckets.size <= this.maxKeys) return;
    const oldest = this.buckets.keys().next().value;
    if (oldest !== undefined) this.buckets.delete(oldest);
  }
}

/** Root fields that start a run upstream: they cost `runCost` tokens, not one. */
const RUN_STARTS = new Set(['createRun', 'createThreadAndRun', 'submitToolOutputs']);

export function operationCost(document: DocumentNode, operationName: string | null | undefined, runCost: number): number {
  const operations = document.definitions.filter((definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION);
  const operation = operationName ? operations.find((candidate) => candidate.name?.value === operationName) : operations[0];
  if (!operation || operation.operation !== 'mutation') return 1;
  let cost = 0;
  for (const selection of operation.selectionSet.selections) {
    cost += selection.kind === Kind.FIELD && RUN_STARTS.has(selection.name.value) ? runCost : 1;
  }
  return Math.max(cost, 1);
}

export function rateLimited(retryAfterMs: number): GraphQLError {
  return new GraphQLError(`Too many requests; retry after ${retryAfterMs} ms.`, { extensions: { code: 'RATE_LIMITED', retryAfterMs } });
}

/**
 * The client a bucket belongs to: the subject when authenticated, else the client's address (the TCP peer, or what a
 * trusted proxy forwarded: TRUST_PROXY).
 */
export function clientKey(context: { identity?: GatewayContext['identity']; req?: PeerRequest | undefined }): string {
  const identity = context.identity;
  if (identity && identity.method !== 'none') return `subject:${identity.subject}`;
  return `address:${clientAddressOf(context.req)}`;
}

/**
 * One token per operation (HTTP, SSE or WebSocket alike: the hook sits on execute and subscribe), `runCost` for each
 * mutation field that starts a run. Refused operations are answered RATE_LIMITED with `retryAfterMs`, before any
 * resolver runs; over HTTP also as 429 with `Retry-After`.
 */
export function useRateLimit(config: SecurityConfig['rateLimit'], store: RateLimitStore): Plugin<GatewayContext> {
  const check = async (args: { document: DocumentNode; operationName?: string | null | undefined; contextValue: unknown }) => {
    const context = args.contextValue as GatewayContext & { req?: PeerRequest; request?: Request };
    const taken = await store.take(clientKey(context), operationCost(args.document, args.operationName, config.runCost));
    if (taken.ok) return undefined;
    const error = rateLimited(taken.retryAfterMs);
    // Over HTTP the status and header travel in `extensions.http`, which yoga turns into the response and strips.
    if (context.request) {
      error.extensions['http'] = { status: 429, headers: { 'Retry-After': String(Math.max(1, Math.ceil(taken.retryAfterMs / 1000))) } };
    }
    return { errors: [error] };
  };
  return {
    async onExecute({ args, setResultAndStopExecution }) {
      const refused = await check(args);
      if (refused) setResultAndStopExecution(refused);
    },
    async onSubscribe({ args, setResultAndStopExecution }) {
      const refused = await check(args);
      if (refused) setResultAndStopExecution(refused);
    },
  };
}
