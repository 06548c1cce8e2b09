import { z } from 'zod';
import { responsesApiSettings } from './responses-api/settings.js';
import { trustProxySchema, type TrustProxy } from './security/client-address.js';
import { runsApiSettings } from './runs-api/settings.js';
import { ENTRA_TOKEN_URL, UPSTREAM_CAPABILITIES, UPSTREAM_PROFILES, type CapabilityChange, type UpstreamCapability } from './upstream/profiles.js';
import { TOKEN_TIMING } from './upstream/token-provider.js';
import { resolveUpstream, type ResolvedUpstreamConfig } from './upstream/resolve.js';
import { resolveResponsesUpstream } from './runs-api/engines/responses/profile.js';
import {
  ConfigError,
  apiKeys,
  bool,
  list,
  nonNegativeInt,
  port,
  positiveInt,
  readSettings,
  redisUrl,
  setting,
  settingsIn,
  stringMap,
  url,
  type ApiKeyEntry,
  type Env,
  type SettingsOf,
  type SettingsTable,
} from './settings.js';

export { ConfigError, type ApiKeyEntry } from './settings.js';

/** Asymmetric algorithms only: an HMAC secret next to a public key is the algorithm-confusion attack. */
const JWT_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;
const loopback = (host: string) => host === 'localhost' || host === '::1' || host.startsWith('127.');
const optionalText = z.string().min(1).optional();

