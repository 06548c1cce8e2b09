import type { Clock } from '../embedded/clock.js';
import type { FaultRule } from '../embedded/faults.js';
import type { SignedRoute } from '../embedded/server.js';
import type { ResponsesApi } from '../responses-api/index.js';
import type { RunsEngine } from './engine.js';
import type { EngineStore } from './engines/responses/store/contract.js';
import type { EngineStoreLocation } from './engines/responses/store/index.js';
import type { ResponsesUpstream } from './engines/responses/profile.js';
import type { RunsApiProfileName, RunsEngineName } from './settings.js';

/** What `startRunsApi` takes, and what an engine's start-up is given of it; the poll timing both need. */

export interface RunsApiOptions {
  /** The wire it presents (RUNS_API_PROFILE): `openai` under `/v1`, or Azure's `foundry-classic` (see profiles.ts). @default 'openai' */
  profile?: RunsApiProfileName;
  /** Foundry classic: the project of the endpoint path `/api/projects/{project}`. @default 'demo' */
  project?: string;
  /** Foundry classic: the client id and secret its token endpoint accepts. */
  clientId?: string | undefined;
  clientSecret?: string | undefined;
  /** Foundry classic: how long a token is good for. @default 3_600_000 */
  tokenLifetimeMs?: number;
  /** What serves the API (RUNS_ENGINE). @default 'simulated' */
  engine?: RunsEngineName;
  /** When set, requests must send `Authorization: Bearer <apiKey>`, else 401. */
  apiKey?: string;
  /** Length of one simulated run phase. @default 400 */
  stepMs?: number;
  /** Seed assistants, threads and runs with well-known ids (DEMO_IDS). @default false */
  demoData?: boolean;
  /** Answer 400 without `OpenAI-Beta: assistants=v2`, like the real API. @default true */
  requireBetaHeader?: boolean;
  /** Initial fault rules, as objects or in the RUNS_API_FAULTS string syntax (see faults.ts). */
  faults?: string | FaultRule[];
  /** Serve GET/PUT/DELETE /__control/faults. @default false */
  faultControl?: boolean;
  /** How long a run may wait in requires_action before it expires. @default 600_000 */
  requiresActionTimeoutMs?: number;
  /** Time and timers of the engine; tests pass a manual clock to advance runs without sleeping. @default the real clock */
  clock?: Clock;
  /**
   * The Responses upstream of the `responses` engine (RESPONSES_BASE_URL + RESPONSES_API_KEY). Without `baseUrl`,
   * the embedded Responses API starts in this process (on `port`, 0 for a free one; same step and clock).
   */
  responses?: {
    baseUrl?: string | undefined;
    apiKey?: string | undefined;
    port?: number | undefined;
    /** What kind of server the upstream is (RESPONSES_PROFILE and the settings it implies). @default the openai profile */
    upstream?: ResponsesUpstream | undefined;
  };
  /** The `responses` engine's records, given ready (tests). Without it: the durable store of `storeLocation`, else in memory. */
  store?: EngineStore;
  /** Where the `responses` engine's durable store is (RUNS_DATABASE_URL, else RUNS_DATA_DIR). */
  storeLocation?: EngineStoreLocation;
  /** With the `responses` engine: serve `POST /webhooks/responses`, verified with this Standard Webhooks secret. */
  webhookSecret?: string | undefined;
}

/** Where the `responses` engine hears of responses that ended (Standard Webhooks, RESPONSES_WEBHOOK_SECRET). */
export const RESPONSES_WEBHOOK_PATH = '/webhooks/responses';

/**
 * `openai-poll-after-ms` on responses with a moving run: half a phase, so a poller that follows it
 * sees every state (each lasts at least one phase), but never below 50 ms so fast test settings
 * do not turn into a busy loop.
 */
export function pollAfterMs(stepMs: number): number {
  return Math.max(50, Math.round(stepMs / 2));
}

/** With webhooks, how often a read of an active run still asks the upstream, in case a delivery was lost. */
export function webhookFallbackMs(stepMs: number): number {
  return Math.max(5_000, 10 * pollAfterMs(stepMs));
}

/** An engine as `startRunsApi` runs it: the engine, the routes it brings, the servers it started. */
export interface ChosenEngine {
  engine: RunsEngine;
  /** Routes the engine brings besides the runs operations (the Responses webhooks). */
  signedRoutes?: SignedRoute[];
  responsesApi?: ResponsesApi;
  upstreamCalls: Readonly<Record<string, number>>;
}
