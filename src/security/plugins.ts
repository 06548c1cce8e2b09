import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { useDisableIntrospection } from '@graphql-yoga/plugin-disable-introspection';
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Config } from '../config.js';
import type { GatewayContext } from '../context.js';
import { ANONYMOUS, NOBODY, createAuthenticator, type Authenticator, type Identity } from './auth.js';
import { OriginPolicy } from './http.js';
import { useBudgetErrorsOnce } from './budget.js';
import { useInputBounds } from './input-bounds.js';
import { useQueryLimits } from './limits.js';
import { PersistedDocuments, usePersistedDocuments } from './persisted.js';
import { MemoryTokenBuckets, useRateLimit, type RateLimitStore } from './rate-limit.js';

/** The security pieces of one gateway, built once from the config. */
export interface Security {
  authenticator: Authenticator;
  origins: OriginPolicy;
  rateLimits: RateLimitStore | undefined;
  persisted: PersistedDocuments | undefined;
  /** Identities of HTTP requests, set before yoga parses them. */
  identities: WeakMap<Request, Identity>;
  /**
   * Identities of node requests authenticated before yoga saw them (the answer cache authenticates every request it
   * looks at): yoga's authentication takes them instead of asking the authenticator a second time.
   */
  authenticated: WeakMap<object, Identity>;
}

export interface SecurityOptions {
  /** A shared store (Redis) for the token buckets; in memory when not given. */
  rateLimitStore?: RateLimitStore;
  /** The clock of the in-memory token buckets. @default Date.now */
  now?: () => number;
}

export function createSecurity(config: Config, options: SecurityOptions = {}): Security {
  const { security } = config;
  const { rateLimit } = security;
  return {
    authenticator: createAuthenticator(security.auth),
    origins: new OriginPolicy(security.corsOrigins),
    rateLimits: rateLimit.perSecond > 0 ? (options.rateLimitStore ?? new MemoryTokenBuckets({ perSecond: rateLimit.perSecond, burst: rateLimit.burst, ...(options.now ? { now: options.now } : {}) })) : undefined,
    persisted: security.persistedDocuments ? PersistedDocuments.load(security.persistedDocuments) : undefined,
    identities: new WeakMap(),
    authenticated: new WeakMap(),
  };
}

/** The caller of an operation, from what yoga's context factory receives (HTTP request, or the WebSocket's init). */
export function identityOf(security: Security, initial: { request?: Request; identity?: Identity }): Identity {
  const found = initial.identity ?? (initial.request ? security.identities.get(initial.request) : undefined);
  return found ?? (security.authenticator.mode === 'none' ? ANONYMOUS : NOBODY);
}

function unauthenticatedResponse(message: string): Response {
  return new Response(JSON.stringify({ errors: [{ message, extensions: { code: 'UNAUTHENTICATED' } }] }), {
    status: 401,
    headers: { 'content-type': 'application/json; charset=utf-8', 'www-authenticate': 'Bearer' },
  });
}

/**
 * HTTP and SSE authentication, first thing for every request to the GraphQL endpoint (before its body is parsed,
 * so before any upstream call). The GraphiQL page itself and CORS preflights need none; its requests do.
 */
function useAuthentication(security: Security, graphiql: boolean): Plugin {
  return {
    async onRequest({ request, serverContext, endResponse }) {
      if (request.method === 'OPTIONS') return;
      if (graphiql && request.method === 'GET' && (request.headers.get('accept') ?? '').includes('text/html')) return;
      const nodeRequest = (serverContext as { req?: object } | undefined)?.req;
      const known = nodeRequest ? security.authenticated.get(nodeRequest) : undefined;
      if (known) {
        security.identities.set(request, known);
        return;
      }
      try {
        security.identities.set(request, await security.authenticator.authenticate(request.headers.get('authorization')));
      } catch (error) {
        endResponse(unauthenticatedResponse(error instanceof GraphQLError ? error.message : 'Authentication required.'));
      }
    },
  };
}

/** Yoga plugins, in order: who is calling, which documents, how big, how often, then introspection. */
export function securityPlugins(config: Config, security: Security): Array<Plugin<GatewayContext>> {
  const plugins: Plugin[] = [useAuthentication(security, config.graphiql), useCSRFPrevention({ requestHeaders: ['x-graphql-yoga-csrf', 'authorization'] })];
  if (security.persisted) plugins.push(usePersistedDocuments(security.persisted));
  plugins.push(...useQueryLimits(config.security.limits, { suggestions: config.nodeEnv === 'development' }), useInputBounds(config.security.inputBounds), useBudgetErrorsOnce());
  if (security.rateLimits) plugins.push(useRateLimit(config.security.rateLimit, security.rateLimits) as Plugin);
  if (!config.security.introspection) plugins.push(useDisableIntrospection());
  return plugins as Array<Plugin<GatewayContext>>;
}
