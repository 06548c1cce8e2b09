import type { DocumentNode, ExecutionArgs, ExecutionResult, OperationDefinitionNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Identity } from '../security/auth.js';
import type { ClientInterest } from '../upstream/interest.js';
import { OperationIndex, coercedVariablesHash } from './operation-key.js';

interface Running {
  result: Promise<unknown>;
  /** The clients waiting for it; followers join, so its reads go on while any of them waits. */
  interest: ClientInterest | undefined;
}

interface Finished<T = ExecutionResult> {
  result: T;
  /** Its JSON size, counted against the bounds. */
  bytes: number;
  client: string;
  /** Until when (ms since the epoch) every upstream answer it was made from is younger than the read cache's age. */
  validUntil: number;
  /** The upstream client's write generation it was made in. */
  generation: number;
}

/** What the plugin reads from an operation's context (GatewayContext has it). */
export interface SharingContext {
  identity?: Identity;
  request?: Request;
  interest?: ClientInterest;
  freshness?: { oldestAnswerAt: number; generation: number };
  req?: { socket?: { remoteAddress?: string | undefined } };
}

export interface SharedExecutionOptions {
  /** false: every query executes on its own (for measuring). */
  enabled?: () => boolean;
  /**
   * How long a query's upstream answers may be reused (UPSTREAM_READ_CACHE_MS); 0: finished results are not reused,
   * only executions in flight are shared.
   */
  maxAgeMs?: () => number;
  /** The upstream client's write generation: a write through this instance ends the reuse of every finished result. */
  generation?: () => number;
  /** Injected by tests. */
  now?: () => number;
  bounds?: Partial<FinishedBounds>;
  /**
   * Told when the result an execution returns may be reused until `validUntil` (a new one kept, or a kept one
   * reused): the answer cache keeps the response of that request for as long (src/server/answer-cache.ts). With
   * `maxAgeMs` 0, `validUntil` is already past: the result is reusable only by identical requests in flight.
   */
  onReusable?: (context: SharingContext | undefined, operation: OperationDefinitionNode, meta: { validUntil: number; generation: number }) => void;
}

/**
 * Bounds of the finished results kept for reuse, over all documents: entries, bytes (their JSON size) in total and
 * per client (subject, or address without authentication), and the largest result worth keeping. Past a bound the
 * oldest entries go first; expired ones are swept as time passes, not only when a bound is reached.
 */
export interface FinishedBounds {
  entries: number;
  totalBytes: number;
  clientBytes: number;
  entryBytes: number;
}

export const FINISHED_BOUNDS: Readonly<FinishedBounds> = { entries: 5_000, totalBytes: 32 * 1024 * 1024, clientBytes: 4 * 1024 * 1024, entryBytes: 512 * 1024 };

/** What a query's result may depend on besides its document: the operation, its coerced variables and who asks. */
function sharingKey(args: ExecutionArgs, operation: OperationDefinitionNode): string | undefined {
  const variables = coercedVariablesHash(args, operation);
  if (variables === undefined) return undefined;
  const identity = (args.contextValue as SharingContext | undefined)?.identity;
  return `${args.operationName ?? ''}\u0000${identity ? `${identity.subject}\u0000${identity.admin}` : ''}\u0000${variables}`;
}

/** Who a finished result is counted against. */
function clientOf(context: SharingContext | undefined): string {
  const identity = context?.identity;
  if (identity && identity.method !== 'none') return `subject:${identity.subject}`;
  return `address:${context?.req?.socket?.remoteAddress ?? 'unknown'}`;
}

const isAsyncIterable = (value: unknown): boolean => typeof value === 'object' && value !== null && Symbol.asyncIterator in value;

/**
 * Identical queries share their execution: same document (yoga's parse cache gives one DocumentNode per text),
 * operation name, variables and identity. Each request keeps its own authentication, limits, rate limit, log line
 * and response; only resolving is shared. Two ways:
 * - while one executes, identical ones wait for its result instead of executing;
 * - with a read cache (`maxAgeMs` > 0), a finished result without errors answers identical queries for as long as
 *   the upstream answers it was made from would still be served by the read cache, and no write has gone through
 *   this instance since it began. So it is never older than the read cache allows, and it is exactly what a new
 *   execution would return from the same cached answers.
 * Mutations and subscriptions never share.
 */
