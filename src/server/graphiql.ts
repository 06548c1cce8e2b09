import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import type { GraphiQLOptions } from 'graphql-yoga';

export const DEFAULT_TAB_QUERY = /* GraphQL */ `# Read a run. Ids accept the upstream id (run_…) or the global id.
query Run($threadId: ID!, $runId: ID!) {
  run(threadId: $threadId, runId: $runId) {
    id
    status
    model
    createdAt
    completedAt
    usage { totalTokens }
  }
}
`;

/**
 * GraphiQL with every asset inlined (no CDN), so it works offline. The page is about 9 MB:
 * it is rendered once here, at start-up, and served from memory.
 */
export function createGraphiQLRenderer(options: GraphiQLOptions): () => string {
  const html = renderGraphiQL({ title: 'Runs gateway', defaultQuery: DEFAULT_TAB_QUERY, subscriptionsProtocol: 'WS', ...options });
  return () => html;
}
