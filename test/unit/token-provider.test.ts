import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { createUpstreamClient } from '../../src/upstream/client.js';
import { UpstreamHttpError } from '../../src/upstream/http-errors.js';
import { ClientCredentialsTokenProvider, type TokenProviderOptions } from '../../src/upstream/token-provider.js';
import { testUpstreamConfig } from '../helpers/upstream-config.js';

const SECRET = 'client-secret-0123456789';
const TOKEN_URL = 'http://login.test/tenant-1/oauth2/v2.0/token';

interface TokenEndpoint {
  fetch: typeof fetch;
  /** Bodies of the token requests, parsed. */
  requests: URLSearchParams[];
  /** Authorization headers of the upstream requests. */
  upstreamAuth: string[];
  /** The token the endpoint hands out next. */
  issued: number;
}

/**
 * One fake fetch for both sides: the token endpoint issues `token-N` with `expires_in`, and the upstream answers
 * `upstream(auth)` for everything else.
 */
function fakeEndpoints(options: { expiresIn?: number; tokenReply?: () => Response | Promise<Response>; upstream?: (auth: string) => Response } = {}): TokenEndpoint {
  const state: TokenEndpoint = { requests: [], upstreamAuth: [], issued: 0, fetch: undefined as unknown as typeof fetch };
  state.fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input);
    if (url === TOKEN_URL) {
      state.requests.push(new URLSearchParams(String(init?.body)));
      if (options.tokenReply) return options.tokenReply();
      state.issued += 1;
      return Response.json({ token_type: 'Bearer', access_token: `token-${state.issued}`, expires_in: options.expiresIn ?? 3600 });
    }
    const auth = new Headers(init?.headers).get('authorization') ?? '';
    state.upstreamAuth.push(auth);
    return options.upstream ? options.upstream(auth) : Response.json({ id: 'thread_1', object: 'thread' });
  }) as typeof fetch;
  return state;
}

function provider(endpoint: TokenEndpoint, now: () => number, overrides: Partial<TokenProviderOptions> = {}) {
  return new ClientCredentialsTokenProvider({ tokenUrl: TOKEN_URL, clientId: 'app-1', clientSecret: SECRET, scope: 'https://ai.azure.com/.default', timeoutMs: 1_000, refreshMarginMs: 60_000, fetch: endpoint.fetch, now, ...overrides });
}

async function rejection(promise: Promise<unknown>): Promise<UpstreamHttpError | GraphQLError> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error as UpstreamHttpError,
  );
}

describe('client-credentials token provider', () => {
  it('asks with the client credentials grant, keeps the token, and buys one token for many concurrent callers', async () => {
    const endpoint = fakeEndpoints();
    const tokens = provider(endpoint, () => 0);
    const all = await Promise.all([tokens.token(), tokens.token(), tokens.token()]);
    expect(all).toEqual(['token-1', 'token-1', 'token-1']);
    expect(await tokens.token()).toBe('token-1');
    expect(endpoint.requests).toHaveLength(1);
    expect(Object.fromEntries(endpoint.requests[0]!)).toEqual({ grant_type: 'client_credentials', client_id: 'app-1', client_secret: SECRET, scope: 'https://ai.azure.com/.default' });
  });

  it('replaces a token before it expires: within the margin the current one still serves while one request buys the next', async () => {
    let now = 0;
    const endpoint = fakeEndpoints({ expiresIn: 600 });
    const tokens = provider(endpoint, () => now);
    expect(await tokens.token()).toBe('token-1');
    now = 539_000; // 61 s left: outside the 60 s margin
    expect(await tokens.token()).toBe('token-1');
    expect(endpoint.requests).toHaveLength(1);
    now = 541_000; // inside the margin: served the current token, the next one bought once
    expect(await Promise.all([tokens.token(), tokens.token()])).toEqual(['token-1', 'token-1']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(endpoint.requests).toHaveLength(2);
    expect(await tokens.token()).toBe('token-2');
    now = 2_000_000; // past any expiry: callers wait for the new one
    expect(await tokens.token()).toBe('token-3');
  });

  it('short-lived tokens are refreshed at half their lifetime at the latest', async () => {
    let now = 0;
    const endpoint = fakeEndpoints({ expiresIn: 2 });
    const tokens = provider(endpoint, () => now);
    await tokens.token();
    now = 999;
    expect(await tokens.token()).toBe('token-1');
    expect(endpoint.requests).toHaveLength(1);
    now = 1_001;
    await tokens.token();
    expect(endpoint.requests).toHaveLength(2);
  });

  it("a refused grant is UPSTREAM_UNAUTHORIZED naming only the endpoint's error code; an unusable answer, 5xx or network failure UPSTREAM_UNAVAILABLE", async () => {
    const refused = fakeEndpoints({ tokenReply: () => Response.json({ error: 'invalid_client', error_description: `AADSTS7000215: Invalid client secret provided ${SECRET}` }, { status: 401 }) });
    const error = (await rejection(provider(refused, () => 0).token())) as UpstreamHttpError;
    expect(error).toMatchObject({ code: 'UPSTREAM_UNAUTHORIZED', details: { reason: 'token_refused', tokenEndpointStatus: 401, tokenError: 'invalid_client' }, neverSent: true });
    expect(JSON.stringify({ message: error.message, details: error.details })).not.toContain(SECRET);

    const down = fakeEndpoints({ tokenReply: () => new Response('<html>bad gateway</html>', { status: 502 }) });
    expect(await rejection(provider(down, () => 0).token())).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', details: { reason: 'token_endpoint', tokenEndpointStatus: 502 } });
    const garbled = fakeEndpoints({ tokenReply: () => Response.json({ token_type: 'Bearer' }) });
    expect(await rejection(provider(garbled, () => 0).token())).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', details: { reason: 'token_invalid_response' } });
    const unreachable = fakeEndpoints({ tokenReply: () => Promise.reject(new TypeError('fetch failed')) });
    expect(await rejection(provider(unreachable, () => 0).token())).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', details: { reason: 'token_network' } });
  });

  it('a token endpoint that never answers fails within the token timeout, and the next call tries again', async () => {
    let hang = true;
    const endpoint = fakeEndpoints();
    const hanging: typeof fetch = (async (input: string | URL | Request, init?: RequestInit) => {
      if (!hang) return endpoint.fetch(input, init);
      return new Promise<Response>((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)));
    }) as typeof fetch;
    const tokens = provider(endpoint, Date.now, { fetch: hanging, timeoutMs: 50 });
    const started = performance.now();
    expect(await rejection(tokens.token())).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', details: { reason: 'token_timeout' } });
    expect(performance.now() - started).toBeLessThan(1_000);
    hang = false;
    expect(await tokens.token()).toBe('token-1');
  });
});

