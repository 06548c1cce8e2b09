import { z } from 'zod';
import { webhookSecret } from '../responses-api/settings.js';
import { bool, port, positiveInt, setting, url } from '../settings.js';
import { ENTRA_TOKEN_URL } from '../upstream/profiles.js';
import { RESPONSES_PROFILES } from './engines/responses/profile.js';

/** The engines behind the runs wire: the simulator, and the runs on a Responses upstream (issue 17). */
export const RUNS_ENGINES = ['simulated', 'responses'] as const;
export type RunsEngineName = (typeof RUNS_ENGINES)[number];

const runsEngine = z.enum(RUNS_ENGINES, {
  error: (issue) => `unknown engine ${JSON.stringify(issue.input)}; accepted: ${RUNS_ENGINES.map((name) => `"${name}"`).join(', ')}`,
});

/** The wires the embedded runs API can present (RUNS_API_PROFILE); src/runs-api/profiles.ts is each one's presentation. */
export const RUNS_API_PROFILES = ['openai', 'foundry-classic'] as const;
export type RunsApiProfileName = (typeof RUNS_API_PROFILES)[number];

const runsApiProfile = z.enum(RUNS_API_PROFILES, {
  error: (issue) => `unknown profile ${JSON.stringify(issue.input)}; accepted: ${RUNS_API_PROFILES.map((name) => `"${name}"`).join(', ')}`,
});

const optionalText = z.string().min(1).optional();

const responsesProfile = z.enum(RESPONSES_PROFILES, {
  error: (issue) => `unknown profile ${JSON.stringify(issue.input)}; accepted: ${RESPONSES_PROFILES.map((name) => `"${name}"`).join(', ')}`,
});

/** With `RUNS_ENGINE=responses`: what kind of server the Responses upstream is, and how the engine speaks to it (profile.ts). */
const responsesUpstreamSettings = {
  profile: setting(
    'RESPONSES_PROFILE',
    responsesProfile.default('openai'),
    "with `RUNS_ENGINE=responses`: `openai` (the wire as OpenAI serves it) or `foundry` (Azure AI Foundry's new agents under `{project}/openai/v1`: responses name an agent with `agent_reference` instead of a model and instructions, and each end user's data is kept under their own `x-ms-user-isolation-key`); without `RESPONSES_BASE_URL` the embedded Responses API presents that wire",
  ),
  apiVersion: setting('RESPONSES_API_VERSION', optionalText, 'the `api-version` query parameter of every Responses call (Foundry\'s preview operations ask for one, e.g. `2025-11-15-preview`); unset: none, as `/openai/v1` needs'),
  agentName: setting('RESPONSES_AGENT_NAME', optionalText, 'with `RESPONSES_PROFILE=foundry`: the Foundry agent of every assistant whose `metadata.foundry_agent` (`name` or `name:version`) names none'),
  agentVersion: setting('RESPONSES_AGENT_VERSION', optionalText, 'the version of `RESPONSES_AGENT_NAME`; unset: the agent\'s latest'),
  userIsolation: setting(
    'RESPONSES_USER_ISOLATION',
    bool.optional(),
    'send `x-ms-user-isolation-key` (a keyed hash of the end user the gateway names in `x-gateway-caller`) on every Responses call of that user\'s threads, and show a thread only to its user; default: on with `foundry`. Needs `RUNS_API_KEY`: only a key holder may name a caller',
  ),
  isolationSecret: setting('RESPONSES_ISOLATION_SECRET', optionalText, 'HMAC key of the isolation keys, so the upstream cannot tell which subject a key stands for; keep it stable (a new one moves every user to a new, empty partition)', { secret: true }),
  token: {
    clientId: setting('RESPONSES_CLIENT_ID', optionalText, 'client (application) id: set, the engine sends Entra bearer tokens (OAuth 2.0 client credentials, cached and refreshed before they expire) instead of `RESPONSES_API_KEY`'),
    clientSecret: setting('RESPONSES_CLIENT_SECRET', optionalText, 'client secret of `RESPONSES_CLIENT_ID`; never sent to clients or logged, like the tokens it buys', { secret: true }),
    tenantId: setting('RESPONSES_TENANT_ID', optionalText, 'the Entra tenant (directory) id put into the token URL'),
    url: setting('RESPONSES_TOKEN_URL', url.optional(), 'token endpoint (`{tenant}` is replaced by `RESPONSES_TENANT_ID`); `foundry`: `' + ENTRA_TOKEN_URL + '`', { shown: 'by profile' }),
    scope: setting('RESPONSES_TOKEN_SCOPE', optionalText, 'scope asked for; `foundry`: `https://ai.azure.com/.default`', { shown: 'by profile' }),
  },
};

