import { createHash } from 'node:crypto';
import { z } from 'zod';

/** Thrown for a bad setting; `src/index.ts` prints it and exits before anything listens. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const port = z.coerce.number().int().min(0).max(65_535);
const positiveInt = z.coerce.number().int().positive();
const nonNegativeInt = z.coerce.number().int().min(0);
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'])
  .transform((value) => ['true', '1', 'yes', 'on'].includes(value));
const url = z
  .string()
  .url()
  .refine((value) => /^https?:\/\//.test(value), 'must be an http(s) URL')
  .transform((value) => value.replace(/\/+$/, ''));
const redisUrl = z
  .string()
  .url()
  .refine((value) => /^rediss?:\/\//.test(value), 'must be a redis:// or rediss:// URL');

/** `k=v,k2=v2` or a JSON object of strings. */
const stringMap = z.string().transform((value, ctx): Record<string, string> => {
  const text = value.trim();
  if (text === '') return {};
  if (text.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed) && Object.values(parsed).every((v) => typeof v === 'string')) {
        return parsed as Record<string, string>;
      }
    } catch {
      // reported below
    }
    ctx.addIssue({ code: 'custom', message: 'must be a JSON object of strings or k=v,k2=v2' });
    return z.NEVER;
  }
  const entries: Array<[string, string]> = [];
  for (const pair of text.split(',')) {
    const index = pair.indexOf('=');
    if (index <= 0) {
      ctx.addIssue({ code: 'custom', message: `"${pair}" is not k=v` });
      return z.NEVER;
    }
    entries.push([pair.slice(0, index).trim(), pair.slice(index + 1).trim()]);
  }
  return Object.fromEntries(entries);
});

const list = z.string().transform((value) => value.split(',').map((item) => item.trim()).filter((item) => item !== ''));

/** `subject:key,…`: the keys are hashed at once, so no plain key outlives parsing. */
const apiKeys = z.string().transform((value, ctx): ApiKeyEntry[] => {
  const entries: ApiKeyEntry[] = [];
  for (const pair of value.split(',').map((item) => item.trim()).filter((item) => item !== '')) {
    const index = pair.indexOf(':');
    const subject = pair.slice(0, Math.max(index, 0));
    const key = pair.slice(index + 1);
    if (index <= 0 || !SUBJECT.test(subject)) {
      ctx.addIssue({ code: 'custom', message: `entry ${entries.length + 1} is not subject:key (subject: 1-128 of A-Z a-z 0-9 _ . @ -)` });
      return z.NEVER;
    }
    if (key.length < 16) {
      ctx.addIssue({ code: 'custom', message: `the key of "${subject}" must be at least 16 characters long` });
      return z.NEVER;
    }
    entries.push({ subject, keyHash: createHash('sha256').update(key).digest() });
  }
  return entries;
});
const SUBJECT = /^[\w.@-]{1,128}$/;
/** Asymmetric algorithms only: an HMAC secret next to a public key is the algorithm-confusion attack. */
const JWT_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;
const loopback = (host: string) => host === 'localhost' || host === '::1' || host.startsWith('127.');

/**
 * Every setting of the gateway and the embedded runs API, by environment variable.
 * The README's settings table lists the same names, defaults and meanings.
 */