const serverSettings = {
  nodeEnv: setting('NODE_ENV', z.enum(['development', 'production', 'test']).default('development'), '`production` masks unexpected errors (no stacks or internal messages; typed codes stay)'),
  host: setting('HOST', z.string().min(1).default('127.0.0.1'), 'interface both servers bind to (`0.0.0.0` to expose them; anything but loopback needs `NODE_ENV=production`)'),
  port: setting('PORT', port.default(4000), 'gateway port (`0` picks a free one)'),
  logLevel: setting('LOG_LEVEL', z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'), '`fatal` … `trace`, or `silent`; JSON lines (pino) with a request id per operation'),
  graphiql: setting('GRAPHIQL', bool.optional(), 'serve GraphiQL at `/graphql` and the console at `/console`', { shown: 'on in development' }),
  introspection: setting('INTROSPECTION', bool.optional(), 'allow schema introspection', { shown: 'on in development' }),
  shutdownTimeoutMs: setting('SHUTDOWN_TIMEOUT_MS', positiveInt.default(10_000), 'on SIGTERM, how long in-flight requests (and the WebSocket close handshakes) may take once the listener is closed; the process exits as soon as they are done, and closes what is left when this runs out'),
  shutdownDelayMs: setting('SHUTDOWN_DELAY_MS', nonNegativeInt.default(0), 'on SIGTERM, how long the gateway keeps accepting and serving, with `/readiness` answering 503, before it closes the listener: set it to your load balancer\'s health-check period so that it stops sending traffic first (Kubernetes: instead of a `preStop` sleep)'),
  http: {
    headersTimeoutMs: setting('HTTP_HEADERS_TIMEOUT_MS', positiveInt.default(10_000), 'a request\'s headers must have arrived within this, also on a new connection that sends nothing; else 408 and the connection is closed (slow-header clients)'),
    requestTimeoutMs: setting('HTTP_REQUEST_TIMEOUT_MS', positiveInt.default(30_000), 'the whole request, headers and body, must have arrived within this; else 408 and close (slow bodies). Answers, Server-Sent Events streams and WebSockets are not limited by it; must not be below `HTTP_HEADERS_TIMEOUT_MS`'),
    keepAliveTimeoutMs: setting('HTTP_KEEP_ALIVE_TIMEOUT_MS', positiveInt.default(5_000), 'an idle keep-alive connection is closed after this; behind a load balancer that reuses connections, set it above the balancer\'s idle timeout (e.g. `65000` behind an AWS ALB)'),
    maxConnections: setting('HTTP_MAX_CONNECTIONS', nonNegativeInt.default(10_000), 'connections at once (HTTP and WebSocket); past it new ones are closed on arrival. Keep it below the process\'s file limit (`ulimit -n`) with room for upstream and Redis connections; `0`: no cap'),
    maxConnectionsPerAddress: setting('HTTP_MAX_CONNECTIONS_PER_ADDRESS', nonNegativeInt.default(1_000), 'connections at once from one remote address; past it that address\'s new ones are closed on arrival, so one client cannot take every file descriptor. Behind a reverse proxy every client has the proxy\'s address: raise it to what the proxy may open, or `0` (no cap) and bound clients at the proxy'),
  },
  compression: {
    enabled: setting('COMPRESSION', z.enum(['on', 'off']).default('on'), 'compress GraphQL answers over HTTP (brotli, else gzip, as `Accept-Encoding` allows); Server-Sent Events and multipart answers never are. GraphiQL\'s and the console\'s files are always served compressed (done once, `npm run assets:build`)'),
    minBytes: setting('COMPRESSION_MIN_BYTES', nonNegativeInt.default(1024), 'answers smaller than this are sent as they are (compressing them saves less than it costs)'),
  },
  metricsLegacyNames: setting('METRICS_LEGACY_NAMES', bool.optional(), 'also serve the process metrics under their old doubled names (`gateway_process_process_cpu_user_seconds_total`, `gateway_process_nodejs_…`) beside the new ones (`gateway_process_cpu_user_seconds_total`, `gateway_nodejs_…`); deprecated: off by default from the next release, then removed', { shown: 'on (this release)' }),
  readinessCacheMs: setting('READINESS_CACHE_MS', nonNegativeInt.default(2_000), 'how long a `/readiness` answer is reused'),
  readinessTimeoutMs: setting('READINESS_TIMEOUT_MS', positiveInt.default(1_500), 'how long `/readiness` waits for the upstream before answering 503; its probe never waits behind other upstream requests'),
  tracing: {
    otlpEndpoint: setting('OTEL_EXPORTER_OTLP_ENDPOINT', url.optional(), 'OTLP/HTTP endpoint (e.g. `http://localhost:4318`): one span per operation and per upstream call'),
    serviceName: setting('OTEL_SERVICE_NAME', z.string().min(1).default('runs-gateway'), 'service name of the spans'),
  },
};

/** `-cancel_run,+list_threads`: capabilities taken from or added to the profile's. */
const capabilityChanges = z.string().transform((value, ctx): CapabilityChange[] => {
  const changes: CapabilityChange[] = [];
  for (const item of value.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '')) {
    const present = !item.startsWith('-');
    const name = item.replace(/^[+-]/, '');
    if (!(UPSTREAM_CAPABILITIES as readonly string[]).includes(name)) {
      ctx.addIssue({ code: 'custom', message: `unknown capability "${name}"; known: ${UPSTREAM_CAPABILITIES.join(', ')}` });
      return z.NEVER;
    }
    changes.push({ capability: name as UpstreamCapability, present });
  }
  return changes;
});

const upstreamProfile = z.enum(UPSTREAM_PROFILES, {
  error: (issue) => `unknown profile ${JSON.stringify(issue.input)}; accepted: ${UPSTREAM_PROFILES.join(', ')}`,
});

