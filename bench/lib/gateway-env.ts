/** The gateway as deployed (production), with nothing that would cap a benchmark: rate limits and budgets off. */
export function gatewayEnv(upstream: string): Record<string, string> {
  return {
    NODE_ENV: 'production',
    GATEWAY_AUTH: 'none',
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'silent',
    GRAPHIQL: 'false',
    UPSTREAM_BASE_URL: upstream,
    RATE_LIMIT_PER_SECOND: '0',
    MAX_UPSTREAM_CALLS_PER_OPERATION: '1000000',
    GRAPHQL_MAX_COST: '100000000',
    GRAPHQL_MAX_TOKENS: '100000',
    WS_MAX_CONNECTIONS_PER_CLIENT: '1000000',
    // Every benchmark client connects from 127.0.0.1, up to 10,000 WebSockets at once.
    HTTP_MAX_CONNECTIONS: '0',
    HTTP_MAX_CONNECTIONS_PER_ADDRESS: '0',
    // "loaders + dedupe off" sends 7,600 reads at once: its point is to count them, not to shed them
    // (by the queue's bound or by their deadline, 7,600 reads through 16 slots on a busy machine).
    UPSTREAM_MAX_QUEUE: '100000',
    UPSTREAM_OPERATION_DEADLINE_MS: '600000',
    REDIS_URL: '',
  };
}