const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: port.default(4000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  GRAPHIQL: bool.optional(),
  INTROSPECTION: bool.optional(),

  GATEWAY_AUTH: z.enum(['none', 'api-key', 'jwt']).optional(),
  GATEWAY_API_KEYS: apiKeys.default([]),
  GATEWAY_ADMIN_SUBJECTS: list.default([]),
  GATEWAY_JWT_PUBLIC_KEY: z.string().min(1).optional(),
  GATEWAY_JWT_JWKS_URL: url.optional(),
  GATEWAY_JWT_ALGORITHMS: list.pipe(z.array(z.enum(JWT_ALGORITHMS)).min(1)).default(['RS256']),
  GATEWAY_JWT_ISSUER: z.string().min(1).optional(),
  GATEWAY_JWT_AUDIENCE: z.string().min(1).optional(),
  GATEWAY_JWT_SUBJECT_CLAIM: z.string().min(1).default('sub'),
  CORS_ORIGINS: list.default([]),
  MAX_REQUEST_BODY_BYTES: positiveInt.default(2 * 1024 * 1024),
  MAX_UPSTREAM_CALLS_PER_OPERATION: positiveInt.default(200),
  GRAPHQL_MAX_DEPTH: positiveInt.default(15),
  GRAPHQL_MAX_ALIASES: positiveInt.default(15),
  GRAPHQL_MAX_TOKENS: positiveInt.default(2_000),
  GRAPHQL_MAX_DIRECTIVES: positiveInt.default(50),
  GRAPHQL_MAX_COST: positiveInt.default(300_000),
  PERSISTED_DOCUMENTS: z.string().min(1).optional(),
  RATE_LIMIT_PER_SECOND: z.coerce.number().min(0).default(10),
  RATE_LIMIT_BURST: positiveInt.default(300),
  RATE_LIMIT_RUN_COST: positiveInt.default(5),
  WS_MAX_CONNECTIONS_PER_CLIENT: positiveInt.default(50),

  UPSTREAM_BASE_URL: url.optional(),
  UPSTREAM_API_KEY: z.string().min(1).optional(),
  UPSTREAM_AUTH_HEADER: z.string().min(1).default('authorization'),
  UPSTREAM_BETA_HEADER: z.string().default('assistants=v2'),
  UPSTREAM_HEADERS: stringMap.default({}),
  UPSTREAM_QUERY_PARAMS: stringMap.default({}),
  UPSTREAM_TIMEOUT_MS: positiveInt.default(30_000),
  UPSTREAM_MAX_RETRIES: nonNegativeInt.max(10).default(2),
  UPSTREAM_RETRY_AFTER_CAP_MS: nonNegativeInt.default(60_000),
  UPSTREAM_MAX_CONCURRENCY: positiveInt.default(16),
  UPSTREAM_BREAKER_THRESHOLD: nonNegativeInt.default(50),
  UPSTREAM_BREAKER_COOLDOWN_MS: positiveInt.default(5_000),
  UPSTREAM_READ_CACHE_MS: nonNegativeInt.default(1_000),

  RUNS_API_PORT: port.default(4010),
  RUNS_API_KEY: z.string().min(1).optional(),
  RUNS_API_STEP_MS: positiveInt.default(400),
  RUNS_API_DEMO_DATA: bool.default(true),
  RUNS_API_REQUIRE_BETA_HEADER: bool.default(true),
  RUNS_API_FAULTS: z.string().default(''),
  RUNS_API_FAULT_CONTROL: bool.default(false),

  REDIS_URL: redisUrl.optional(),
  REDIS_KEY_PREFIX: z.string().min(1).default('runs-gateway:'),

  IDEMPOTENCY_TTL_MS: positiveInt.default(86_400_000),
  IDEMPOTENCY_MAX_KEYS: positiveInt.default(10_000),

  LIVE_POLL_INTERVAL_MS: positiveInt.default(1_000),
  LIVE_MIN_POLL_INTERVAL_MS: positiveInt.default(50),
  LIVE_MAX_BACKOFF_MS: positiveInt.default(10_000),
  LIVE_OUTAGE_RETRY_MS: positiveInt.default(2_000),
  LIVE_THREAD_POLL_INTERVAL_MS: positiveInt.default(2_000),
  LIVE_STREAM_IDLE_TIMEOUT_MS: positiveInt.default(30_000),
  LIVE_SHARED_CACHE_MS: nonNegativeInt.default(1_000),
  OTEL_EXPORTER_OTLP_ENDPOINT: url.optional(),
  OTEL_SERVICE_NAME: z.string().min(1).default('runs-gateway'),
  SHUTDOWN_TIMEOUT_MS: positiveInt.default(10_000),
  SHUTDOWN_DELAY_MS: nonNegativeInt.default(0),
  HTTP_HEADERS_TIMEOUT_MS: positiveInt.default(10_000),
  HTTP_REQUEST_TIMEOUT_MS: positiveInt.default(30_000),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: positiveInt.default(5_000),
  HTTP_MAX_CONNECTIONS: nonNegativeInt.default(10_000),
  HTTP_MAX_CONNECTIONS_PER_ADDRESS: nonNegativeInt.default(1_000),
  READINESS_CACHE_MS: nonNegativeInt.default(2_000),
  LIVE_LEASE_MS: positiveInt.min(300).default(10_000),
  LIVE_STATE_TTL_MS: positiveInt.default(600_000),
  WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: positiveInt.default(100),
  WS_CONNECTION_INIT_TIMEOUT_MS: positiveInt.default(3_000),
  WS_MAX_MESSAGE_BYTES: positiveInt.default(1024 * 1024),
  WS_KEEPALIVE_MS: positiveInt.default(12_000),
  WS_MAX_BUFFERED_BYTES: positiveInt.default(4 * 1024 * 1024),
});