const upstreamSettings = {
  profile: setting('UPSTREAM_PROFILE', upstreamProfile.default('openai'), `which kind of server the upstream is (${UPSTREAM_PROFILES.map((name) => `\`${name}\``).join(', ')}): the settings shown "by profile" take its values unless set (see [Upstream profiles](#upstream-profiles))`),
  baseUrl: setting('UPSTREAM_BASE_URL', url.optional(), 'base URL of a server that speaks the API, with any path prefix (e.g. `https://host/openai/v1`); unset starts the embedded runs API and uses it'),
  apiKey: setting('UPSTREAM_API_KEY', optionalText, 'key sent upstream; never sent to clients or logged', { secret: true }),
  authHeader: setting('UPSTREAM_AUTH_HEADER', z.string().min(1).transform((name) => name.toLowerCase()).default('authorization'), 'header carrying the key: `authorization` sends `Bearer <key>`, any other name (e.g. Azure\'s `api-key`) sends the key as is'),
  betaHeader: setting('UPSTREAM_BETA_HEADER', optionalText, 'value of `OpenAI-Beta`; `none`: not sent', { shown: 'by profile' }),
  apiVersion: setting('UPSTREAM_API_VERSION', optionalText, '`api-version` query parameter of every request (Foundry: `v1`, `2025-05-01`, `2025-05-15-preview`); `none`: not sent. An `api-version` in `UPSTREAM_QUERY_PARAMS` wins', { shown: 'by profile' }),
  auth: setting('UPSTREAM_AUTH', z.enum(['key', 'client-credentials']).optional(), '`key`: `UPSTREAM_API_KEY` as it is; `client-credentials`: an OAuth 2.0 bearer token from `UPSTREAM_TOKEN_URL`, cached, refreshed before it expires and once after a 401 on a read', { shown: 'by profile' }),
  token: {
    url: setting('UPSTREAM_TOKEN_URL', url.optional(), 'token endpoint of `client-credentials` (`{tenant}` is replaced by `UPSTREAM_TENANT_ID`); Foundry: `' + ENTRA_TOKEN_URL + '`', { shown: 'by profile' }),
    tenantId: setting('UPSTREAM_TENANT_ID', optionalText, 'the Entra tenant (directory) id put into the token URL'),
    clientId: setting('UPSTREAM_CLIENT_ID', optionalText, 'client (application) id of `client-credentials`'),
    clientSecret: setting('UPSTREAM_CLIENT_SECRET', optionalText, 'client secret of `client-credentials`; never sent to clients or logged, like the tokens it buys', { secret: true }),
    scope: setting('UPSTREAM_TOKEN_SCOPE', optionalText, 'scope asked for; Foundry: `https://ai.azure.com/.default`', { shown: 'by profile' }),
    timeoutMs: setting('UPSTREAM_TOKEN_TIMEOUT_MS', positiveInt.default(TOKEN_TIMING.timeoutMs), 'how long a token request may take; past it the requests waiting for it fail with `UPSTREAM_UNAVAILABLE` (`reason: token_timeout`)'),
    refreshMarginMs: setting('UPSTREAM_TOKEN_REFRESH_MARGIN_MS', positiveInt.default(TOKEN_TIMING.refreshMarginMs), 'a token is replaced this long before it expires (at most half its lifetime before), by one request however many wait'),
  },
  capabilities: setting('UPSTREAM_CAPABILITIES', capabilityChanges.default([]), `operations taken from or added to the profile's (\`-cancel_run,+list_threads\`; known: ${UPSTREAM_CAPABILITIES.map((name) => `\`${name}\``).join(', ')}): one the upstream lacks is refused before sending with \`UPSTREAM_UNSUPPORTED\``, { shown: 'by profile' }),
  forwardCaller: setting(
    'UPSTREAM_FORWARD_CALLER',
    bool.optional(),
    "name each operation's authenticated subject to the upstream in `x-gateway-caller` (percent-encoded), for a runs API on `RESPONSES_PROFILE=foundry` that keeps each user's data under their own isolation key; only for a runs API this gateway holds the key of. Default: on for the embedded runs API when it isolates users, else off",
  ),
  headers: setting('UPSTREAM_HEADERS', stringMap.default({}), 'extra headers for every upstream request: `k=v,k2=v2` or a JSON object'),
  queryParams: setting('UPSTREAM_QUERY_PARAMS', stringMap.default({}), 'extra query parameters for every upstream request (e.g. `api-version=2024-05-01-preview`)'),
  timeoutMs: setting('UPSTREAM_TIMEOUT_MS', positiveInt.default(30_000), 'per-attempt timeout of an upstream request'),
  maxRetries: setting('UPSTREAM_MAX_RETRIES', nonNegativeInt.max(10).default(2), 'retries of reads on 408/409/429/5xx and network errors, with backoff and `Retry-After` (writes are never retried)'),
  retryAfterCapMs: setting('UPSTREAM_RETRY_AFTER_CAP_MS', nonNegativeInt.default(60_000), 'longest `Retry-After` honoured before giving up with `RATE_LIMITED`'),
  maxConcurrency: setting('UPSTREAM_MAX_CONCURRENCY', positiveInt.default(16), 'upstream requests in flight at once per gateway (event streams not counted)'),
  breakerThreshold: setting('UPSTREAM_BREAKER_THRESHOLD', nonNegativeInt.default(50), 'failed attempts in a row (5xx, timeouts, network errors) that open the circuit: requests then fail fast with `UPSTREAM_UNAVAILABLE` (`reason: circuit_open`); `0` turns it off'),
  breakerCooldownMs: setting('UPSTREAM_BREAKER_COOLDOWN_MS', positiveInt.default(5_000), 'how long an open circuit fails fast before one probe request is let through'),
  maxQueue: setting('UPSTREAM_MAX_QUEUE', nonNegativeInt.default(1024), 'upstream requests that may wait for one of those slots (a thread page of 50 runs makes about 105 at once, so this is about ten such pages loading together); one more is shed at once: `UPSTREAM_UNAVAILABLE` (`reason: overloaded`, `retryAfterMs`; over HTTP 503 with `Retry-After`), and nothing is sent (a shed write was not applied). `0`: no waiting'),
  operationDeadlineMs: setting('UPSTREAM_OPERATION_DEADLINE_MS', positiveInt.default(10_000), 'how long one upstream request may take from the moment it is made, queue time included: a request that cannot start in time to finish is shed as overloaded, at once when its estimated wait (the batches ahead of it times how long a slot is held, by the recent answers and the youngest request in flight) is already past it; a read\'s attempts and retries all end by then (a timeout once sent); a write, once sent, keeps its full `UPSTREAM_TIMEOUT_MS` and is never retried'),
  readCacheMs: setting(
    'UPSTREAM_READ_CACHE_MS',
    nonNegativeInt.default(1_000),
    "queries share upstream answers (GETs) younger than this, counted from when the GET began, so a wave of clients loading the same page costs the upstream one page; identical queries (same document, variables and caller) reuse a finished result within the same bound; a write drops its thread's answers (and every finished result) at once, on every instance when they share Redis; failures are never kept; `0`: every query reads fresh, and only identical queries in flight at the same moment share one execution",
  ),
};

