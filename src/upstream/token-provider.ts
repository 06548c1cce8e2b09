import { UpstreamHttpError } from './http-errors.js';

/**
 * Bearer tokens for the upstream from an OAuth 2.0 client-credentials grant (Entra ID for Azure): one token is kept
 * and handed to every request until shortly before it expires; then one request buys the next while the others keep
 * using the current one, or wait for the new one when none is left. Tokens and the client secret never appear in an
 * error or a log line: failures name the token endpoint's error code at most.
 */
/** How long a token request may take, and how long before expiry a token is replaced, unless set otherwise. */
export const TOKEN_TIMING = Object.freeze({ timeoutMs: 5_000, refreshMarginMs: 300_000 });

/** The client-credentials grant the upstream's tokens come from (settings, resolved with the profile). */
export interface ClientCredentials {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scope: string;
  /** A token request that takes longer fails with UPSTREAM_UNAVAILABLE (`reason: token_timeout`). */
  timeoutMs: number;
  /** A token is replaced this long before it expires, at most half its lifetime before. */
  refreshMarginMs: number;
}

export interface TokenProviderOptions extends ClientCredentials {
  fetch?: typeof fetch;
  now?: () => number;
}

export interface AccessToken {
  value: string;
  expiresAt: number;
  /** When a request should start buying the next one. */
  refreshAt: number;
}

/** What the request core asks of any token source. */
export interface TokenSource {
  /** A token good for a request made now. */
  token(): Promise<string>;
  /** The upstream refused `token` (401): forget it, so the next call buys a new one. */
  rejected(token: string): void;
}

const SAFE_ERROR_CODE = /^[a-z_]{1,64}$/;

export class ClientCredentialsTokenProvider implements TokenSource {
  readonly #options: TokenProviderOptions;
  readonly #fetch: typeof fetch;
  readonly #now: () => number;
  #current: AccessToken | undefined;
  #pending: Promise<AccessToken> | undefined;
  /** Token requests made (tests and diagnostics). */
  requests = 0;

  constructor(options: TokenProviderOptions) {
    this.#options = options;
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#now = options.now ?? Date.now;
  }

  async token(): Promise<string> {
    const now = this.#now();
    const current = this.#current;
    if (current && now < current.refreshAt) return current.value;
    const next = this.#refresh();
    // Still valid: this request need not wait for the next token (its purchase goes on in the background).
    if (current && now < current.expiresAt) {
      next.catch(() => undefined);
      return current.value;
    }
    return (await next).value;
  }

  rejected(token: string): void {
    if (this.#current?.value === token) this.#current = undefined;
  }

  /** One token request at a time, however many callers want one. */
  #refresh(): Promise<AccessToken> {
    this.#pending ??= this.#request().then(
      (token) => {
        this.#current = token;
        this.#pending = undefined;
        return token;
      },
      (error: unknown) => {
        this.#pending = undefined;
        throw error;
      },
    );
    return this.#pending;
  }

  async #request(): Promise<AccessToken> {
    this.requests += 1;
    const { tokenUrl, clientId, clientSecret, scope, timeoutMs, refreshMarginMs } = this.#options;
    const timeout = AbortSignal.timeout(timeoutMs);
    const startedAt = this.#now();
    let response: Response;
    let text: string;
    try {
      response = await this.#fetch(tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, scope }).toString(),
        signal: timeout,
        redirect: 'error',
      });
      text = await response.text();
    } catch {
      throw tokenUnavailable(timeout.aborted ? 'token_timeout' : 'token_network');
    }
    const body = parseJsonObject(text);
    if (!response.ok) {
      const code = typeof body?.['error'] === 'string' && SAFE_ERROR_CODE.test(body['error']) ? body['error'] : undefined;
      if (response.status >= 500 || response.status === 429) throw tokenUnavailable('token_endpoint', response.status);
      throw new UpstreamHttpError(
        `The token endpoint refused the gateway's client credentials${code ? ` (${code})` : ''}.`,
        'UPSTREAM_UNAUTHORIZED',
        undefined,
        { reason: 'token_refused', tokenEndpointStatus: response.status, tokenError: code },
        { neverSent: true },
      );
    }
    const value = body?.['access_token'];
    const expiresIn = Number(body?.['expires_in']);
    if (typeof value !== 'string' || value === '' || !Number.isFinite(expiresIn) || expiresIn <= 0) throw tokenUnavailable('token_invalid_response');
    const lifetimeMs = expiresIn * 1000;
    const expiresAt = startedAt + lifetimeMs;
    return { value, expiresAt, refreshAt: expiresAt - Math.min(refreshMarginMs, lifetimeMs / 2) };
  }
}

function tokenUnavailable(reason: 'token_timeout' | 'token_network' | 'token_endpoint' | 'token_invalid_response', status?: number): UpstreamHttpError {
  const message = {
    token_timeout: 'The token endpoint did not answer in time.',
    token_network: 'The token endpoint could not be reached.',
    token_endpoint: `The token endpoint is unavailable (HTTP ${status ?? 0}).`,
    token_invalid_response: 'The token endpoint sent an answer without a usable token.',
  }[reason];
  return new UpstreamHttpError(message, 'UPSTREAM_UNAVAILABLE', undefined, { reason, tokenEndpointStatus: status }, { neverSent: true });
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