export type Env = z.infer<typeof envSchema>;

export interface UpstreamConfig {
  /** Base URL including any path prefix, e.g. http://localhost:4010/v1; set after the embedded API starts when not configured. */
  baseUrl: string | undefined;
  apiKey: string | undefined;
  /** `authorization` sends `Bearer <key>`; any other name (e.g. Azure's `api-key`) sends the key as is. */
  authHeader: string;
  betaHeader: string;
  headers: Record<string, string>;
  queryParams: Record<string, string>;
  timeoutMs: number;
  maxRetries: number;
  retryAfterCapMs: number;
  maxConcurrency: number;
  /** Failed attempts in a row (5xx, timeouts, network) that open the circuit; 0 or unset: no breaker. */
  breakerThreshold?: number;
  /** How long an open circuit fails fast before one probe is let through. @default 5000 */
  breakerCooldownMs?: number;
  /**
   * Queries share upstream answers (GETs) younger than this, counted from when the GET began; writes through this
   * instance drop the answers of their thread at once. 0: every query reads fresh. @default 0 (1000 from the env)
   */
  readCacheMs?: number;
}

export interface RunsApiConfig {
  port: number;
  apiKey: string | undefined;
  stepMs: number;
  demoData: boolean;
  requireBetaHeader: boolean;
  faults: string;
  faultControl: boolean;
}

export interface IdempotencyConfig {
  /** How long a mutation's idempotencyKey is remembered, from its first use. */
  ttlMs: number;
  /** In-memory store bound: past it, the oldest finished keys are forgotten first. */
  maxKeys: number;
}

export interface LiveConfig {
  /** Poll interval of a run when the upstream sends no `openai-poll-after-ms`. */
  pollIntervalMs: number;
  /** Lower bound on any poll interval, whatever the upstream asks. */
  minPollIntervalMs: number;
  /** Longest wait between polls after upstream failures, also when the upstream asks for longer (Retry-After). */
  maxBackoffMs: number;
  /**
   * While polls fail without the upstream naming a time, the longest wait before the next try: an outage ends
   * for subscribers within about this of the upstream answering again.
   */
  outageRetryMs: number;
  /** Poll interval of a thread's run list (threadRunsUpdated). */
  threadPollIntervalMs: number;
  /** A run event stream silent this long is abandoned and polling takes over. */
  streamIdleTimeoutMs: number;
  /** How long subscription events share answers of nested reads (assistant, thread, steps). */
  sharedCacheMs: number;
  /** With Redis: lease of a run or thread poller; a dead poller is replaced within about two of these. */
  leaseMs: number;
  /** With Redis: how long the last state of a run is kept after its last change. */
  stateTtlMs: number;
}

export interface WebSocketConfig {
  maxSubscriptionsPerConnection: number;
  connectionInitTimeoutMs: number;
  maxMessageBytes: number;
  keepAliveMs: number;
  /** A client whose unsent data grows past this is closed (slow consumer). */
  maxBufferedBytes: number;
}

