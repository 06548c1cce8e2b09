import type { UpstreamSettings } from '../config.js';
import { ConfigError } from '../settings.js';
import type { ClientCredentials } from './token-provider.js';
import { PROFILES, applyCapabilityChanges, type UpstreamCapability, type UpstreamProfileName } from './profiles.js';

/** How the gateway proves itself to the upstream. */
export type UpstreamAuth = { mode: 'key' } | ({ mode: 'client-credentials' } & ClientCredentials);

/** The upstream settings with the profile's values filled in where a setting was left unset. */
export type ResolvedUpstreamConfig = Omit<UpstreamSettings, 'betaHeader' | 'apiVersion' | 'auth' | 'token' | 'capabilities' | 'forwardCaller'> & {
  /** Send `x-gateway-caller` (UPSTREAM_FORWARD_CALLER). @default false */
  forwardCaller?: boolean | undefined;
  profile: UpstreamProfileName;
  /** `OpenAI-Beta`; empty: not sent. */
  betaHeader: string;
  auth: UpstreamAuth;
  capabilities: ReadonlySet<UpstreamCapability>;
};

/** `none` turns a setting with a profile default off (an empty variable counts as unset). */
const OFF = 'none';

export function resolveUpstream(settings: UpstreamSettings): ResolvedUpstreamConfig {
  const { betaHeader, apiVersion, auth, token, capabilities, ...rest } = settings;
  const profile = PROFILES[settings.profile];
  const refuse = (message: string) => new ConfigError(`Invalid configuration:\n  ${message}`);

  const beta = betaHeader ?? profile.betaHeader;
  const version = apiVersion ?? profile.apiVersion;
  const queryParams = { ...(version && version !== OFF ? { 'api-version': version } : {}), ...settings.queryParams };

  const mode = auth ?? profile.auth;
  let resolvedAuth: UpstreamAuth = { mode: 'key' };
  if (mode === 'client-credentials') {
    const template = token.url ?? profile.tokenUrl;
    const scope = token.scope ?? profile.tokenScope;
    const missing = [
      ...(template === undefined ? ['UPSTREAM_TOKEN_URL'] : []),
      ...(template?.includes('{tenant}') && token.tenantId === undefined ? ['UPSTREAM_TENANT_ID'] : []),
      ...(token.clientId === undefined ? ['UPSTREAM_CLIENT_ID'] : []),
      ...(token.clientSecret === undefined ? ['UPSTREAM_CLIENT_SECRET'] : []),
      ...(scope === undefined ? ['UPSTREAM_TOKEN_SCOPE'] : []),
    ];
    if (missing.length > 0 || template === undefined || token.clientId === undefined || token.clientSecret === undefined || scope === undefined) {
      throw refuse(`UPSTREAM_AUTH=client-credentials (profile ${settings.profile}) needs ${missing.join(', ')}.`);
    }
    if (settings.apiKey !== undefined) throw refuse('UPSTREAM_API_KEY is set but UPSTREAM_AUTH=client-credentials sends tokens: set one of them.');
    resolvedAuth = {
      mode,
      tokenUrl: template.replace('{tenant}', encodeURIComponent(token.tenantId ?? '')),
      clientId: token.clientId,
      clientSecret: token.clientSecret,
      scope,
      timeoutMs: token.timeoutMs,
      refreshMarginMs: token.refreshMarginMs,
    };
  }
  return {
    ...rest,
    queryParams,
    betaHeader: beta === OFF ? '' : beta,
    auth: resolvedAuth,
    capabilities: applyCapabilityChanges(profile.capabilities, capabilities),
  };
}

/** The token endpoint and credentials of an embedded runs API presenting Foundry classic. */
export interface EmbeddedFoundryGrant {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
}

/**
 * The upstream when it is the embedded runs API presenting Foundry classic (RUNS_API_PROFILE=foundry-classic without
 * UPSTREAM_BASE_URL): the gateway speaks that profile to it, with tokens from the API's own endpoint, as it would to
 * Azure. The token endpoint is known only once the API listens, hence after the config was loaded.
 */
export function onEmbeddedFoundry(upstream: ResolvedUpstreamConfig, grant: EmbeddedFoundryGrant): ResolvedUpstreamConfig {
  const profile = PROFILES['foundry-classic'];
  return {
    ...upstream,
    apiKey: undefined,
    profile: 'foundry-classic',
    betaHeader: profile.betaHeader,
    queryParams: { ...(profile.apiVersion ? { 'api-version': profile.apiVersion } : {}), ...upstream.queryParams },
    auth: {
      mode: 'client-credentials',
      ...grant,
      scope: profile.tokenScope ?? '',
      timeoutMs: EMBEDDED_TOKEN_TIMEOUT_MS,
      refreshMarginMs: EMBEDDED_TOKEN_REFRESH_MARGIN_MS,
    },
    capabilities: profile.capabilities,
  };
}

/** The defaults of UPSTREAM_TOKEN_TIMEOUT_MS and UPSTREAM_TOKEN_REFRESH_MARGIN_MS (the margin is capped at half a lifetime). */
const EMBEDDED_TOKEN_TIMEOUT_MS = 5_000;
const EMBEDDED_TOKEN_REFRESH_MARGIN_MS = 300_000;