const liveSettings = {
  pollIntervalMs: setting('LIVE_POLL_INTERVAL_MS', positiveInt.default(1_000), 'run poll interval when the upstream sends no `openai-poll-after-ms`'),
  minPollIntervalMs: setting('LIVE_MIN_POLL_INTERVAL_MS', positiveInt.default(50), 'lower bound on any poll interval'),
  maxBackoffMs: setting('LIVE_MAX_BACKOFF_MS', positiveInt.default(10_000), 'longest wait between polls after upstream failures, also when the upstream asks for longer (`Retry-After`, an open circuit\'s cooldown)'),
  outageRetryMs: setting('LIVE_OUTAGE_RETRY_MS', positiveInt.default(2_000), 'while polls fail and the upstream names no wait, the longest a run or thread poller waits before trying again (its interval doubled per failure up to this, never below the interval): subscriptions resume within about this of the upstream answering, or at once when another poll has seen it answer'),
  threadPollIntervalMs: setting('LIVE_THREAD_POLL_INTERVAL_MS', positiveInt.default(2_000), "poll interval of a thread's run list (`threadRunsUpdated`)"),
  streamIdleTimeoutMs: setting('LIVE_STREAM_IDLE_TIMEOUT_MS', positiveInt.default(30_000), 'an upstream run event stream silent this long is abandoned; polling takes over'),
  sharedCacheMs: setting(
    'LIVE_SHARED_CACHE_MS',
    nonNegativeInt.default(1_000),
    "how long subscription events share answers of nested reads (assistant, thread, steps), and how long a run state's result is reused for subscribers of the same operation who get that state later",
  ),
  leaseMs: setting('LIVE_LEASE_MS', positiveInt.min(300).default(10_000), 'with Redis: lease of a run or thread poller; a dead poller is replaced within about two of these'),
  stateTtlMs: setting('LIVE_STATE_TTL_MS', positiveInt.default(600_000), 'with Redis: how long the last state of a run is kept'),
};

