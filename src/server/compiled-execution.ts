import { GraphQLError, Kind, type DocumentNode, type ExecutionArgs, type ExecutionResult, type FieldNode, type GraphQLSchema, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import type { Plugin } from 'graphql-yoga';
import { Lru } from '../collections/lru.js';
import { OperationIndex } from './operation-key.js';

export interface CompiledExecutionOptions {
  /** false: every operation runs on graphql's own executor (tests and benchmarks compare both ways). */
  enabled?: () => boolean;
  /** Executions of a document on the standard executor before it is compiled. @default 1 */
  compileAfter?: number;
  /** Compiled operations kept at most (least recently used first out). @default 500 */
  maxCompiled?: number;
  /** Told once per operation that does not compile (it keeps running on the standard executor). */
  onCompileFailure?: (error: unknown) => void;
}

/** What is known of one operation of one document: how often it ran (its compiled form is in the table of them). */
interface Entry {
  schema: GraphQLSchema;
  runs: number;
  /** It did not compile: never tried again. */
  failed?: true;
}

/**
 * Queries executed by graphql-jit: each hot operation (a document and an operation name, the same DocumentNode from
 * yoga's parse cache or the direct path's table) is compiled once into a function that resolves and completes its
 * selection without walking the AST per request. Only queries: a mutation is rare and each is a write, and a
 * subscription's events run through useSharedSubscriptionEvents. A document runs `compileAfter` times on the standard
 * executor first, so that a client sending a stream of one-off documents pays parsing and validation (yoga's) but
 * never code generation. The table is bounded twice: entries die with their document (WeakMap) and at most
 * `maxCompiled` compiled operations are held.
 *
 * First in the plugin list: every other execute hook (observability, limits, sharing) wraps the executor this sets,
 * so they see the same arguments and results either way; errors thrown by resolvers reach masking as GraphQLErrors
 * with their original error, as with graphql's executor.
 */
export function useCompiledQueries(options: CompiledExecutionOptions = {}): Plugin & { readonly compiledCount: () => number } {
  const compileAfter = options.compileAfter ?? 1;
  const maxCompiled = options.maxCompiled ?? 500;
  const operations = new OperationIndex();
  const entries = new WeakMap<DocumentNode, Map<string, Entry>>();
  // Compiled operations in least-recently-used order; one that leaves runs on the standard executor again (and may
  // compile again later).
  const compiledOf = new Lru<Entry, CompiledQuery>(maxCompiled, (entry) => {
    entry.runs = 0;
  });

  function entryOf(args: ExecutionArgs): Entry {
    let byName = entries.get(args.document);
    if (!byName) entries.set(args.document, (byName = new Map()));
    const name = args.operationName ?? '';
    let entry = byName.get(name);
    if (!entry || entry.schema !== args.schema) byName.set(name, (entry = { schema: args.schema, runs: 0 }));
    return entry;
  }

  function compiledFor(entry: Entry, args: ExecutionArgs): CompiledQuery | undefined {
    const known = compiledOf.get(entry);
    if (known) return known;
    if (entry.failed || ++entry.runs <= compileAfter) return undefined;
    try {
      const compiled = compileQuery(args.schema, args.document, args.operationName ?? undefined, { disablingCapturingStackErrors: true });
      if (!isCompiledQuery(compiled)) throw new Error(compiled.errors?.map((error) => error.message).join('; ') ?? 'not compiled');
      compiledOf.set(entry, compiled);
      return compiled;
    } catch (error) {
      entry.failed = true;
      options.onCompileFailure?.(error);
      return undefined;
    }
  }

  return {
    compiledCount: () => compiledOf.size,
    onExecute({ args, executeFn, setExecuteFn }) {
      if (options.enabled?.() === false) return;
      if (operations.get(args.document, args.operationName)?.operation !== 'query') return;
      setExecuteFn((executeArgs) => {
        const compiled = compiledFor(entryOf(executeArgs), executeArgs);
        if (!compiled) return executeFn(executeArgs);
        const operation = operations.get(executeArgs.document, executeArgs.operationName)!;
        const result = compiled.query(executeArgs.rootValue, executeArgs.contextValue, (executeArgs.variableValues ?? {}) as Record<string, unknown>);
        // No data at all: its variables did not coerce, and no resolver ran. graphql's executor reports that (its
        // errors carry the variables' locations, graphql-jit's do not).
        if (!(result instanceof Promise) && !('data' in result)) return executeFn(executeArgs);
        return result instanceof Promise ? result.then((done) => located(done, executeArgs.document, operation)) : located(result, executeArgs.document, operation);
      });
    },
  };
}

/**
 * graphql-jit reports a resolver's error with locations but without the field nodes graphql's executor attaches (an
 * error rebuilt from its nodes, as masking does for tenancy, lost its locations): errors of a compiled query are
 * rebuilt as graphql's executor builds them (locatedError: the field nodes of the path, the thrown error as
 * originalError), so that clients and masking see no difference.
 */
export function located(result: ExecutionResult, document: DocumentNode, operation: OperationDefinitionNode): ExecutionResult {
  const foreign = (error: GraphQLError) => !(error instanceof GraphQLError) || !error.nodes;
  if (!result.errors?.some((error) => foreign(error) && error.path)) return result;
  const errors = result.errors.map((error) => {
    if (!foreign(error) || !error.path) return error;
    const nodes = fieldNodesAt(document, operation.selectionSet, error.path);
    if (nodes.length === 0) return error;
    const original = error.originalError ?? error;
    return new GraphQLError(original.message, { nodes, path: error.path, originalError: original });
  });
  return { ...result, errors };
}

/** The field nodes a response path names (aliases, inline fragments and fragment spreads followed). */
function fieldNodesAt(document: DocumentNode, root: SelectionSetNode, path: ReadonlyArray<string | number>): FieldNode[] {
  const fragments = new Map(document.definitions.flatMap((definition) => (definition.kind === Kind.FRAGMENT_DEFINITION ? [[definition.name.value, definition] as const] : [])));
  let sets: SelectionSetNode[] = [root];
  let nodes: FieldNode[] = [];
  for (const key of path) {
    if (typeof key === 'number') continue;
    nodes = [];
    const collect = (set: SelectionSetNode, seen: Set<string>): void => {
      for (const selection of set.selections) {
        if (selection.kind === Kind.FIELD) {
          if ((selection.alias ?? selection.name).value === key) nodes.push(selection);
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          collect(selection.selectionSet, seen);
        } else if (!seen.has(selection.name.value)) {
          seen.add(selection.name.value);
          const fragment = fragments.get(selection.name.value);
          if (fragment) collect(fragment.selectionSet, seen);
        }
      }
    };
    for (const set of sets) collect(set, new Set());
    sets = nodes.flatMap((node) => (node.selectionSet ? [node.selectionSet] : []));
  }
  return nodes;
}
