import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { GraphQLError, type ValidationContext } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { SecurityConfig } from '../config.js';

/** Which limit an operation broke; the numbers themselves are not told (exposeLimits: false). */
export type QueryLimit = 'depth' | 'aliases' | 'tokens' | 'directives' | 'cost';

export function queryLimitError(limit: QueryLimit): GraphQLError {
  return new GraphQLError(`The operation exceeds the gateway's ${limit} limit.`, { extensions: { code: 'QUERY_LIMIT_EXCEEDED', limit } });
}

/**
 * graphql-armor with the configured limits. Validation limits report an error (so `validate` returns it like any
 * validation error, also on the WebSocket path, which answers that one operation instead of closing the socket);
 * the token limit aborts parsing. Field suggestions are hidden.
 */
export function useQueryLimits(limits: SecurityConfig['limits']): Plugin {
  const report = (limit: QueryLimit) => ({
    exposeLimits: false,
    propagateOnRejection: false,
    onReject: [(context: ValidationContext | null) => context?.reportError(queryLimitError(limit))],
  });
  return EnvelopArmorPlugin({
    maxDepth: { n: limits.depth, ignoreIntrospection: false, flattenFragments: false, ...report('depth') },
    maxAliases: { n: limits.aliases, ...report('aliases') },
    maxDirectives: { n: limits.directives, ...report('directives') },
    costLimit: { maxCost: limits.cost, ignoreIntrospection: false, ...report('cost') },
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
    blockFieldSuggestion: { enabled: true },
  }) as Plugin;
}
