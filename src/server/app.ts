import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import type { Config } from '../config.js';
import type { Transport } from '../upstream/transport.js';
import { createContext, createEventLoaders, type GatewayContext } from '../context.js';
import { yogaLogger, type Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { useOperationObservability } from '../observability/plugin.js';
import { attachRequestContext, newRequestContext, requestContextOf, type RequestContext } from '../observability/request-context.js';
import { schema } from '../schema/index.js';
import { closeServices, createServices, type GatewayServices } from '../services.js';
import { createConsoleRoute } from './console/index.js';
import { httpServerOptions, trackConnections } from './connections.js';
import { LinkedSet } from '../collections/linked-set.js';
import { useResponseCompression } from './compression.js';
import { createReadiness } from './readiness.js';
import { useOverloadStatus } from './overload-status.js';
import { useSharedSubscriptionEvents } from './subscription-events.js';
import { useSharedQueryExecution } from './shared-execution.js';
import { AnswerCache } from './answer-cache.js';
import { DirectExecution, type EnvelopedYoga } from './direct-execution.js';
import { useCompiledQueries } from './compiled-execution.js';
import { attachGraphQLWs } from './graphql-ws.js';
import { ANONYMOUS } from '../security/auth.js';
import { readBoundedBody } from '../security/http.js';
import { createClientAddressResolver, rememberClientAddress } from '../security/client-address.js';
import { createErrorMasker } from '../security/masking.js';
import { createSecurity, identityOf, securityPlugins } from '../security/plugins.js';
import { clientKey } from '../security/rate-limit.js';
import { tenancyOn } from '../security/tenants.js';
import { createWebSocketGuard } from '../security/websocket.js';

export const GRAPHQL_PATH = '/graphql';
export { SLOW_CONSUMER_CLOSE_CODE } from './graphql-ws.js';

export interface GatewayOptions {
  config: Config;
  /**
   * The upstream's base URL when the config has none: the embedded runs API's, known once it listens.
   * @default config.upstream.baseUrl
   */
  upstreamUrl?: string;
  /** Injected into the upstream client (tests count or fake upstream calls with it). */
  fetch?: typeof fetch;
  /** Injected into the upstream client in place of its node:http transport (benchmarks observe answers with it). */
  transport?: Transport;
  /** Where logs go (tests capture them); JSON on stdout by default. */
  logger?: Logger;
  /** The clock of the read cache, the breaker, shared results and rate limits (tests move it instead of waiting). @default Date.now */
  now?: () => number;
}

export interface Gateway {
  yoga: YogaServerInstance<Record<string, unknown>, GatewayContext>;
  server: Server;
  services: GatewayServices;
  metrics: Metrics;
  /** Answers of identical fresh queries, served before yoga (tests look at its size). */
  answers: AnswerCache;
  /** Known queries executed without yoga's HTTP layer (tests and benchmarks turn it off to compare). */
  direct: DirectExecution;
  /** Hot queries executed by graphql-jit (tests and benchmarks turn it off to compare). */
  compiled: { enabled: boolean; readonly count: number };
  /** http://host:port/graphql once listening. */
  readonly url: string;
  readonly wsUrl: string;
  listen(port?: number, host?: string): Promise<void>;
  close(): Promise<void>;
}

type Route = (req: IncomingMessage, res: ServerResponse, path: string) => Promise<boolean> | boolean;

/** A route whose module is imported on its first request, once (a failed import is tried again next time). */
/**
 * The request an operation serves: a WebSocket operation's own (made by graphql-ws.ts, one per operation on a socket),
 * else the one the HTTP request carries (made when it came; the direct path hands yoga the same node request).
 */
function operationRequest(initial: object): RequestContext | undefined {
  const own = (initial as { requestContext?: RequestContext }).requestContext;
  return own ?? requestContextOf((initial as { req?: unknown }).req);
}

function lazyRoute(load: () => Promise<Route>): Route {
  let route: Promise<Route> | undefined;
  return async (req, res, path) => {
    route ??= load().catch((error: unknown) => {
      route = undefined;
      throw error;
    });
    return (await route)(req, res, path);
  };
}

export function createGateway(options: GatewayOptions): Gateway {
  const { config } = options;
  const services = createServices(config, {
    ...(options.upstreamUrl !== undefined ? { upstreamUrl: options.upstreamUrl } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.transport ? { transport: options.transport } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  const { metrics, logger } = services;
  const readiness = createReadiness(services);
  const security = createSecurity(config, options.now ? { now: options.now } : {});
  // The client's address (TRUST_PROXY): keys rate limits, WebSocket caps and log lines.
  const clientAddress = createClientAddressResolver({ trustProxy: config.security.trustProxy, header: config.security.forwardedHeader });
  const wsGuard = createWebSocketGuard(config, security, clientAddress);

  const observability = useOperationObservability({ logger, metrics, tracer: services.tracing.tracer });
  const yogaLogging = config.logLevel === 'silent' ? false : yogaLogger(logger);
  const masker = createErrorMasker({
    isDev: config.nodeEnv === 'development',
    tenancy: tenancyOn(config),
    // As yoga logs an error its masking changed.
    ...(yogaLogging ? { onMasked: (error: unknown) => yogaLogging.error(error) } : {}),
  });
  const sharingOn = () => services.sharedExecution ?? true;
  // Identical queries whose shared result is fresh, or being answered, are answered before yoga (authenticated,
  // rate-limited, logged).
  // Without authentication configured, the caller is known at once: a hit or a direct execution takes no promise for it.
  const authenticate = security.authenticator.mode === 'none' ? () => ANONYMOUS : (authorization: string | undefined) => security.authenticator.authenticate(authorization);
  const answers = new AnswerCache({
    enabled: sharingOn,
    generation: () => services.upstream.generation,
    ...(options.now ? { now: options.now } : {}),
    authenticate,
    authenticated: security.authenticated,
    admit: (identity, req) => !security.rateLimits || security.rateLimits.take(clientKey({ identity, req }), 1).then((taken) => taken.ok),
    served: (operation, durationMs, req) => observability.answeredFromCache(operation, durationMs, requestContextOf(req)?.requestId),
  });
  // Queries yoga has validated and executed once for a request of the same shape, executed again without its HTTP layer.
  const direct = new DirectExecution(() => yoga as unknown as EnvelopedYoga, {
    authenticate,
    authenticated: security.authenticated,
    compression: config.compression,
    onError: (error) => logger.error({ err: error }, 'direct execution failed'),
  });
  const compiled = { enabled: true, count: 0 };
  const compiledQueries = useCompiledQueries({
    enabled: () => compiled.enabled,
    onCompileFailure: (error) => logger.warn({ err: error }, 'query not compiled: it runs on the standard executor'),
  });
  Object.defineProperty(compiled, 'count', { get: () => compiledQueries.compiledCount() });
  const yoga: YogaServerInstance<Record<string, unknown>, GatewayContext> = createYoga<Record<string, unknown>, GatewayContext>({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    // Over HTTP and SSE the request's signal aborts when the client leaves; WebSocket operations have none here.
    context: (initial) => createContext(services, identityOf(security, initial), (initial as { request?: Request }).request?.signal, operationRequest(initial)),
    // GraphiQL is served before yoga (createGraphiQLRoute): a small page and cached, compressed assets.
    graphiql: false,
    landingPage: false,
    maskedErrors: { isDev: masker.isDev, errorMessage: masker.errorMessage, maskError: masker.rules },
    cors: security.origins.cors(),
    // readBoundedBody has already bounded the body (413) before yoga sees it; yoga's own limit would copy it through a stream again.
    maxRequestBodySize: false,
    logging: yogaLogging,
    plugins: [
      // First of the execute hooks: every other one wraps the executor it sets.
      compiledQueries,
      // First of the response hooks, so that its onResponse sees the final answer (yoga runs them in order).
      useResponseCompression(config.compression),
      observability,
      useOverloadStatus(),
      ...securityPlugins(config, security),
      // After authentication and limits: each request is still checked and counted; only resolving is shared.
      useSharedQueryExecution({
        enabled: () => services.sharedExecution ?? true,
        maxAgeMs: () => config.upstream.readCacheMs,
        generation: () => services.upstream.generation,
        ...(options.now ? { now: options.now } : {}),
        onReusable: (context, operation, meta) => answers.offer(context?.req as IncomingMessage | undefined, { type: 'query', name: operation.name?.value }, meta),
      }),
      // Each subscription event runs with fresh loaders (a loader of the subscribing request would serve stale runs),
      // once per event for all subscribers with the same operation and identity.
      useSharedSubscriptionEvents<GatewayContext>({
        eventContext: (ctx) => ({ ...ctx, loaders: createEventLoaders(services, ctx.identity) }),
        audience: (ctx) => `${ctx.identity.subject}\u0000${ctx.identity.admin}`,
        shareMs: config.live.sharedCacheMs,
        ...(options.now ? { now: options.now } : {}),
        onExecute: () => metrics.subscriptionEventExecutions.inc(),
        // Yoga's masking never sees subscription results and stream errors: this plugin masks them with the same rules.
        maskError: (error) => masker.mask(error),
        observe: (args) => observability.subscriptionOf(args),
      }),
      // Last: notes the documents yoga let through, for the direct path.
      direct.plugin,
    ],
  });

  /** The live run console at /console, a browser tool like GraphiQL (and off with it). */
  const consoleRoute = config.graphiql ? createConsoleRoute() : undefined;
  // GraphiQL's assets (some 9 MB of source, compressed at build time) load with its first request: a gateway with
  // GraphiQL off (production) never holds them.
  const graphiqlRoute = config.graphiql ? lazyRoute(() => import('./graphiql.js').then(({ createGraphiQLRoute }) => createGraphiQLRoute(GRAPHQL_PATH))) : undefined;
  /**
   * Responses not finished yet: the shutdown waits for them, and marks them `Connection: close`. A linked set, not a
   * Set (see LinkedSet): a long-lived Set that churns keeps every response it held alive through scavenges.
   */
  const inflight = new LinkedSet<ServerResponse>();
  let onSettled: (() => void) | undefined;
  // One listener for every response (`this` is the response; 'close' comes once).
  function settled(this: ServerResponse): void {
    inflight.delete(this);
    onSettled?.();
  }
  const server = createServer(httpServerOptions(config.http), (req, res) => {
    inflight.add(res);
    res.on('close', settled);
    // While stopping, every answer ends its connection: a busy keep-alive connection must not hold the drain.
    if (stopping) res.setHeader('connection', 'close');
    // Every log line and upstream call of this request carries its id (the client's x-request-id when sane).
    const request = newRequestContext(req.headers['x-request-id'] as string | undefined);
    request.clientAddress = clientAddress(req);
    rememberClientAddress(req, request.clientAddress);
    attachRequestContext(req, request);
    res.setHeader('x-request-id', request.requestId);
    route(req, res).catch((error: unknown) => {
      logger.error({ err: error, requestId: request.requestId }, 'request handling failed');
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  let refusedSinceLog = 0;
  let lastRefusalLog = 0;
  const connections = trackConnections(server, config.http, (reason, address) => {
    metrics.httpConnectionsRefused.inc({ limit: reason });
    // At most one line per 10 s: a flood of refused connections must not become a flood of log lines.
    refusedSinceLog += 1;
    const now = Date.now();
    if (now - lastRefusalLog < 10_000) return;
    lastRefusalLog = now;
    logger.warn({ limit: reason, address, refused: refusedSinceLog, open: connections.size }, 'connection refused: too many connections');
    refusedSinceLog = 0;
  });
  // Apollo Router's bound; Node's default is 2000 (and ws once crashed on requests past it: CVE-2024-37890).
  server.maxHeadersCount = 100;
  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/metrics') {
      res.writeHead(200, { 'content-type': metrics.registry.contentType });
      res.end(await metrics.registry.metrics());
      return;
    }
    if (req.method === 'GET' && path === '/health') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"status":"ok"}');
      return;
    }
    if (req.method === 'GET' && path === '/readiness') {
      // Stopping: 503 at once, without asking the upstream, so that load balancers take this instance out first.
      const state = stopping ? undefined : await readiness();
      const ready = state?.ready === true && !stopping;
      res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: ready ? 'ready' : 'not ready', ...state?.checks, ...(stopping ? { shuttingDown: true } : {}) }));
      return;
    }
    if (consoleRoute && (await consoleRoute(req, res, path ?? '/'))) return;
    if (graphiqlRoute && (await graphiqlRoute(req, res, path ?? '/'))) return;
    if (!(await readBoundedBody(req, res, config.security.maxRequestBodyBytes))) return;
    if (path === GRAPHQL_PATH) {
      // A cache hit is mostly answered at once: no await for it.
      const answered = answers.answer(req, res);
      if (answered === true || (answered !== false && (await answered)) || (await direct.handle(req, res))) return;
    }
    await yoga.requestListener(req, res);
  }

  const { wsServer, disposable: wsDisposable } = attachGraphQLWs(server, { config, path: GRAPHQL_PATH, yoga, security, guard: wsGuard });

  let baseUrl = '';
  /** Set the moment the shutdown starts: readiness answers 503 and every answer closes its connection. */
  let stopping = false;
  let closing: Promise<void> | undefined;
  return {
    yoga,
    server,
    services,
    metrics,
    answers,
    direct,
    compiled,
    get url() {
      return `${baseUrl}${GRAPHQL_PATH}`;
    },
    get wsUrl() {
      return `${baseUrl.replace(/^http/, 'ws')}${GRAPHQL_PATH}`;
    },
    listen(port = config.port, host = config.host) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const address = server.address() as AddressInfo;
          const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
          baseUrl = `http://${shownHost === '0.0.0.0' || shownHost === '[::]' ? 'localhost' : shownHost}:${address.port}`;
          resolve();
        });
      });
    },
    close() {
      closing ??= shutdown();
      return closing;
    },
  };

  /**
   * Graceful stop, in order: readiness answers 503 and every answer closes its connection (for
   * `shutdownDelayMs` the listener stays open, so that load balancers see the 503 and take this instance out);
   * then no new connections; WebSocket clients get 1001 (going away: they reconnect elsewhere) and SSE subscribers
   * a SHUTTING_DOWN error; requests in flight finish, for up to `shutdownTimeoutMs`, after which what is left is
   * closed; then pollers stop and give up their leases, and Redis closes. Resolves as soon as all that is done: the
   * caller closes the upstream (the embedded runs API) after it, since requests in flight need it to the end.
   */
  async function shutdown(): Promise<void> {
    stopping = true;
    for (const res of inflight) if (!res.headersSent) res.setHeader('connection', 'close');
    if (config.shutdownDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, config.shutdownDelayMs));
    const listenerClosed = new Promise<void>((resolve) => server.close(() => resolve()));
    // First the WebSocket clients: once a socket is closing nothing more is sent on it, so the error that ends
    // every subscription below reaches SSE subscribers only.
    for (const client of wsServer.clients) client.close(1001, 'Server shutting down');
    services.live.goAway();
    server.closeIdleConnections();

    let timer: NodeJS.Timeout | undefined;
    const drained = new Promise<'drained'>((resolve) => {
      const check = () => {
        if (inflight.size === 0 && wsServer.clients.size === 0) resolve('drained');
      };
      onSettled = check;
      for (const client of wsServer.clients) client.on('close', check);
      check();
    });
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), config.shutdownTimeoutMs)));
    const outcome = await Promise.race([drained, timedOut]);
    clearTimeout(timer);
    onSettled = undefined;
    if (outcome === 'timeout') logger.warn({ openRequests: inflight.size, openSockets: connections.size }, 'shutdown: closing requests still in flight');
    for (const client of wsServer.clients) client.terminate();
    // Only idle keep-alive connections are left once drained.
    server.closeAllConnections();
    for (const socket of connections.sockets()) socket.destroy();
    await wsDisposable.dispose();
    await new Promise<void>((resolve) => wsServer.close(() => resolve()));
    await listenerClosed;
    await closeServices(services);
  }
}