describe('the upstream client under client credentials', () => {
  const config = testUpstreamConfig({
    apiKey: undefined,
    auth: { mode: 'client-credentials', tokenUrl: TOKEN_URL, clientId: 'app-1', clientSecret: SECRET, scope: 's', timeoutMs: 1_000, refreshMarginMs: 60_000 },
  });

  it('sends the bearer token, and on a 401 for a read buys a new token and tries once more', async () => {
    let rejectedOnce = false;
    const endpoint = fakeEndpoints({
      upstream: (auth) => {
        if (auth === 'Bearer token-1' && !rejectedOnce) {
          rejectedOnce = true;
          return Response.json({ error: { message: 'token revoked' } }, { status: 401 });
        }
        return Response.json({ id: 'thread_1', object: 'thread' });
      },
    });
    const upstream = createUpstreamClient({ config, fetch: endpoint.fetch });
    await expect(upstream.getThread('thread_1')).resolves.toMatchObject({ id: 'thread_1' });
    expect(endpoint.upstreamAuth).toEqual(['Bearer token-1', 'Bearer token-2']);
  });

  it('a read refused twice is UPSTREAM_UNAUTHORIZED after one renewal; a refused write is not sent again but the next request has a new token', async () => {
    const endpoint = fakeEndpoints({ upstream: () => Response.json({ error: { message: 'no' } }, { status: 401 }) });
    const upstream = createUpstreamClient({ config, fetch: endpoint.fetch });
    expect(((await rejection(upstream.getThread('thread_1'))) as GraphQLError).extensions).toMatchObject({ code: 'UPSTREAM_UNAUTHORIZED', upstreamStatus: 401 });
    expect(endpoint.upstreamAuth).toEqual(['Bearer token-1', 'Bearer token-2']);
    await rejection(upstream.request({ method: 'POST', route: '/threads', body: {} }));
    expect(endpoint.upstreamAuth).toEqual(['Bearer token-1', 'Bearer token-2', 'Bearer token-3']);
    await rejection(upstream.getThread('thread_1'));
    expect(endpoint.upstreamAuth.slice(3, 4)).toEqual(['Bearer token-4']);
  });

  it('a token endpoint failure reaches the caller as a GraphQL error with its code, and nothing is sent upstream', async () => {
    const endpoint = fakeEndpoints({ tokenReply: () => new Response('', { status: 503 }) });
    const upstream = createUpstreamClient({ config, fetch: endpoint.fetch });
    const error = await rejection(upstream.getThread('thread_1'));
    expect(error).toBeInstanceOf(GraphQLError);
    expect((error as GraphQLError).extensions).toEqual({ code: 'UPSTREAM_UNAVAILABLE', reason: 'token_endpoint', tokenEndpointStatus: 503 });
    expect(endpoint.upstreamAuth).toHaveLength(0);
    expect(upstream.health.breaker).toBe('closed');
  });
});