/** Node's HTTP server bounds on what one connection may hold (slow or idle clients). */
export interface HttpServerConfig {
  /** A request's headers must have arrived within this (408 and close otherwise); also counts for a new, silent connection. */
  headersTimeoutMs: number;
  /** The whole request, headers and body, must have arrived within this (408 and close otherwise); responses are not limited. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: number;
  /** Connections at once (HTTP and WebSocket); past it new ones are closed at once. 0: no cap. */
  maxConnections: number;
  /** Connections at once from one remote address; past it that address's new ones are closed at once. 0: no cap. */
  maxConnectionsPerAddress: number;
}

export interface ApiKeyEntry {
  subject: string;
  /** sha256 of the key; the key itself is not kept. */
  keyHash: Buffer;
}

export type AuthConfig =
  | { mode: 'none' }
  | { mode: 'api-key'; keys: readonly ApiKeyEntry[]; adminSubjects: readonly string[] }
  | {
      mode: 'jwt';
      /** SPKI PEM, or a JWKS URL: exactly one. */
      publicKey: string | undefined;
      jwksUrl: string | undefined;
      algorithms: readonly string[];
      issuer: string;
      audience: string;
      subjectClaim: string;
      adminSubjects: readonly string[];
    };

export interface SecurityConfig {
  auth: AuthConfig;
  introspection: boolean;
  /** Allowed cross-origin callers (HTTP CORS and WebSocket upgrade); `*` any, without credentials. Same-origin is always allowed. */
  corsOrigins: readonly string[];
  maxRequestBodyBytes: number;
  maxUpstreamCallsPerOperation: number;
  limits: { depth: number; aliases: number; tokens: number; directives: number; cost: number };
  /** Path of a JSON map `{ "<sha256>": "<document>" }`; when set, only these documents are accepted. */
  persistedDocuments: string | undefined;
  /** Token bucket per client (subject, or address when anonymous); perSecond 0 turns it off. */
  rateLimit: { perSecond: number; burst: number; runCost: number };
  wsMaxConnectionsPerClient: number;
}

export interface RedisConfig {
  /** redis:// or rediss:// URL, with credentials and database number if any (hidden in errors). */
  url: string;
  /** Prepended to every key and channel, so several deployments can share one Redis. */
  keyPrefix: string;
}

