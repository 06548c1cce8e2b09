import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import {
  GraphQLError,
  Kind,
  getNamedType,
  getNullableType,
  isListType,
  isObjectType,
  isInterfaceType,
  type GraphQLNamedType,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { SecurityConfig } from '../config.js';

/** Which limit an operation broke; the numbers themselves are not told (exposeLimits: false). */
export type QueryLimit = 'depth' | 'aliases' | 'tokens' | 'directives' | 'cost' | 'introspection';

/**
 * Lists nested inside `__schema`/`__type` along one path. The standard introspection query needs three
 * (types → fields → args); `types { fields { type { fields { … } } } }` is the "introspection obfuscation" way
 * around depth and cost limits, which skip introspection fields so that GraphiQL works.
 */
export const MAX_INTROSPECTION_LISTS = 3;

/** Walks each operation with its fragments (memoised, so fragment fan-out cannot make it exponential). */
export const introspectionNestingRule: ValidationRule = (context: ValidationContext) => {
  const schema = context.getSchema();
  const memo = new Map<string, number>();
  const deepest = (selectionSet: SelectionSetNode, parent: GraphQLNamedType | undefined, lists: number, inside: boolean, path: Set<string>): number => {
    let max = lists;
    for (const selection of selectionSet.selections) {
      if (max > MAX_INTROSPECTION_LISTS) return max;
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        let type;
        if (name === '__schema') type = schema.getType('__Schema');
        else if (name === '__type') type = schema.getType('__Type');
        else if (parent && (isObjectType(parent) || isInterfaceType(parent))) type = parent.getFields()[name]?.type;
        const enters = inside || name === '__schema' || name === '__type';
        const nested = enters && type !== undefined && isListType(getNullableType(type)) ? lists + 1 : lists;
        if (selection.selectionSet) max = Math.max(max, deepest(selection.selectionSet, type ? getNamedType(type) : undefined, nested, enters, path));
        else max = Math.max(max, nested);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        max = Math.max(max, deepest(selection.selectionSet, type, lists, inside, path));
      } else {
        const name = selection.name.value;
        const fragment = context.getFragment(name);
        if (!fragment || path.has(name)) continue; // cycles are NoFragmentCyclesRule's to report
        const key = `${name}|${lists}|${inside}`;
        let found = memo.get(key);
        if (found === undefined) {
          path.add(name);
          found = deepest(fragment.selectionSet, schema.getType(fragment.typeCondition.name.value), lists, inside, path);
          path.delete(name);
          memo.set(key, found);
        }
        max = Math.max(max, found);
      }
    }
    return max;
  };
  return {
    OperationDefinition(operation) {
      const type = schema.getRootType(operation.operation) ?? undefined;
      if (deepest(operation.selectionSet, type, 0, false, new Set()) > MAX_INTROSPECTION_LISTS) context.reportError(queryLimitError('introspection'));
    },
  };
};

export function queryLimitError(limit: QueryLimit): GraphQLError {
  return new GraphQLError(`The operation exceeds the gateway's ${limit} limit.`, { extensions: { code: 'QUERY_LIMIT_EXCEEDED', limit } });
}

/**
 * graphql-armor with the configured limits. Validation limits report an error (so `validate` returns it like any
 * validation error, also on the WebSocket path, which answers that one operation instead of closing the socket);
 * the token limit aborts parsing. Field suggestions ("Did you mean …?") are shown only when `suggestions` is on
 * (development); elsewhere they would tell a stranger the schema's names with introspection off.
 */
export function useQueryLimits(limits: SecurityConfig['limits'], options: { suggestions: boolean } = { suggestions: false }): Plugin[] {
  const report = (limit: QueryLimit) => ({
    exposeLimits: false,
    propagateOnRejection: false,
    onReject: [(context: ValidationContext | null) => context?.reportError(queryLimitError(limit))],
  });
  const armor = EnvelopArmorPlugin({
    // Introspection is skipped here (GraphiQL's query is 21 deep) and bounded by introspectionNestingRule instead.
    maxDepth: { n: limits.depth, ignoreIntrospection: true, flattenFragments: false, ...report('depth') },
    maxAliases: { n: limits.aliases, ...report('aliases') },
    maxDirectives: { n: limits.directives, ...report('directives') },
    costLimit: { maxCost: limits.cost, ignoreIntrospection: true, ...report('cost') },
    maxTokens: {
      n: limits.tokens,
      exposeLimits: false,
      propagateOnRejection: true,
      onReject: [
        () => {
          throw queryLimitError('tokens');
        },
      ],
    },
    blockFieldSuggestion: { enabled: !options.suggestions },
  }) as Plugin;
  return [armor, { onValidate: ({ addValidationRule }) => addValidationRule(introspectionNestingRule) }];
}
