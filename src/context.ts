import type { Config } from './config.js';
import { createLoaders, type Loaders } from './loaders.js';
import { ANONYMOUS, type Identity } from './security/auth.js';
import { withCallBudget } from './security/budget.js';
import { accessPolicy, tenancyOn } from './security/tenants.js';
import type { GatewayServices } from './services.js';
import type { AnswerObserver, UpstreamClient } from './upstream/client.js';
import { ClientInterest } from './upstream/interest.js';
import type { RequestContext } from './observability/request-context.js';

/**
 * What every resolver receives: fresh loaders per operation. Across operations, upstream answers are shared only
 * through the client's short read cache (UPSTREAM_READ_CACHE_MS) and its in-flight GETs.
 */
export interface GatewayContext {
  services: GatewayServices;
  /** The shared client seen through this operation's upstream-call budget. */
  upstream: UpstreamClient;
  /** The caller (ANONYMOUS when GATEWAY_AUTH=none). */
  identity: Identity;
  config: Config;
  loaders: Loaders;
  /**
   * When the oldest upstream answer this operation used began (ms since the epoch; +Infinity before any), and the
   * client's write generation when the operation started: together they bound how long its result stays true.
   */
  freshness: Freshness;
  /** The clients waiting for this operation (over HTTP and SSE): its reads are cancelled when all have gone. */
  interest?: ClientInterest;
  /**
   * The request this operation serves: its id, the upstream calls it counts, the caller it names upstream. (Not
   * `request`: that is yoga's Fetch Request, in the same context object.)
   */
  requestContext?: RequestContext;
}

/** How old the upstream answers an operation used are; see GatewayContext.freshness. */
export class Freshness implements AnswerObserver {
  oldestAnswerAt = Number.POSITIVE_INFINITY;
  constructor(readonly generation: number) {}
  answered(startedAt: number): void {
    if (startedAt < this.oldestAnswerAt) this.oldestAnswerAt = startedAt;
  }
}

/**
 * Fresh loaders for one subscription event. Their reads go through a short-lived cache shared by all
 * subscribers, so that N subscribers selecting the same nested fields cost one upstream call per event.
 */
export function createEventLoaders(services: GatewayServices, identity: Identity = ANONYMOUS): Loaders {
  // Each event is executed like an operation of its own, with a budget of its own, for the subscribers' caller.
  const caller = callerOf(services, identity);
  const client = caller === undefined ? services.upstream : services.upstream.forOrigin({ caller });
  const upstream = withCallBudget(client, services.config.security.maxUpstreamCallsPerOperation).withReadCache(services.config.live.sharedCacheMs);
  return createLoaders(upstream, { enabled: services.loaders ?? true, access: accessFor(services, identity) });
}

/**
 * `clientSignal` aborts when the client goes away: reads made for this operation alone are then cancelled upstream
 * (a read shared with other clients only when all of them have gone).
 */
export function createContext(services: GatewayServices, identity: Identity = ANONYMOUS, clientSignal?: AbortSignal, request?: RequestContext): GatewayContext {
  const readCacheMs = services.config.upstream.readCacheMs;
  const freshness = new Freshness(services.upstream.generation);
  const shared = readCacheMs > 0 ? services.upstream.withReadCache(readCacheMs, freshness) : services.upstream;
  const interest = clientSignal ? new ClientInterest(clientSignal) : undefined;
  const signalled = interest ? shared.withClientSignal(interest) : shared;
  if (request) {
    const caller = callerOf(services, identity);
    if (caller !== undefined) request.caller = caller;
  }
  const client = request ? signalled.forOrigin(request) : signalled;
  const upstream = withCallBudget(client, services.config.security.maxUpstreamCallsPerOperation);
  return {
    services,
    upstream,
    identity,
    config: services.config,
    loaders: createLoaders(upstream, { enabled: services.loaders ?? true, access: accessFor(services, identity) }),
    freshness,
    ...(interest ? { interest } : {}),
    ...(request ? { requestContext: request } : {}),
  };
}

/** The caller named upstream for `identity` (UPSTREAM_FORWARD_CALLER); an admin sees every thread, so it is named to nobody: it acts as the gateway itself. */
export function callerOf(services: GatewayServices, identity: Identity): string | undefined {
  return services.config.upstream.forwardCaller && !identity.admin ? identity.subject : undefined;
}

function accessFor(services: GatewayServices, identity: Identity) {
  return accessPolicy(services.owners, tenancyOn(services.config), identity);
}
