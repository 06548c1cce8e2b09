import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ApiError } from '../embedded/errors.js';
import { headerValue } from '../embedded/http.js';
import type { SignedRoute } from '../embedded/server.js';
import { PROFILES } from '../upstream/profiles.js';

/**
 * A local stand-in for Microsoft Entra ID's token endpoint, so Foundry classic's bearer auth is tested offline: the
 * OAuth 2.0 client-credentials grant (RFC 6749 §4.4) with a form-encoded body, answered in Entra's shapes (success:
 * `token_type`, `expires_in`, `ext_expires_in`, `access_token`; failure: `error`, `error_description`,
 * `error_codes`). Tokens are opaque random strings, known only to this process, each good for `lifetimeMs`.
 */

/** Where the token endpoint is served (Entra's path, without the tenant segment). */
export const TOKEN_PATH = '/oauth2/v2.0/token';

/** The scope Foundry's data plane takes tokens for: the one the gateway's foundry-classic profile asks for. */
export const FOUNDRY_TOKEN_SCOPE = PROFILES['foundry-classic'].tokenScope!;

export interface TokenEndpointOptions {
  clientId: string;
  clientSecret: string;
  /** How long a token is good for; tests use a second or two. */
  lifetimeMs: number;
  now?: () => number;
}

export interface TokenEndpoint {
  route: SignedRoute;
  /** Throws Foundry's 401 unless the request carries a token this endpoint issued that has not expired. */
  authenticate(req: IncomingMessage): void;
  /** Tokens issued so far (tests count refreshes by it). */
  readonly issued: number;
  /** The last tokens issued, newest last (tests look for them where they must not be: answers, logs). */
  recent(): string[];
}

const SPENT_TOKEN_SWEEP = 1_000;
const RECENT_TOKENS = 1_000;

export function createTokenEndpoint(options: TokenEndpointOptions): TokenEndpoint {
  const now = options.now ?? Date.now;
  const tokens = new Map<string, number>();
  const recent: string[] = [];
  let issued = 0;

  const sweep = (): void => {
    const at = now();
    for (const [token, expiresAt] of tokens) if (expiresAt <= at) tokens.delete(token);
  };

  const handle = async (headers: Record<string, string | undefined>, rawBody: string): Promise<{ status: number; body: unknown }> => {
    if (!/^application\/x-www-form-urlencoded\b/i.test(headers['content-type'] ?? '')) {
      return entraError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'grant_type'.");
    }
    const form = new URLSearchParams(rawBody);
    const missing = ['grant_type', 'client_id', 'client_secret', 'scope'].find((name) => !form.get(name));
    if (missing) return entraError(400, 'invalid_request', 900144, `The request body must contain the following parameter: '${missing}'.`);
    if (form.get('grant_type') !== 'client_credentials') {
      return entraError(400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type.');
    }
    if (form.get('client_id') !== options.clientId) {
      return entraError(400, 'unauthorized_client', 700016, 'Application was not found in the directory.');
    }
    if (!sameSecret(form.get('client_secret') ?? '', options.clientSecret)) {
      return entraError(401, 'invalid_client', 7000215, 'Invalid client secret provided.');
    }
    if (form.get('scope') !== FOUNDRY_TOKEN_SCOPE) {
      return entraError(400, 'invalid_scope', 70011, `The provided value for the input parameter 'scope' is not valid. The only scope served here is ${FOUNDRY_TOKEN_SCOPE}.`);
    }
    if (tokens.size >= SPENT_TOKEN_SWEEP) sweep();
    const token = randomBytes(32).toString('base64url');
    tokens.set(token, now() + options.lifetimeMs);
    recent.push(token);
    if (recent.length > RECENT_TOKENS) recent.shift();
    issued += 1;
    // Entra counts in whole seconds; the token itself lapses after exactly lifetimeMs.
    const seconds = Math.max(1, Math.round(options.lifetimeMs / 1000));
    return { status: 200, body: { token_type: 'Bearer', expires_in: seconds, ext_expires_in: seconds, access_token: token } };
  };

  return {
    route: { method: 'POST', path: TOKEN_PATH, handle },
    authenticate(req) {
      const given = /^Bearer\s+(.+)$/i.exec(headerValue(req, 'authorization'))?.[1]?.trim();
      const expiresAt = given === undefined ? undefined : tokens.get(given);
      if (expiresAt === undefined || expiresAt <= now()) throw unauthorized();
    },
    get issued() {
      return issued;
    },
    recent: () => [...recent],
  };
}

/** Foundry's 401 (AgentV1Error shape); it never echoes what was sent. */
function unauthorized(): ApiError {
  return new ApiError(
    401,
    'Unauthorized. Access token is missing, invalid, audience is incorrect (https://ai.azure.com), or have expired.',
    'invalid_request_error',
    null,
    '401',
    { 'www-authenticate': 'Bearer' },
  );
}

function entraError(status: number, error: string, code: number, description: string): { status: number; body: unknown } {
  return {
    status,
    body: { error, error_description: `AADSTS${code}: ${description}`, error_codes: [code], timestamp: new Date().toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z') },
  };
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
