import { getOperationAST, type DocumentNode, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Identity } from '../security/auth.js';
import type { ClientInterest } from '../upstream/interest.js';

interface Running {
  result: Promise<unknown>;
  /** The clients waiting for it; followers join, so its reads go on while any of them waits. */
  interest: ClientInterest | undefined;
}

interface Finished {
  result: ExecutionResult;
  /** Until when (ms since the epoch) every upstream answer it was made from is younger than the read cache's age. */
  validUntil: number;
  /** The upstream client's write generation it was made in. */
  generation: number;
}

/** What the plugin reads from an operation's context (GatewayContext has it). */
interface SharingContext {
  identity?: Identity;
  request?: Request;
  interest?: ClientInterest;
  freshness?: { oldestAnswerAt: number; generation: number };
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
}

/** Bound on finished results kept, over all documents. */
const MAX_FINISHED = 5_000;

/** What a query's result may depend on besides its document: the operation, its variables and who asks. */
function sharingKey(args: ExecutionArgs): string {
  const identity = (args.contextValue as SharingContext | undefined)?.identity;
  return `${args.operationName ?? ''}\u0000${identity ? `${identity.subject}\u0000${identity.admin}` : ''}\u0000${JSON.stringify(args.variableValues ?? null)}`;
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
export function useSharedQueryExecution(options: SharedExecutionOptions = {}): Plugin {
  const operationTypes = new WeakMap<DocumentNode, Map<string, string | undefined>>();
  const operationType = (document: DocumentNode, operationName: string | null | undefined): string | undefined => {
    let byName = operationTypes.get(document);
    if (!byName) operationTypes.set(document, (byName = new Map()));
    const name = operationName ?? '';
    if (!byName.has(name)) byName.set(name, getOperationAST(document, operationName)?.operation);
    return byName.get(name);
  };
  const running = new WeakMap<DocumentNode, Map<string, Running>>();
  /** Finished results by document id and sharing key, in the order they finished (oldest first), for the bound. */
  const finished = new Map<string, Finished>();
  const documentIds = new WeakMap<DocumentNode, number>();
  let lastDocumentId = 0;
  const finishedKey = (document: DocumentNode, key: string): string => {
    let id = documentIds.get(document);
    if (id === undefined) documentIds.set(document, (id = ++lastDocumentId));
    return `${id}\u0000${key}`;
  };

  function remember(document: DocumentNode, key: string, entry: Finished): void {
    const fullKey = finishedKey(document, key);
    finished.delete(fullKey);
    finished.set(fullKey, entry);
    if (finished.size > MAX_FINISHED) {
      const now = Date.now();
      for (const [oldKey, old] of finished) if (old.validUntil <= now) finished.delete(oldKey);
      for (const oldKey of finished.keys()) {
        if (finished.size <= MAX_FINISHED) break;
        finished.delete(oldKey);
      }
    }
  }

  function reusable(document: DocumentNode, key: string): ExecutionResult | undefined {
    const fullKey = finishedKey(document, key);
    const entry = finished.get(fullKey);
    if (!entry) return undefined;
    if (entry.validUntil > Date.now() && entry.generation === options.generation?.()) return entry.result;
    finished.delete(fullKey);
    return undefined;
  }

  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      if (options.enabled?.() === false || operationType(args.document, args.operationName) !== 'query') return;
      setExecuteFn((executeArgs) => {
        const key = sharingKey(executeArgs);
        const maxAgeMs = options.maxAgeMs?.() ?? 0;
        if (maxAgeMs > 0) {
          const done = reusable(executeArgs.document, key);
          if (done) return { ...done };
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
        const startedAt = Date.now();
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
          if (maxAgeMs <= 0 || !freshness || isAsyncIterable(result) || own.interest?.aborted) return;
          const single = result as ExecutionResult;
          if (single.errors?.length || generation !== options.generation?.()) return;
          const validUntil = Math.min(freshness.oldestAnswerAt, startedAt) + maxAgeMs;
          if (validUntil > Date.now()) remember(executeArgs.document, key, { result: single, validUntil, generation: generation ?? 0 });
        }, forget);
        entries.set(key, own);
        return own.result as Promise<ExecutionResult>;
      });
    },
  };
}