export function useSharedQueryExecution(options: SharedExecutionOptions = {}): Plugin & { readonly finished: FinishedResults } {
  const operations = new OperationIndex();
  const now = options.now ?? Date.now;
  const running = new WeakMap<DocumentNode, Map<string, Running>>();
  const finished = new FinishedResults({ ...FINISHED_BOUNDS, ...options.bounds }, now);
  const documentIds = new WeakMap<DocumentNode, number>();
  let lastDocumentId = 0;
  const finishedKey = (document: DocumentNode, key: string): string => {
    let id = documentIds.get(document);
    if (id === undefined) documentIds.set(document, (id = ++lastDocumentId));
    return `${id}\u0000${key}`;
  };

  function reusable(document: DocumentNode, key: string): Finished | undefined {
    const fullKey = finishedKey(document, key);
    finished.sweep();
    const entry = finished.get(fullKey);
    if (!entry) return undefined;
    if (entry.validUntil > now() && entry.generation === options.generation?.()) return entry;
    finished.delete(fullKey);
    return undefined;
  }

  return {
    finished,
    onExecute({ args, executeFn, setExecuteFn }) {
      if (options.enabled?.() === false) return;
      const operation = operations.get(args.document, args.operationName);
      if (operation?.operation !== 'query') return;
      setExecuteFn((executeArgs) => {
        const key = sharingKey(executeArgs, operation);
        if (key === undefined) return executeFn(executeArgs);
        const maxAgeMs = options.maxAgeMs?.() ?? 0;
        if (maxAgeMs > 0) {
          const done = reusable(executeArgs.document, key);
          if (done) {
            options.onReusable?.(executeArgs.contextValue as SharingContext | undefined, operation, done);
            return { ...done.result };
          }
        }
        let byKey = running.get(executeArgs.document);
        if (!byKey) running.set(executeArgs.document, (byKey = new Map()));
        const leader = byKey.get(key);
        const context = executeArgs.contextValue as SharingContext | undefined;
        if (leader) {
          leader.interest?.add(context?.request?.signal);
          return leader.result.then(
            (result) => (leader.interest?.aborted || isAsyncIterable(result) ? executeFn(executeArgs) : { ...(result as ExecutionResult) }),
            () => executeFn(executeArgs),
          );
        }
        const startedAt = now();
        // The generation when the request's context was made: a write that landed since then ends any reuse.
        const generation = context?.freshness?.generation ?? options.generation?.();
        const own: Running = {
          result: Promise.resolve().then(() => executeFn(executeArgs)),
          interest: context?.interest,
        };
        const entries = byKey;
        const forget = () => {
          if (entries.get(key) === own) entries.delete(key);
        };
        own.result.then((result) => {
          forget();
          const freshness = context?.freshness;
          if (!freshness || isAsyncIterable(result) || own.interest?.aborted) return;
          const single = result as ExecutionResult;
          if (single.errors?.length || generation !== options.generation?.()) return;
          if (maxAgeMs <= 0) {
            // Not kept, but as good as a shared execution's for the identical requests that came while it ran.
            options.onReusable?.(context, operation, { validUntil: startedAt, generation: generation ?? 0 });
            return;
          }
          const validUntil = Math.min(freshness.oldestAnswerAt, startedAt) + maxAgeMs;
          if (validUntil <= now()) return;
          finished.add(finishedKey(executeArgs.document, key), single, { validUntil, generation: generation ?? 0, client: clientOf(context) });
          options.onReusable?.(context, operation, { validUntil, generation: generation ?? 0 });
        }, forget);
        entries.set(key, own);
        return own.result as Promise<ExecutionResult>;
      });
    },
  };
}

/**
 * The finished results kept for reuse, within FINISHED_BOUNDS. Insertion order is age order (a re-add moves to the end).
 * `measure` is a kept value's size against the bounds (its JSON length for results; the answer cache's, its bytes).
 */
export class FinishedResults<T = ExecutionResult> {
  private readonly entries = new Map<string, Finished<T>>();
  private readonly clientBytes = new Map<string, number>();
  private totalBytes = 0;
  private lastSweep: number;

  constructor(
    private readonly bounds: Readonly<FinishedBounds>,
    private readonly now: () => number,
    private readonly measure: (value: T) => number = (value) => JSON.stringify(value).length,
  ) {
    this.lastSweep = now();
  }

  get size(): number {
    return this.entries.size;
  }
  get bytes(): number {
    return this.totalBytes;
  }
  bytesOf(client: string): number {
    return this.clientBytes.get(client) ?? 0;
  }

  get(key: string): Finished<T> | undefined {
    return this.entries.get(key);
  }

  add(key: string, result: T, meta: { validUntil: number; generation: number; client: string }): void {
    // Measured once per kept result; only results that may be reused are.
    const bytes = key.length + this.measure(result);
    this.delete(key);
    this.sweep();
    if (bytes > this.bounds.entryBytes || bytes > this.bounds.clientBytes) return;
    this.entries.set(key, { result, bytes, ...meta });
    this.account(meta.client, bytes);
    for (const [oldKey, old] of this.entries) {
      const over =
        this.entries.size > this.bounds.entries || this.totalBytes > this.bounds.totalBytes || this.bytesOf(meta.client) > this.bounds.clientBytes;
      if (!over) break;
      // Past the client's own bound only its own oldest go; past a total bound, the oldest of anyone.
      if (this.entries.size <= this.bounds.entries && this.totalBytes <= this.bounds.totalBytes && old.client !== meta.client) continue;
      this.delete(oldKey);
    }
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.account(entry.client, -entry.bytes);
  }

  /** Drops expired entries, at most once a second: each entry is looked at once per sweep. */
  sweep(): void {
    const now = this.now();
    if (now - this.lastSweep < 1_000) return;
    this.lastSweep = now;
    for (const [key, entry] of this.entries) if (entry.validUntil <= now) this.delete(key);
  }

  private account(client: string, bytes: number): void {
    this.totalBytes += bytes;
    const left = (this.clientBytes.get(client) ?? 0) + bytes;
    if (left > 0) this.clientBytes.set(client, left);
    else this.clientBytes.delete(client);
  }
}
