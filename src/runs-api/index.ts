import { initialFaults, listenEmbedded, type EmbeddedServerHandle } from '../embedded/start.js';
import { RouteTable } from '../embedded/routing.js';
import type { RunsEngine } from './engine.js';
import { createSimulatedEngine } from './engines/simulated/index.js';
import type { ResponsesApi } from '../responses-api/index.js';
import { foundryClassicPresentation, openAiPresentation, type WirePresentation } from './profiles.js';
import { TOKEN_PATH } from './token-endpoint.js';
import { createHttpServer, type RequestLogEntry } from './server.js';
import type { RunsApiConfig } from '../config.js';
import { responsesApiSettings } from '../responses-api/settings.js';
import { readSettings, type Env } from '../settings.js';
import type { RunsEngineName } from './settings.js';
import { pollAfterMs, type ChosenEngine, type RunsApiOptions } from './options.js';
import { resolveResponsesUpstream } from './engines/responses/profile.js';

export type { FaultRule } from '../embedded/faults.js';
export { FaultRuleError, parseFaultRules } from '../embedded/faults.js';
export { DEMO_IDS } from './engines/simulated/index.js';
export { createSimulatedEngine } from './engines/simulated/index.js';
export type { RunsEngine, RunStart } from './engine.js';
export type { EngineStore } from './engines/responses/store/contract.js';
export type { Clock } from '../embedded/clock.js';
export type { RequestLogEntry } from './server.js';
export type { RunsApiOptions } from './options.js';
export { pollAfterMs, RESPONSES_WEBHOOK_PATH, webhookFallbackMs } from './options.js';

export { FOUNDRY_API_VERSIONS, RUNS_API_PROFILES, type RunsApiProfileName } from './profiles.js';
export { FOUNDRY_TOKEN_SCOPE, TOKEN_PATH } from './token-endpoint.js';

export interface RunsApi extends EmbeddedServerHandle {
  /** Foundry classic's token endpoint (client-credentials grant) and how many tokens it has issued. */
  tokenEndpoint?: { url: string; issued(): number; recent(): string[] };
  /** The embedded Responses API the `responses` engine runs on, when this process started it. */
  responsesApi?: ResponsesApi;
  /** Upstream calls of the `responses` engine, by kind (empty for the simulated engine). */
  upstreamCalls: Readonly<Record<string, number>>;
}

/**
 * The options `npm run runs-api` and `npm start` take from the settings: the runs API's own, and for the
 * `responses` engine its upstream (RESPONSES_BASE_URL with RESPONSES_API_KEY, else the embedded Responses API on
 * RESPONSES_API_PORT, which then requires that same key: one process, one key).
 */
export function runsApiOptionsFrom(config: { host: string; runsApi: RunsApiConfig }, env: Env = process.env): RunsApiOptions & { port: number; host: string } {
  const { responsesBaseUrl, webhookSecret, dataDir, databaseUrl, responsesUpstream, ...runsApi } = config.runsApi;
  // Checked with every other setting when the config was loaded.
  const responsesApi = readSettings(responsesApiSettings, env);
  const upstream = runsApi.engine === 'responses' ? resolveResponsesUpstream(responsesUpstream, { apiKey: responsesApi.apiKey, runsApiAuthenticates: runsApi.apiKey !== undefined || runsApi.profile === 'foundry-classic' }) : undefined;
  return {
    ...runsApi,
    host: config.host,
    responses: { baseUrl: responsesBaseUrl, apiKey: responsesApi.apiKey, port: responsesApi.port, upstream },
    storeLocation: { dataDir, databaseUrl },
    webhookSecret,
  };
}

/** Starts the embedded runs API: the spec's assistants/threads/messages/runs/steps over real HTTP. */
export async function startRunsApi(options: RunsApiOptions & { port?: number; host?: string } = {}): Promise<RunsApi> {
  const stepMs = options.stepMs ?? 400;
  const { engine, responsesApi, upstreamCalls, signedRoutes } = await createEngine(options.engine ?? 'simulated', { ...options, stepMs });
  const presentation = presentationOf(options);
  const routes = new RouteTable(presentation.operations);
  const faults = initialFaults(routes, options.faults);

  const requestLog: RequestLogEntry[] = [];
  const http = createHttpServer({
    engine,
    routes,
    faults,
    faultControl: options.faultControl ?? false,
    apiKey: options.apiKey,
    requireBetaHeader: presentation.requireBetaHeader,
    pollAfterMs: pollAfterMs(stepMs),
    requestLog,
    signedRoutes: [...(signedRoutes ?? []), ...presentation.signedRoutes],
    basePath: presentation.basePath,
    authenticate: presentation.authenticate,
    checkWireRequest: presentation.checkRequest,
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
  const origin = handle.url.replace(/\/v1$/, '');
  const tokens = presentation.tokens;
  return {
    ...handle,
    url: `${origin}${presentation.basePath}`,
    ...(responsesApi ? { responsesApi } : {}),
    ...(tokens ? { tokenEndpoint: { url: `${origin}${TOKEN_PATH}`, issued: () => tokens.issued, recent: () => tokens.recent() } } : {}),
    upstreamCalls,
  };
}

/** The wire the API speaks (RUNS_API_PROFILE); refused at start when the profile's settings do not fit. */
function presentationOf(options: RunsApiOptions): WirePresentation {
  if ((options.profile ?? 'openai') === 'openai') return openAiPresentation(options.requireBetaHeader ?? true);
  const { clientId, clientSecret } = options;
  if (options.apiKey !== undefined) throw new Error('RUNS_API_KEY does not apply with RUNS_API_PROFILE=foundry-classic: it takes bearer tokens from its token endpoint only.');
  if (!clientId || !clientSecret) throw new Error('RUNS_API_PROFILE=foundry-classic needs RUNS_API_CLIENT_ID and RUNS_API_CLIENT_SECRET: the client credentials its token endpoint accepts.');
  return foundryClassicPresentation({ project: options.project ?? 'demo', clientId, clientSecret, tokenLifetimeMs: options.tokenLifetimeMs ?? 3_600_000 });
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