const wsSettings = {
  maxSubscriptionsPerConnection: setting('WS_MAX_SUBSCRIPTIONS_PER_CONNECTION', positiveInt.default(100), 'operations at once on one WebSocket (the next one gets `RATE_LIMITED`)'),
  connectionInitTimeoutMs: setting('WS_CONNECTION_INIT_TIMEOUT_MS', positiveInt.default(3_000), 'a socket without `connection_init` by then is closed (4408)'),
  maxMessageBytes: setting('WS_MAX_MESSAGE_BYTES', positiveInt.default(1024 * 1024), 'larger frames close the socket (1009)'),
  keepAliveMs: setting('WS_KEEPALIVE_MS', positiveInt.default(12_000), 'ping interval; a client that misses a pong is dropped'),
  maxBufferedBytes: setting('WS_MAX_BUFFERED_BYTES', positiveInt.default(4 * 1024 * 1024), 'a client that stops reading and lets this much pile up is closed (1008)'),
};

const idempotencySettings = {
  ttlMs: setting('IDEMPOTENCY_TTL_MS', positiveInt.default(86_400_000), 'how long an `idempotencyKey` is remembered (24 h)'),
  maxKeys: setting('IDEMPOTENCY_MAX_KEYS', positiveInt.default(10_000), 'in memory: keys kept at most (oldest finished ones go first)'),
};

const redisSettings = {
  url: setting('REDIS_URL', redisUrl.optional(), '`redis://…`: instances share pubsub, one poller per run (leases), run states and idempotency keys', { secret: true }),
  keyPrefix: setting('REDIS_KEY_PREFIX', z.string().min(1).default('runs-gateway:'), 'prefix of every key and channel, so deployments can share a Redis'),
};

const threadsSettings = {
  dataDir: setting(
    'GATEWAY_DATA_DIR',
    z.string().min(1).optional(),
    "where the gateway keeps its own index of the threads created through it (`viewer.threads`), as `threads.jsonl` (relative paths from the working directory); `memory`: in memory only, lost on restart; not used with `REDIS_URL`, where the index is in Redis",
    { shown: '`.gateway-data` (`memory` with `NODE_ENV=test`)' },
  ),
};