export interface Config {
  nodeEnv: Env['NODE_ENV'];
  host: string;
  port: number;
  logLevel: Env['LOG_LEVEL'];
  graphiql: boolean;
  upstream: UpstreamConfig;
  /** The embedded runs API is started when no UPSTREAM_BASE_URL is set. */
  embeddedRunsApi: boolean;
  runsApi: RunsApiConfig;
  /** Set when REDIS_URL is: instances share live runs, leases and idempotency keys through it. */
  redis: RedisConfig | undefined;
  idempotency: IdempotencyConfig;
  live: LiveConfig;
  ws: WebSocketConfig;
  tracing: { otlpEndpoint: string | undefined; serviceName: string };
  /** How long a SIGTERM waits for in-flight requests before closing what is left. */
  shutdownTimeoutMs: number;
  /** On SIGTERM, how long the gateway keeps serving with /readiness at 503 before it stops accepting connections. */
  shutdownDelayMs: number;
  http: HttpServerConfig;
  /** How long a readiness answer is reused (a burst of probes costs one upstream call). */
  readinessCacheMs: number;
  security: SecurityConfig;
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = issue.path.join('.');
      const value = name.includes('KEY') || name === 'REDIS_URL' ? '(hidden)' : JSON.stringify(env[name]);
      return `  ${name}=${value}: ${issue.message}`;
    });
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if (e.UPSTREAM_API_KEY !== undefined && e.UPSTREAM_BASE_URL === undefined) {
    throw new ConfigError('Invalid configuration:\n  UPSTREAM_API_KEY is set but UPSTREAM_BASE_URL is not: the key would go nowhere.');
  }
  const production = e.NODE_ENV === 'production';
  const security = securityConfig(e);
  const refuse = (message: string) => new ConfigError(`Invalid configuration:\n  ${message}`);
  if (!production && !loopback(e.HOST)) {
    throw refuse(`HOST=${e.HOST} exposes the gateway, which needs NODE_ENV=production (development mode shows error details).`);
  }
  if (e.HTTP_HEADERS_TIMEOUT_MS > e.HTTP_REQUEST_TIMEOUT_MS) {
    throw refuse(`HTTP_HEADERS_TIMEOUT_MS=${e.HTTP_HEADERS_TIMEOUT_MS} is longer than HTTP_REQUEST_TIMEOUT_MS=${e.HTTP_REQUEST_TIMEOUT_MS}: the headers are part of the request.`);
  }
  if (production && e.GATEWAY_AUTH === undefined) {
    throw refuse('NODE_ENV=production needs GATEWAY_AUTH (api-key or jwt; none only on purpose, e.g. behind an authenticating proxy).');
  }
  return {
    nodeEnv: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    logLevel: e.LOG_LEVEL,
    graphiql: e.GRAPHIQL ?? !production,
    security,
    embeddedRunsApi: e.UPSTREAM_BASE_URL === undefined,
    redis: e.REDIS_URL === undefined ? undefined : { url: e.REDIS_URL, keyPrefix: e.REDIS_KEY_PREFIX },
    upstream: {
      baseUrl: e.UPSTREAM_BASE_URL,
      apiKey: e.UPSTREAM_API_KEY ?? (e.UPSTREAM_BASE_URL === undefined ? e.RUNS_API_KEY : undefined),
      authHeader: e.UPSTREAM_AUTH_HEADER.toLowerCase(),
      betaHeader: e.UPSTREAM_BETA_HEADER,
      headers: e.UPSTREAM_HEADERS,
      queryParams: e.UPSTREAM_QUERY_PARAMS,
      timeoutMs: e.UPSTREAM_TIMEOUT_MS,
      maxRetries: e.UPSTREAM_MAX_RETRIES,
      retryAfterCapMs: e.UPSTREAM_RETRY_AFTER_CAP_MS,
      maxConcurrency: e.UPSTREAM_MAX_CONCURRENCY,
      breakerThreshold: e.UPSTREAM_BREAKER_THRESHOLD,
      breakerCooldownMs: e.UPSTREAM_BREAKER_COOLDOWN_MS,
      readCacheMs: e.UPSTREAM_READ_CACHE_MS,
    },
    runsApi: {
      port: e.RUNS_API_PORT,
      apiKey: e.RUNS_API_KEY,
      stepMs: e.RUNS_API_STEP_MS,
      demoData: e.RUNS_API_DEMO_DATA,
      requireBetaHeader: e.RUNS_API_REQUIRE_BETA_HEADER,
      faults: e.RUNS_API_FAULTS,
      faultControl: e.RUNS_API_FAULT_CONTROL,
    },
    tracing: { otlpEndpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT, serviceName: e.OTEL_SERVICE_NAME },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    shutdownDelayMs: e.SHUTDOWN_DELAY_MS,
    http: {
      headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: e.HTTP_KEEP_ALIVE_TIMEOUT_MS,
      maxConnections: e.HTTP_MAX_CONNECTIONS,
      maxConnectionsPerAddress: e.HTTP_MAX_CONNECTIONS_PER_ADDRESS,
    },
    readinessCacheMs: e.READINESS_CACHE_MS,
    live: {
      pollIntervalMs: e.LIVE_POLL_INTERVAL_MS,
      minPollIntervalMs: e.LIVE_MIN_POLL_INTERVAL_MS,
      maxBackoffMs: e.LIVE_MAX_BACKOFF_MS,
      outageRetryMs: e.LIVE_OUTAGE_RETRY_MS,
      threadPollIntervalMs: e.LIVE_THREAD_POLL_INTERVAL_MS,
      streamIdleTimeoutMs: e.LIVE_STREAM_IDLE_TIMEOUT_MS,
      sharedCacheMs: e.LIVE_SHARED_CACHE_MS,
      leaseMs: e.LIVE_LEASE_MS,
      stateTtlMs: e.LIVE_STATE_TTL_MS,
    },
    ws: {
      maxSubscriptionsPerConnection: e.WS_MAX_SUBSCRIPTIONS_PER_CONNECTION,
      connectionInitTimeoutMs: e.WS_CONNECTION_INIT_TIMEOUT_MS,
      maxMessageBytes: e.WS_MAX_MESSAGE_BYTES,
      keepAliveMs: e.WS_KEEPALIVE_MS,
      maxBufferedBytes: e.WS_MAX_BUFFERED_BYTES,
    },
    idempotency: {
      ttlMs: e.IDEMPOTENCY_TTL_MS,
      maxKeys: e.IDEMPOTENCY_MAX_KEYS,
    },
  };
}