const postgresUrl = z
  .string()
  .url()
  .refine((value) => /^postgres(ql)?:\/\//.test(value), 'must be a postgres:// or postgresql:// URL');

/** The embedded runs API's settings (`npm run runs-api`, and `npm start` without UPSTREAM_BASE_URL). */
export const runsApiSettings = {
  port: setting('RUNS_API_PORT', port.default(4010), 'port of the embedded runs API'),
  apiKey: setting('RUNS_API_KEY', z.string().min(1).optional(), 'when set, the embedded API requires `Authorization: Bearer <key>` (and the gateway sends it)', { secret: true }),
  engine: setting(
    'RUNS_ENGINE',
    runsEngine.default('simulated'),
    'what serves the runs API: `simulated` (in-memory objects, runs simulated in time by the simulated model) or `responses` (every run a chain of background responses on a Responses upstream: `RESPONSES_BASE_URL`, else the embedded Responses API in the same process)',
  ),
  responsesBaseUrl: setting('RESPONSES_BASE_URL', url.optional(), 'the Responses upstream of `RUNS_ENGINE=responses` (with `/v1`, e.g. `https://api.openai.com/v1`), called with `RESPONSES_API_KEY`; unset: the embedded Responses API starts in the same process (port `RESPONSES_API_PORT`)'),
  responsesUpstream: responsesUpstreamSettings,
  webhookSecret: setting('RESPONSES_WEBHOOK_SECRET', webhookSecret.optional(), 'with `RUNS_ENGINE=responses`: the secret (`whsec_…`) of the Responses webhooks that `POST /webhooks/responses` accepts (Standard Webhooks, 5-minute tolerance); a verified event ends polling for its run', { secret: true }),
  dataDir: setting('RUNS_DATA_DIR', z.string().min(1).default('./data/runs'), 'with `RUNS_ENGINE=responses`: the directory of the embedded store (assistants, thread ↔ conversation, message fields, run chains and indexes); survives a restart'),
  databaseUrl: setting('RUNS_DATABASE_URL', postgresUrl.optional(), 'with `RUNS_ENGINE=responses`: `postgres://…` of a PostgreSQL database the engine keeps its records in instead of `RUNS_DATA_DIR` (several instances share it)', { secret: true }),
  stepMs: setting('RUNS_API_STEP_MS', positiveInt.default(400), 'length of one simulated step of a run (a run without tools takes about 3 steps)'),
  demoData: setting('RUNS_API_DEMO_DATA', bool.default(true), 'load the demo assistants, threads and runs at start'),
  requireBetaHeader: setting('RUNS_API_REQUIRE_BETA_HEADER', bool.default(true), 'answer 400 without `OpenAI-Beta: assistants=v2`, as the real API did'),
  faults: setting('RUNS_API_FAULTS', z.string().default(''), 'fault injection rules, e.g. `POST /threads/{thread_id}/runs status=500 rate=0.5; * * latency=200`', { shown: 'none' }),
  faultControl: setting('RUNS_API_FAULT_CONTROL', bool.default(false), 'expose `GET/PUT/DELETE /__control/faults` to change the rules at run time'),
  profile: setting(
    'RUNS_API_PROFILE',
    runsApiProfile.default('openai'),
    'the wire it presents: `openai` (Assistants v2 under `/v1`) or `foundry-classic` (Azure AI Foundry classic agents at `/api/projects/{RUNS_API_PROJECT}`, `api-version` required, bearer tokens from its own `POST /oauth2/v2.0/token`; see src/runs-api/README.md)',
  ),
  project: setting('RUNS_API_PROJECT', z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and - only').default('demo'), 'with `RUNS_API_PROFILE=foundry-classic`: the project in the endpoint path `/api/projects/{project}`'),
  clientId: setting('RUNS_API_CLIENT_ID', z.string().min(1).optional(), 'with `RUNS_API_PROFILE=foundry-classic` (required there): the client id its token endpoint accepts'),
  clientSecret: setting('RUNS_API_CLIENT_SECRET', z.string().min(1).optional(), 'with `RUNS_API_PROFILE=foundry-classic` (required there): the client secret its token endpoint accepts', { secret: true }),
  tokenLifetimeMs: setting('RUNS_API_TOKEN_LIFETIME_MS', positiveInt.default(3_600_000), 'with `RUNS_API_PROFILE=foundry-classic`: how long an issued token is good for (tests use 1–2 s)'),
};