const securitySettings = {
  authMode: setting('GATEWAY_AUTH', z.enum(['none', 'api-key', 'jwt']).optional(), '`none`, `api-key` or `jwt` (`Authorization: Bearer …`; WebSocket: in `connection_init`); required in production', { shown: '`none`' }),
  apiKeys: setting('GATEWAY_API_KEYS', apiKeys.default([]), '`subject:key,…` (keys of 16+ characters; held hashed, compared in constant time)', { secret: true, shown: 'none' }),
  adminSubjects: setting('GATEWAY_ADMIN_SUBJECTS', list.default([]), 'subjects that may see threads created outside the gateway', { shown: 'none' }),
  jwt: {
    publicKey: setting('GATEWAY_JWT_PUBLIC_KEY', z.string().min(1).transform((pem) => pem.replace(/\\n/g, '\n')).optional(), 'the key (SPKI PEM) that signs tokens; exactly one of this and `GATEWAY_JWT_JWKS_URL`'),
    jwksUrl: setting('GATEWAY_JWT_JWKS_URL', url.optional(), 'the JWKS that signs tokens; exactly one of this and `GATEWAY_JWT_PUBLIC_KEY`'),
    algorithms: setting('GATEWAY_JWT_ALGORITHMS', list.pipe(z.array(z.enum(JWT_ALGORITHMS)).min(1)).default(['RS256']), 'accepted algorithms (asymmetric only)'),
    issuer: setting('GATEWAY_JWT_ISSUER', optionalText, 'required `iss`'),
    audience: setting('GATEWAY_JWT_AUDIENCE', optionalText, 'required `aud`'),
    subjectClaim: setting('GATEWAY_JWT_SUBJECT_CLAIM', z.string().min(1).default('sub'), 'claim naming the caller'),
  },
  corsOrigins: setting(
    'CORS_ORIGINS',
    list.transform((origins) => origins.map((origin) => origin.replace(/\/+$/, ''))).default([]),
    'browser origins allowed (HTTP CORS and WebSocket upgrades); none: same-origin only',
  ),
  maxRequestBodyBytes: setting('MAX_REQUEST_BODY_BYTES', positiveInt.default(2 * 1024 * 1024), 'larger bodies get 413 before parsing'),
  maxUpstreamCallsPerOperation: setting(
    'MAX_UPSTREAM_CALLS_PER_OPERATION',
    positiveInt.default(200),
    'upstream calls one operation (or one subscription event) may start; past it the remaining fields fail with `UPSTREAM_BUDGET_EXCEEDED` and nothing more is sent',
  ),
  limits: {
    depth: setting('GRAPHQL_MAX_DEPTH', positiveInt.default(15), 'graphql-armor: deepest selection'),
    aliases: setting('GRAPHQL_MAX_ALIASES', positiveInt.default(15), 'graphql-armor: aliases per operation'),
    tokens: setting('GRAPHQL_MAX_TOKENS', positiveInt.default(2_000), 'graphql-armor: tokens per document'),
    directives: setting('GRAPHQL_MAX_DIRECTIVES', positiveInt.default(50), 'graphql-armor: directives per operation'),
    cost: setting('GRAPHQL_MAX_COST', positiveInt.default(300_000), 'graphql-armor: cost per operation'),
  },
  inputBounds: {
    maxDepth: setting('GRAPHQL_MAX_INPUT_DEPTH', positiveInt.default(64), "deepest nesting of objects and lists in an operation's variables (JSON inputs such as tool parameters included); deeper is `BAD_USER_INPUT` before any work"),
    maxListItems: setting('GRAPHQL_MAX_INPUT_LIST_ITEMS', positiveInt.default(1_000), 'most items in any one list of the variables; `nodes(ids:)` takes at most 100 ids'),
  },
  trustProxy: setting(
    'TRUST_PROXY',
    trustProxySchema.optional().transform((trust): TrustProxy => trust ?? { kind: 'none' }),
    'which peers may say who the client is: a hop count (`1`: the nearest proxy), or a comma list of addresses and CIDRs, IPv4 or IPv6, and `loopback`, `private`, `linklocal`. The client address from their `TRUST_PROXY_HEADER` then keys rate limits, WebSocket caps and log lines; a header from any other peer is ignored',
    { shown: 'none trusted' },
  ),
  forwardedHeader: setting('TRUST_PROXY_HEADER', z.enum(['x-forwarded-for', 'forwarded']).default('x-forwarded-for'), 'the header trusted proxies write: `x-forwarded-for` or `forwarded` (RFC 7239). Only the one your proxy sets: a client could send the other through it'),
  persistedDocuments: setting('PERSISTED_DOCUMENTS', optionalText, 'path of a JSON map `{hash: document}`: only those operations are accepted'),
  rateLimit: {
    perSecond: setting('RATE_LIMIT_PER_SECOND', z.coerce.number().min(0).default(10), 'token bucket per client (`RATE_LIMITED` with `retryAfterMs`): tokens added per second; `0` turns it off'),
    burst: setting('RATE_LIMIT_BURST', positiveInt.default(300), 'token bucket per client: its size'),
    runCost: setting('RATE_LIMIT_RUN_COST', positiveInt.default(5), 'tokens a run-starting mutation costs'),
  },
  wsMaxConnectionsPerClient: setting('WS_MAX_CONNECTIONS_PER_CLIENT', positiveInt.default(50), 'WebSocket connections at once per client (subject, or address without auth)'),
};

/** Every setting, grouped as the config it produces. */
const declarations = {
  server: serverSettings,
  upstream: upstreamSettings,
  live: liveSettings,
  ws: wsSettings,
  idempotency: idempotencySettings,
  redis: redisSettings,
  threads: threadsSettings,
  security: securitySettings,
  runsApi: runsApiSettings,
  responsesApi: responsesApiSettings,
};

