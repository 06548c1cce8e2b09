/**
 * Upstream profiles: the servers that still speak the runs wire each bend it a little (successor-wire.md §1). A
 * profile is the bundle of settings one of them implies; every part of it can still be set on its own. No GraphQL
 * here, and nothing of the runs API's types: the Responses engine's upstream can use the same bundles.
 */

export const UPSTREAM_PROFILES = ['openai', 'foundry-classic', 'astra', 'cogitator', 'open-assistant-api'] as const;
export type UpstreamProfileName = (typeof UPSTREAM_PROFILES)[number];

/** Operations some servers of the wire lack; the gateway refuses them before sending when the profile says so. */
export const UPSTREAM_CAPABILITIES = ['cancel_run', 'modify_run', 'list_runs', 'run_steps', 'list_threads', 'tool_approvals', 'foundry_tools'] as const;
export type UpstreamCapability = (typeof UPSTREAM_CAPABILITIES)[number];

export type UpstreamAuthMode = 'key' | 'client-credentials';

export interface UpstreamProfile {
  /** What the README says of it. */
  readonly label: string;
  /** `OpenAI-Beta`; empty: not sent. */
  readonly betaHeader: string;
  /** The `api-version` query parameter of every request; undefined: none. */
  readonly apiVersion: string | undefined;
  readonly auth: UpstreamAuthMode;
  /** The OAuth scope asked for under `client-credentials`. */
  readonly tokenScope: string | undefined;
  /** Token URL under `client-credentials`; `{tenant}` is replaced by UPSTREAM_TENANT_ID. */
  readonly tokenUrl: string | undefined;
  readonly capabilities: ReadonlySet<UpstreamCapability>;
}

const EVERY_OPERATION_OF_OPENAI = ['cancel_run', 'modify_run', 'list_runs', 'run_steps'] as const;

/** Microsoft Entra ID's v2 token endpoint. */
export const ENTRA_TOKEN_URL = 'https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token';

export const PROFILES: Readonly<Record<UpstreamProfileName, UpstreamProfile>> = {
  openai: {
    label: 'the OpenAI Assistants v2 wire as specified (the embedded runs API, proxies that kept it)',
    betaHeader: 'assistants=v2',
    apiVersion: undefined,
    auth: 'key',
    tokenScope: undefined,
    tokenUrl: undefined,
    capabilities: new Set(EVERY_OPERATION_OF_OPENAI),
  },
  'foundry-classic': {
    label: 'Azure AI Foundry Agent Service, classic agents (retiring 2027-03-31)',
    betaHeader: '',
    apiVersion: '2025-05-01',
    auth: 'client-credentials',
    tokenScope: 'https://ai.azure.com/.default',
    tokenUrl: ENTRA_TOKEN_URL,
    capabilities: new Set([...EVERY_OPERATION_OF_OPENAI, 'list_threads', 'tool_approvals', 'foundry_tools']),
  },
  astra: {
    label: 'DataStax astra-assistants (self-hosted)',
    betaHeader: 'assistants=v2',
    apiVersion: undefined,
    auth: 'key',
    tokenScope: undefined,
    tokenUrl: undefined,
    capabilities: new Set(['list_runs']),
  },
  cogitator: {
    label: "cogitator-ai's openai-compat server",
    betaHeader: '',
    apiVersion: undefined,
    auth: 'key',
    tokenScope: undefined,
    tokenUrl: undefined,
    capabilities: new Set(['cancel_run']),
  },
  'open-assistant-api': {
    label: 'MLT-OSS open-assistant-api',
    betaHeader: '',
    apiVersion: undefined,
    auth: 'key',
    tokenScope: undefined,
    tokenUrl: undefined,
    capabilities: new Set(EVERY_OPERATION_OF_OPENAI),
  },
};

/** `-cancel_run,+list_threads`: capabilities taken from or added to the profile's; a bare name adds. */
export interface CapabilityChange {
  capability: UpstreamCapability;
  present: boolean;
}

export function applyCapabilityChanges(base: ReadonlySet<UpstreamCapability>, changes: readonly CapabilityChange[]): ReadonlySet<UpstreamCapability> {
  const result = new Set(base);
  for (const change of changes) {
    if (change.present) result.add(change.capability);
    else result.delete(change.capability);
  }
  return result;
}

/** Which capability an operation of the wire needs; undefined: every server has it. */
export function capabilityOf(method: string, route: string): UpstreamCapability | undefined {
  if (method === 'POST' && route === '/threads/{thread_id}/runs/{run_id}/cancel') return 'cancel_run';
  if (method === 'POST' && route === '/threads/{thread_id}/runs/{run_id}') return 'modify_run';
  if (method === 'GET' && route === '/threads/{thread_id}/runs') return 'list_runs';
  if (method === 'GET' && route.startsWith('/threads/{thread_id}/runs/{run_id}/steps')) return 'run_steps';
  if (method === 'GET' && route === '/threads') return 'list_threads';
  return undefined;
}

/** What an operation is called in the error that refuses it. */
export const CAPABILITY_OPERATION: Readonly<Record<UpstreamCapability, string>> = {
  cancel_run: 'cancelling a run',
  modify_run: 'modifying a run',
  list_runs: "listing a thread's runs",
  run_steps: "reading a run's steps",
  list_threads: 'listing threads',
  tool_approvals: 'answering tool approvals',
  foundry_tools: "Azure AI Foundry's tools (mcp, azure_ai_search, bing_grounding, connected_agent, openapi) or a run's tool_resources",
};
