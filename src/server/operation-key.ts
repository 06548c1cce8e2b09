import { createHash } from 'node:crypto';
import { getOperationAST, getVariableValues, type DocumentNode, type ExecutionArgs, type OperationDefinitionNode } from 'graphql';

/**
 * Keys of shared executions are fixed-size hashes of what a result depends on, so a table of them is bounded by its
 * entry count: a key built from the raw variables kept a 2 MB variable for as long as its entry lived.
 */
export function hashKey(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}

/** The operation of a document by name, looked up once per document (yoga's parse cache gives one per text). */
export class OperationIndex {
  private readonly byDocument = new WeakMap<DocumentNode, Map<string, OperationDefinitionNode | null>>();

  get(document: DocumentNode, operationName: string | null | undefined): OperationDefinitionNode | undefined {
    let byName = this.byDocument.get(document);
    if (!byName) this.byDocument.set(document, (byName = new Map()));
    const name = operationName ?? '';
    let operation = byName.get(name);
    if (operation === undefined) byName.set(name, (operation = getOperationAST(document, operationName) ?? null));
    return operation ?? undefined;
  }
}

/**
 * The hash of an operation's coerced variables: only those it declares, with their defaults applied, as execution
 * will see them. Undefined when they do not coerce (execution reports that) or cannot be serialised.
 */
export function coercedVariablesHash(args: ExecutionArgs, operation: OperationDefinitionNode): string | undefined {
  const definitions = operation.variableDefinitions ?? [];
  if (definitions.length === 0) return '';
  const coerced = getVariableValues(args.schema, definitions, (args.variableValues ?? {}) as Record<string, unknown>, { maxErrors: 1 });
  if (coerced.errors) return undefined;
  try {
    return hashKey(JSON.stringify(coerced.coerced));
  } catch {
    return undefined;
  }
}