/** The README's settings tables, in order (`npm run settings:docs` writes them; a test holds them to this). */
export const SETTINGS_TABLES: readonly SettingsTable[] = [
  { title: 'Server', groups: [serverSettings] },
  { title: 'Upstream', groups: [upstreamSettings] },
  { title: 'Live updates and WebSocket', groups: [liveSettings, wsSettings] },
  { title: 'Mutations and scale-out', groups: [idempotencySettings, redisSettings, threadsSettings] },
  { title: 'Security', groups: [securitySettings] },
  { title: 'Embedded runs API', groups: [runsApiSettings] },
  { title: 'Embedded Responses API', groups: [responsesApiSettings] },
];

/** Every declared setting, for checks that none is left out of the tables. */
export const ALL_SETTINGS = settingsIn(declarations);

type Settings = SettingsOf<typeof declarations>;

/** The upstream's settings as declared, before the profile fills them in. */
export type UpstreamSettings = Settings['upstream'];
/** The upstream's settings with the profile applied: what the client is made from. */
export type UpstreamConfig = ResolvedUpstreamConfig;
export type RunsApiConfig = Settings['runsApi'];
export type IdempotencyConfig = Settings['idempotency'];
export type LiveConfig = Settings['live'];
export type WebSocketConfig = Settings['ws'];
/** Node's HTTP server bounds on what one connection may hold (slow or idle clients). */
export type HttpServerConfig = Settings['server']['http'];
export type RedisConfig = { url: string; keyPrefix: string };
/** The thread index (viewer.threads) without Redis: its directory, or undefined to keep it in memory. */
export type ThreadsConfig = { dataDir: string | undefined };

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

type SecuritySettings = Settings['security'];
export type SecurityConfig = Omit<SecuritySettings, 'authMode' | 'apiKeys' | 'adminSubjects' | 'jwt'> & {
  auth: AuthConfig;
  introspection: boolean;
};

export interface Config {
  nodeEnv: Settings['server']['nodeEnv'];
  host: string;
  port: number;
  logLevel: Settings['server']['logLevel'];
  graphiql: boolean;
  upstream: UpstreamConfig;
  /** The embedded runs API is started when no UPSTREAM_BASE_URL is set. */
  embeddedRunsApi: boolean;
  runsApi: RunsApiConfig;
  /** Set when REDIS_URL is: instances share live runs, leases and idempotency keys through it. */
  redis: RedisConfig | undefined;
  idempotency: IdempotencyConfig;
  threads: ThreadsConfig;
  live: LiveConfig;
  ws: WebSocketConfig;
  tracing: Settings['server']['tracing'];
  shutdownTimeoutMs: number;
  shutdownDelayMs: number;
  http: HttpServerConfig;
  readinessCacheMs: number;
  readinessTimeoutMs: number;
  security: SecurityConfig;
  compression: { enabled: boolean; minBytes: number };
  /** Process metrics also under their doubled wave-1 names (deprecated). */
  metricsLegacyNames: boolean;
}

