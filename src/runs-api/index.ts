import type { Clock } from '../embedded/clock.js';
import type { FaultRule } from '../embedded/faults.js';
import { initialFaults, listenEmbedded, type EmbeddedServerHandle } from '../embedded/start.js';
import { RouteTable } from '../embedded/routing.js';
import type { RunsEngine } from './engine.js';
import { createSimulatedEngine } from './engines/simulated/index.js';
import type { EngineStore } from './engines/responses/store/contract.js';
import type { EngineStoreLocation } from './engines/responses/store/index.js';
import type { SignedRoute } from '../embedded/server.js';
import type { ResponsesApi } from '../responses-api/index.js';
import { createOperations } from './routes/index.js';
import { createHttpServer, type RequestLogEntry } from './server.js';
import type { RunsApiConfig } from '../config.js';
import { responsesApiSettings } from '../responses-api/settings.js';
import { readSettings, type Env } from '../settings.js';
import type { RunsEngineName } from './settings.js';

export type { FaultRule } from '../embedded/faults.js';
export { FaultRuleError, parseFaultRules } from '../embedded/faults.js';
export { DEMO_IDS } from './engines/simulated/index.js';
export { createSimulatedEngine } from './engines/simulated/index.js';
export type { RunsEngine, RunStart } from './engine.js';

/** Where the `responses` engine hears of responses that ended (Standard Webhooks, RESPONSES_WEBHOOK_SECRET). */
export const RESPONSES_WEBHOOK_PATH = '/webhooks/responses';
export type { EngineStore } from './engines/responses/store/contract.js';
export type { Clock } from '../embedded/clock.js';
export type { RequestLogEntry } from './server.js';

export interface RunsApiOptions {
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
  responses?: { baseUrl?: string | undefined; apiKey?: string | undefined; port?: number | undefined };
  /** The `responses` engine's records, given ready (tests). Without it: the durable store of `storeLocation`, else in memory. */
  store?: EngineStore;
  /** Where the `responses` engine's durable store is (RUNS_DATABASE_URL, else RUNS_DATA_DIR). */
  storeLocation?: EngineStoreLocation;
  /** With the `responses` engine: serve `POST /webhooks/responses`, verified with this Standard Webhooks secret. */
  webhookSecret?: string | undefined;
}

export interface RunsApi extends EmbeddedServerHandle {
  /** The embedded Responses API the `responses` engine runs on, when this process started it. */
  responsesApi?: ResponsesApi;
  /** Upstream calls of the `responses` engine, by kind (empty for the simulated engine). */
  upstreamCalls: Readonly<Record<string, number>>;
}

/**
 * `openai-poll-after-ms` on responses with a moving run: half a phase, so a poller that follows it
 * sees every state (each lasts at least one phase), but never below 50 ms so fast test settings
 * do not turn into a busy loop.
 */
export function pollAfterMs(stepMs: number): number {
  return Math.max(50, Math.round(stepMs / 2));
}

/**
 * The options `npm run runs-api` and `npm start` take from the settings: the runs API's own, and for the
 * `responses` engine its upstream (RESPONSES_BASE_URL with RESPONSES_API_KEY, else the embedded Responses API on
 * RESPONSES_API_PORT, which then requires that same key: one process, one key).
 */
export function runsApiOptionsFrom(config: { host: string; runsApi: RunsApiConfig }, env: Env = process.env): RunsApiOptions & { port: number; host: string } {
  const { responsesBaseUrl, webhookSecret, dataDir, databaseUrl, ...runsApi } = config.runsApi;
  // Checked with every other setting when the config was loaded.
  const responsesApi = readSettings(responsesApiSettings, env);
  return {
    ...runsApi,
    host: config.host,
    responses: { baseUrl: responsesBaseUrl, apiKey: responsesApi.apiKey, port: responsesApi.port },
    storeLocation: { dataDir, databaseUrl },
    webhookSecret,
  };
}

/** With webhooks, how often a read of an active run still asks the upstream, in case a delivery was lost. */
export function webhookFallbackMs(stepMs: number): number {
  return Math.max(5_000, 10 * pollAfterMs(stepMs));
}

/** Starts the embedded runs API: the spec's assistants/threads/messages/runs/steps over real HTTP. */
export async function startRunsApi(options: RunsApiOptions & { port?: number; host?: string } = {}): Promise<RunsApi> {
  const stepMs = options.stepMs ?? 400;
  const { engine, responsesApi, upstreamCalls, signedRoutes } = await createEngine(options.engine ?? 'simulated', { ...options, stepMs });
  const routes = new RouteTable(createOperations(engine));
  const faults = initialFaults(routes, options.faults);

  const requestLog: RequestLogEntry[] = [];
  const http = createHttpServer({
    routes,
    faults,
    faultControl: options.faultControl ?? false,
    apiKey: options.apiKey,
    requireBetaHeader: options.requireBetaHeader ?? true,
    pollAfterMs: pollAfterMs(stepMs),
    requestLog,
    signedRoutes,
  });
  const handle = await listenEmbedded({
    http,
    faults,
    requestLog,
    port: options.port,
    host: options.host,
    beforeClose: async () => {
      await engine.close();
      await responsesApi?.close();
    },
  });
  return { ...handle, ...(responsesApi ? { responsesApi } : {}), upstreamCalls };
}

export interface ChosenEngine {
  engine: RunsEngine;
  /** Routes the engine brings besides the runs operations (the Responses webhooks). */
  signedRoutes?: SignedRoute[];
  responsesApi?: ResponsesApi;
  upstreamCalls: Readonly<Record<string, number>>;
}

/** The one place an engine is chosen: the wire above it is the same for every engine. */
async function createEngine(name: RunsEngineName, options: RunsApiOptions & { stepMs: number }): Promise<ChosenEngine> {
  const requiresActionTimeoutMs = options.requiresActionTimeoutMs ?? 600_000;
  switch (name) {
    case 'simulated':
      return {
        engine: createSimulatedEngine({ stepMs: options.stepMs, requiresActionTimeoutMs, demoData: options.demoData ?? false, ...(options.clock ? { clock: options.clock } : {}) }),
        upstreamCalls: {},
      };
    case 'responses':
      // Loaded only for this engine: the embedded Responses API, its spec and validators, the store drivers.
      return (await import('./engines/responses/start.js')).startResponsesEngine({ ...options, requiresActionTimeoutMs });
  }
}
