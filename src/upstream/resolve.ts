import type { UpstreamSettings } from '../config.js';
import { ConfigError } from '../settings.js';
import { TOKEN_TIMING, type ClientCredentials } from './token-provider.js';
import { PROFILES, applyCapabilityChanges, type UpstreamCapability, type UpstreamProfile, type UpstreamProfileName } from './profiles.js';

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

/** The settings of a client-credentials grant, as UPSTREAM_TOKEN_* and RESPONSES_TOKEN_* give them. */
export interface GrantSettings {
  url: string | undefined;
  tenantId: string | undefined;
  clientId: string | undefined;
  clientSecret: string | undefined;
  scope: string | undefined;
  timeoutMs?: number;
  refreshMarginMs?: number;
}

/**
 * A client-credentials grant from its settings, the profile's token URL and scope filling in what is unset (the
 * tenant put into the URL); or the settings still missing, named `<prefix>_TOKEN_URL`, `<prefix>_CLIENT_ID`, ….
 */
export function clientCredentialsFrom(settings: GrantSettings, defaults: Pick<UpstreamProfile, 'tokenUrl' | 'tokenScope'>, prefix: string): ClientCredentials | { missing: string[] } {
  const template = settings.url ?? defaults.tokenUrl;
  const scope = settings.scope ?? defaults.tokenScope;
  const { tenantId, clientId, clientSecret } = settings;
  if (template === undefined || (template.includes('{tenant}') && tenantId === undefined) || clientId === undefined || clientSecret === undefined || scope === undefined) {
    const missing = [
      ...(template === undefined ? ['TOKEN_URL'] : []),
      ...(template?.includes('{tenant}') && tenantId === undefined ? ['TENANT_ID'] : []),
      ...(clientId === undefined ? ['CLIENT_ID'] : []),
      ...(clientSecret === undefined ? ['CLIENT_SECRET'] : []),
      ...(scope === undefined ? ['TOKEN_SCOPE'] : []),
    ];
    return { missing: missing.map((name) => `${prefix}_${name}`) };
  }
  return {
    tokenUrl: template.replace('{tenant}', encodeURIComponent(tenantId ?? '')),
    clientId,
    clientSecret,
    scope,
    timeoutMs: settings.timeoutMs ?? TOKEN_TIMING.timeoutMs,
    refreshMarginMs: settings.refreshMarginMs ?? TOKEN_TIMING.refreshMarginMs,
  };
}

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
    const grant = clientCredentialsFrom(token, profile, 'UPSTREAM');
    if ('missing' in grant) throw refuse(`UPSTREAM_AUTH=client-credentials (profile ${settings.profile}) needs ${grant.missing.join(', ')}.`);
    if (settings.apiKey !== undefined) throw refuse('UPSTREAM_API_KEY is set but UPSTREAM_AUTH=client-credentials sends tokens: set one of them.');
    resolvedAuth = { mode, ...grant };
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
    auth: { mode: 'client-credentials', ...grant, scope: profile.tokenScope ?? '', ...TOKEN_TIMING },
    capabilities: profile.capabilities,
  };
}