function securityConfig(e: Env): SecurityConfig {
  const refuse = (message: string) => new ConfigError(`Invalid configuration:\n  ${message}`);
  let auth: AuthConfig;
  switch (e.GATEWAY_AUTH ?? 'none') {
    case 'none':
      auth = { mode: 'none' };
      break;
    case 'api-key':
      if (e.GATEWAY_API_KEYS.length === 0) throw refuse('GATEWAY_AUTH=api-key needs GATEWAY_API_KEYS (subject:key,…).');
      auth = { mode: 'api-key', keys: e.GATEWAY_API_KEYS, adminSubjects: e.GATEWAY_ADMIN_SUBJECTS };
      break;
    case 'jwt':
      if ((e.GATEWAY_JWT_PUBLIC_KEY === undefined) === (e.GATEWAY_JWT_JWKS_URL === undefined)) {
        throw refuse('GATEWAY_AUTH=jwt needs exactly one of GATEWAY_JWT_PUBLIC_KEY and GATEWAY_JWT_JWKS_URL.');
      }
      if (e.GATEWAY_JWT_ISSUER === undefined || e.GATEWAY_JWT_AUDIENCE === undefined) {
        throw refuse('GATEWAY_AUTH=jwt needs GATEWAY_JWT_ISSUER and GATEWAY_JWT_AUDIENCE (tokens are checked against both).');
      }
      auth = {
        mode: 'jwt',
        publicKey: e.GATEWAY_JWT_PUBLIC_KEY?.replace(/\\n/g, '\n'),
        jwksUrl: e.GATEWAY_JWT_JWKS_URL,
        algorithms: e.GATEWAY_JWT_ALGORITHMS,
        issuer: e.GATEWAY_JWT_ISSUER,
        audience: e.GATEWAY_JWT_AUDIENCE,
        subjectClaim: e.GATEWAY_JWT_SUBJECT_CLAIM,
        adminSubjects: e.GATEWAY_ADMIN_SUBJECTS,
      };
      break;
  }
  return {
    auth,
    introspection: e.INTROSPECTION ?? e.NODE_ENV !== 'production',
    corsOrigins: e.CORS_ORIGINS.map((origin) => origin.replace(/\/+$/, '')),
    maxRequestBodyBytes: e.MAX_REQUEST_BODY_BYTES,
    maxUpstreamCallsPerOperation: e.MAX_UPSTREAM_CALLS_PER_OPERATION,
    limits: {
      depth: e.GRAPHQL_MAX_DEPTH,
      aliases: e.GRAPHQL_MAX_ALIASES,
      tokens: e.GRAPHQL_MAX_TOKENS,
      directives: e.GRAPHQL_MAX_DIRECTIVES,
      cost: e.GRAPHQL_MAX_COST,
    },
    persistedDocuments: e.PERSISTED_DOCUMENTS,
    rateLimit: { perSecond: e.RATE_LIMIT_PER_SECOND, burst: e.RATE_LIMIT_BURST, runCost: e.RATE_LIMIT_RUN_COST },
    wsMaxConnectionsPerClient: e.WS_MAX_CONNECTIONS_PER_CLIENT,
  };
}

/** For entry points: the config, or the bad settings on stderr and exit code 1 before anything starts. */
export function loadConfigOrExit(env: Record<string, string | undefined> = process.env): Config {
  try {
    return loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}