export function loadConfig(env: Env = process.env): Config {
  const s = readSettings(declarations, env);
  const refuse = (message: string) => new ConfigError(`Invalid configuration:\n  ${message}`);
  const { server, upstream } = s;
  if (upstream.apiKey !== undefined && upstream.baseUrl === undefined) {
    throw refuse('UPSTREAM_API_KEY is set but UPSTREAM_BASE_URL is not: the key would go nowhere.');
  }
  if (server.http.headersTimeoutMs > server.http.requestTimeoutMs) {
    throw refuse(`HTTP_HEADERS_TIMEOUT_MS=${server.http.headersTimeoutMs} is longer than HTTP_REQUEST_TIMEOUT_MS=${server.http.requestTimeoutMs}: the headers are part of the request.`);
  }
  const production = server.nodeEnv === 'production';
  if (!production && !loopback(server.host)) {
    throw refuse(`HOST=${server.host} exposes the gateway, which needs NODE_ENV=production (development mode shows error details).`);
  }
  if (production && s.security.authMode === undefined) {
    throw refuse('NODE_ENV=production needs GATEWAY_AUTH (api-key or jwt; none only on purpose, e.g. behind an authenticating proxy).');
  }
  const embeddedRunsApi = upstream.baseUrl === undefined;
  // The Responses engine's upstream settings are refused here, before anything starts, rather than at its start-up.
  const responsesUpstream = s.runsApi.engine === 'responses' ? resolveResponsesUpstream(s.runsApi.responsesUpstream, { apiKey: s.responsesApi.apiKey, runsApiAuthenticates: s.runsApi.apiKey !== undefined || s.runsApi.profile === 'foundry-classic' }) : undefined;
  const forwardCaller = upstream.forwardCaller ?? (embeddedRunsApi && responsesUpstream?.isolateCallers === true);
  const { authMode: _mode, apiKeys: _keys, adminSubjects: _admins, jwt: _jwt, ...security } = s.security;
  return {
    nodeEnv: server.nodeEnv,
    host: server.host,
    port: server.port,
    logLevel: server.logLevel,
    graphiql: server.graphiql ?? !production,
    security: { ...security, auth: authConfig(s.security), introspection: server.introspection ?? !production },
    embeddedRunsApi,
    redis: s.redis.url === undefined ? undefined : { url: s.redis.url, keyPrefix: s.redis.keyPrefix },
    // The embedded API's key, when it has one, is the key the gateway sends it.
    upstream: resolveUpstream({ ...upstream, forwardCaller, apiKey: upstream.apiKey ?? (embeddedRunsApi ? s.runsApi.apiKey : undefined) }),
    runsApi: s.runsApi,
    tracing: server.tracing,
    shutdownTimeoutMs: server.shutdownTimeoutMs,
    shutdownDelayMs: server.shutdownDelayMs,
    http: server.http,
    readinessCacheMs: server.readinessCacheMs,
    readinessTimeoutMs: server.readinessTimeoutMs,
    compression: { enabled: server.compression.enabled === 'on', minBytes: server.compression.minBytes },
    metricsLegacyNames: server.metricsLegacyNames ?? true,
    live: s.live,
    ws: s.ws,
    idempotency: s.idempotency,
    threads: { dataDir: threadsDataDir(s.threads.dataDir, server.nodeEnv) },
  };
}

/** Tests run many gateways at once: unless told otherwise, their thread index stays in memory. */
function threadsDataDir(setting: string | undefined, nodeEnv: Config['nodeEnv']): string | undefined {
  if (setting === 'memory') return undefined;
  return setting ?? (nodeEnv === 'test' ? undefined : '.gateway-data');
}

function authConfig(security: SecuritySettings): AuthConfig {
  const refuse = (message: string) => new ConfigError(`Invalid configuration:\n  ${message}`);
  const { jwt } = security;
  switch (security.authMode ?? 'none') {
    case 'none':
      return { mode: 'none' };
    case 'api-key':
      if (security.apiKeys.length === 0) throw refuse('GATEWAY_AUTH=api-key needs GATEWAY_API_KEYS (subject:key,…).');
      return { mode: 'api-key', keys: security.apiKeys, adminSubjects: security.adminSubjects };
    case 'jwt':
      if ((jwt.publicKey === undefined) === (jwt.jwksUrl === undefined)) {
        throw refuse('GATEWAY_AUTH=jwt needs exactly one of GATEWAY_JWT_PUBLIC_KEY and GATEWAY_JWT_JWKS_URL.');
      }
      if (jwt.issuer === undefined || jwt.audience === undefined) {
        throw refuse('GATEWAY_AUTH=jwt needs GATEWAY_JWT_ISSUER and GATEWAY_JWT_AUDIENCE (tokens are checked against both).');
      }
      return { mode: 'jwt', ...jwt, issuer: jwt.issuer, audience: jwt.audience, adminSubjects: security.adminSubjects };
  }
}

/** For entry points: the config, or the bad settings on stderr and exit code 1 before anything starts. */
export function loadConfigOrExit(env: Env = process.env): Config {
  try {
    return loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}
