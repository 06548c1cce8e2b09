import { createHmac } from 'node:crypto';
import { isAgentName, type AgentReference } from '../../../responses-api/foundry.js';
import { PROFILES } from '../../../upstream/profiles.js';
import { clientCredentialsFrom } from '../../../upstream/resolve.js';
import type { ClientCredentials } from '../../../upstream/token-provider.js';
import { ConfigError } from '../../../settings.js';
import { badRequest } from '../../errors.js';
import type { Assistant } from '../../types.js';

/**
 * The Responses engine's upstream profiles (RESPONSES_PROFILE): `openai` is the wire as OpenAI serves it; `foundry`
 * is Azure AI Foundry's new agents under `{project}/openai/v1` (successor-wire.md §2.5): every response names an
 * agent with `agent_reference` instead of carrying the assistant's model and instructions, every call carries the
 * end user's `x-ms-user-isolation-key`, and tokens come from Entra (client credentials, the same bundle as the
 * runs wire's `foundry-classic` profile in src/upstream/profiles.ts).
 */
export const RESPONSES_PROFILES = ['openai', 'foundry'] as const;
export type ResponsesProfileName = (typeof RESPONSES_PROFILES)[number];

/** The key of an assistant's metadata that names its Foundry agent (`name` or `name:version`). */
export const AGENT_METADATA_KEY = 'foundry_agent';

/** The Responses upstream as configured: what the engine's client and the engine itself need of the profile. */
export interface ResponsesUpstream {
  profile: ResponsesProfileName;
  /** The agent of assistants that name none (RESPONSES_AGENT_NAME / _VERSION); with `foundry` only. */
  defaultAgent: AgentReference | undefined;
  /** Key every call by the caller's isolation key (RESPONSES_USER_ISOLATION; on with `foundry`). */
  isolateCallers: boolean;
  /** HMAC key of the isolation keys (RESPONSES_ISOLATION_SECRET), so they do not reveal the subjects they stand for. */
  isolationSecret: string | undefined;
  /** Client credentials for Entra tokens; undefined: the static RESPONSES_API_KEY. */
  credentials: ClientCredentials | undefined;
  /** Query parameters of every call (`api-version`, RESPONSES_API_VERSION). */
  queryParams: Record<string, string>;
}

export interface ResponsesUpstreamSettings {
  profile: ResponsesProfileName;
  apiVersion: string | undefined;
  agentName: string | undefined;
  agentVersion: string | undefined;
  userIsolation: boolean | undefined;
  isolationSecret: string | undefined;
  token: { url: string | undefined; tenantId: string | undefined; clientId: string | undefined; clientSecret: string | undefined; scope: string | undefined };
}

/**
 * The settings with the profile's values filled in; settings that cannot work together are a ConfigError naming
 * them. `keys`: the Responses upstream's static key, and whether the runs API authenticates its clients (RUNS_API_KEY,
 * or Foundry classic's tokens): only then may a client name the caller.
 */
export function resolveResponsesUpstream(settings: ResponsesUpstreamSettings, keys: { apiKey: string | undefined; runsApiAuthenticates: boolean }): ResponsesUpstream {
  const { apiKey } = keys;
  const foundry = settings.profile === 'foundry';
  const refuse = (message: string) => new ConfigError(`Invalid configuration:\n  ${message}`);
  if (settings.agentName !== undefined && !foundry) throw refuse('RESPONSES_AGENT_NAME is used only with RESPONSES_PROFILE=foundry.');
  if (settings.agentVersion !== undefined && settings.agentName === undefined) throw refuse('RESPONSES_AGENT_VERSION needs RESPONSES_AGENT_NAME.');
  if (settings.agentName !== undefined && !isAgentName(settings.agentName)) throw refuse('RESPONSES_AGENT_NAME must be a Foundry agent name (letters, digits, hyphens; at most 63).');
  const { token } = settings;
  let credentials: ClientCredentials | undefined;
  if (token.clientId !== undefined) {
    // Foundry's tokens are Entra's, as for the runs wire's foundry-classic profile.
    const grant = clientCredentialsFrom(token, foundry ? PROFILES['foundry-classic'] : { tokenUrl: undefined, tokenScope: undefined }, 'RESPONSES');
    if ('missing' in grant) throw refuse(`RESPONSES_CLIENT_ID (client credentials) needs ${grant.missing.join(', ')}.`);
    if (apiKey !== undefined) throw refuse('RESPONSES_API_KEY is set but RESPONSES_CLIENT_ID asks for Entra tokens: set one of them.');
    credentials = grant;
  }
  const isolateCallers = settings.userIsolation ?? foundry;
  if (isolateCallers && !keys.runsApiAuthenticates) {
    throw refuse(`${settings.userIsolation === undefined ? 'RESPONSES_PROFILE=foundry isolates users, which' : 'RESPONSES_USER_ISOLATION'} needs RUNS_API_KEY (or RUNS_API_PROFILE=foundry-classic, whose clients hold tokens): only a client the runs API authenticates may name the caller (x-gateway-caller). Set RUNS_API_KEY, or RESPONSES_USER_ISOLATION=false.`);
  }
  return {
    profile: settings.profile,
    defaultAgent: settings.agentName === undefined ? undefined : agentReference(settings.agentName, settings.agentVersion),
    isolateCallers,
    isolationSecret: settings.isolationSecret,
    credentials,
    queryParams: settings.apiVersion === undefined ? {} : { 'api-version': settings.apiVersion },
  };
}

function agentReference(name: string, version: string | undefined): AgentReference {
  return { type: 'agent_reference', name, ...(version !== undefined ? { version } : {}) };
}

/**
 * The Foundry agent a run of `assistant` is sent to: the one its metadata names (`foundry_agent: "name[:version]"`),
 * else the default; none is the caller's error, since no response can be made without one.
 */
export function agentOf(assistant: Pick<Assistant, 'id' | 'metadata'>, defaultAgent: AgentReference | undefined): AgentReference {
  const named = assistant.metadata?.[AGENT_METADATA_KEY];
  if (typeof named === 'string' && named !== '') {
    const [name = '', version, ...rest] = named.split(':');
    if (!isAgentName(name) || version === '' || rest.length > 0) throw badRequest(`The assistant's metadata.${AGENT_METADATA_KEY} "${named}" is not an agent name with an optional :version.`, 'assistant_id', 'invalid_value');
    return agentReference(name, version);
  }
  if (defaultAgent) return defaultAgent;
  throw badRequest(`Assistant ${assistant.id} names no Foundry agent (metadata.${AGENT_METADATA_KEY}) and the runs API has no default (RESPONSES_AGENT_NAME).`, 'assistant_id', 'invalid_value');
}

/**
 * The isolation key of a caller: a stable hash, so that one end user always lands in the same partition upstream
 * while the upstream never learns the gateway's subject names.
 */
export function isolationKeyOf(caller: string, secret: string | undefined): string {
  return createHmac('sha256', secret ?? 'runs-gateway isolation key v1').update(caller, 'utf8').digest('base64url');
}
