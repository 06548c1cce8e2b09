import { getOperationAST, type DocumentNode, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Identity } from '../security/auth.js';

interface Running {
  result: Promise<unknown>;
  /** The leader's client: when it has gone, its execution may have been cut short, so followers run their own. */
  leaderSignal: AbortSignal | undefined;
}

/** What a query's result may depend on besides its document: the operation, its variables and who asks. */
function sharingKey(args: ExecutionArgs): string {
  const identity = (args.contextValue as { identity?: Identity } | undefined)?.identity;
  return `${args.operationName ?? ''}\u0000${identity ? `${identity.subject}\u0000${identity.admin}` : ''}\u0000${JSON.stringify(args.variableValues ?? null)}`;
}

const isAsyncIterable = (value: unknown): boolean => typeof value === 'object' && value !== null && Symbol.asyncIterator in value;

/**
 * Identical queries that arrive while one of them executes share that execution: same document (yoga's parse
 * cache gives one DocumentNode per text), operation name, variables and identity. Each request keeps its own
 * authentication, limits, rate limit, log line and response; only resolving is done once. Mutations and
 * subscriptions never share. Together with the client's in-flight GETs this makes a wave of 50 identical requests
 * cost one execution and one upstream call, whatever headers the clients send.
 */
export function useSharedQueryExecution(options: { enabled?: () => boolean } = {}): Plugin {
  const operationTypes = new WeakMap<DocumentNode, Map<string, string | undefined>>();
  const operationType = (document: DocumentNode, operationName: string | null | undefined): string | undefined => {
    let byName = operationTypes.get(document);
    if (!byName) operationTypes.set(document, (byName = new Map()));
    const name = operationName ?? '';
    if (!byName.has(name)) byName.set(name, getOperationAST(document, operationName)?.operation);
    return byName.get(name);
  };
  const running = new WeakMap<DocumentNode, Map<string, Running>>();

  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      if (options.enabled?.() === false || operationType(args.document, args.operationName) !== 'query') return;
      setExecuteFn((executeArgs) => {
        const key = sharingKey(executeArgs);
        let byKey = running.get(executeArgs.document);
        if (!byKey) running.set(executeArgs.document, (byKey = new Map()));
        const leader = byKey.get(key);
        if (leader) {
          return leader.result.then(
            (result) => (leader.leaderSignal?.aborted || isAsyncIterable(result) ? executeFn(executeArgs) : { ...(result as ExecutionResult) }),
            () => executeFn(executeArgs),
          );
        }
        const own: Running = {
          result: Promise.resolve().then(() => executeFn(executeArgs)),
          leaderSignal: (executeArgs.contextValue as { request?: Request } | undefined)?.request?.signal,
        };
        const entries = byKey;
        const forget = () => {
          if (entries.get(key) === own) entries.delete(key);
        };
        own.result.then(forget, forget);
        entries.set(key, own);
        return own.result as Promise<ExecutionResult>;
      });
    },
  };
}
