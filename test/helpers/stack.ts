import { loadConfig, type Config } from '../../src/config.js';
import { startRunsApi, type RunsApi, type RunsApiOptions } from '../../src/runs-api/index.js';
import { createLogger, type Logger } from '../../src/observability/logger.js';
import { createGateway, type Gateway } from '../../src/server/app.js';

/** A real pino logger writing into `lines` (parsed), at debug unless LOG_LEVEL says otherwise. */
function capturingLogger(lines: Array<Record<string, unknown>>, config: Config): Logger {
  const level = config.logLevel === 'silent' ? 'debug' : config.logLevel;
  return createLogger({ logLevel: level }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
}

export interface GraphQLResponse<TData = Record<string, unknown>> {
  data?: TData | null;
  errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, unknown> }>;
}

export interface Stack {
  api: RunsApi;
  gateway: Gateway;
  config: Config;
  /** Runs an operation through `yoga.fetch` (no socket). */
  query<TData = Record<string, any>>(document: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResponse<TData>>;
  close(): Promise<void>;
}

export interface StackOptions {
  runsApi?: RunsApiOptions;
  /** An embedded runs API to share (several gateway instances on one upstream); not closed with the stack. */
  api?: RunsApi;
  /** Settings as environment variables, on top of the test defaults. */
  env?: Record<string, string>;
  /** Last word on the config (after the upstream URL is known). */
  configure?: (config: Config) => Config;
  fetch?: typeof fetch;
  /** The gateway's clock (read cache, breaker, shared results, rate limits): see adjustableClock in wait.ts. */
  now?: () => number;
  /** Captures the gateway's log lines (JSON objects) when given. */
  logLines?: Array<Record<string, unknown>>;
}

/** The embedded runs API on port 0 with short steps, and a gateway on port 0 pointed at it. */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const api = options.api ?? (await startRunsApi({ port: 0, stepMs: 25, demoData: false, ...options.runsApi }));
  // Most tests count the upstream calls of each operation or inject faults between operations: queries read fresh
  // unless a test turns the shared read cache on (test/operations/read-cache.test.ts).
  const baseConfig = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', UPSTREAM_READ_CACHE_MS: '0', UPSTREAM_BASE_URL: api.url, ...options.env });
  const withKey: Config = options.runsApi?.apiKey && !options.env?.['UPSTREAM_API_KEY']
    ? { ...baseConfig, upstream: { ...baseConfig.upstream, apiKey: options.runsApi.apiKey } }
    : baseConfig;
  const config = options.configure ? options.configure(withKey) : withKey;
  const logger = options.logLines ? capturingLogger(options.logLines, config) : undefined;
  const gateway = createGateway({ config, ...(options.fetch ? { fetch: options.fetch } : {}), ...(logger ? { logger } : {}), ...(options.now ? { now: options.now } : {}) });
  await gateway.listen(0, '127.0.0.1');
  return {
    api,
    gateway,
    config,
    async query(document, variables, headers) {
      const response = await gateway.yoga.fetch('http://yoga/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
        body: JSON.stringify({ query: document, variables }),
      });
      return (await response.json()) as GraphQLResponse<never>;
    },
    async close() {
      await gateway.close();
      if (!options.api) await api.close();
    },
  };
}
