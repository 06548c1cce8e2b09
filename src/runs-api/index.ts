import type { Clock } from '../embedded/clock.js';
import { Faults, type FaultRule } from '../embedded/faults.js';
import { listen } from '../embedded/listen.js';
import { RouteTable } from '../embedded/routing.js';
import type { RunsEngine } from './engine.js';
import { createSimulatedEngine, type SimulatedEngineOptions } from './engines/simulated/index.js';
import { createOperations } from './routes/index.js';
import { createHttpServer, type RequestLogEntry } from './server.js';
import type { RunsEngineName } from './settings.js';

export type { FaultRule } from '../embedded/faults.js';
export { FaultRuleError, parseFaultRules } from '../embedded/faults.js';
export { DEMO_IDS } from './engines/simulated/index.js';
export { createSimulatedEngine } from './engines/simulated/index.js';
export type { RunsEngine, RunStart } from './engine.js';
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
}

export interface RunsApi {
  /** Base URL including /v1, e.g. http://127.0.0.1:4010/v1. */
  url: string;
  port: number;
  /** Every request, newest last (capped at 10 000 entries). */
  requestLog: RequestLogEntry[];
  faults: { set(rules: FaultRule[] | string): void; clear(): void; list(): FaultRule[] };
  /** Closes the server, every socket (streams included) and every timer. */
  close(): Promise<void>;
}

/**
 * `openai-poll-after-ms` on responses with a moving run: half a phase, so a poller that follows it
 * sees every state (each lasts at least one phase), but never below 50 ms so fast test settings
 * do not turn into a busy loop.
 */
export function pollAfterMs(stepMs: number): number {
  return Math.max(50, Math.round(stepMs / 2));
}

/** Starts the embedded runs API: the spec's assistants/threads/messages/runs/steps over real HTTP. */
export async function startRunsApi(options: RunsApiOptions & { port?: number; host?: string } = {}): Promise<RunsApi> {
  const stepMs = options.stepMs ?? 400;
  const engine = createEngine(options.engine ?? 'simulated', {
    stepMs,
    requiresActionTimeoutMs: options.requiresActionTimeoutMs ?? 600_000,
    demoData: options.demoData ?? false,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const routes = new RouteTable(createOperations(engine));
  const faults = new Faults(routes.routes());
  // Parsed before listening: a bad RUNS_API_FAULTS fails start-up with the parser's message.
  if (options.faults !== undefined && options.faults !== '') faults.set(options.faults);

  const requestLog: RequestLogEntry[] = [];
  const http = createHttpServer({
    routes,
    faults,
    faultControl: options.faultControl ?? false,
    apiKey: options.apiKey,
    requireBetaHeader: options.requireBetaHeader ?? true,
    pollAfterMs: pollAfterMs(stepMs),
    requestLog,
  });
  const listening = await listen(http.server, options.port ?? 0, options.host ?? '127.0.0.1');

  let closing: Promise<void> | undefined;
  return {
    url: `${listening.origin}/v1`,
    port: listening.port,
    requestLog,
    faults: {
      set: (rules) => faults.set(rules),
      clear: () => faults.clear(),
      list: () => faults.list(),
    },
    close() {
      closing ??= (async () => {
        await engine.close();
        http.stop();
        await listening.close();
      })();
      return closing;
    },
  };
}

/** The one place an engine is chosen: the wire above it is the same for every engine. */
function createEngine(name: RunsEngineName, options: SimulatedEngineOptions): RunsEngine {
  switch (name) {
    case 'simulated':
      return createSimulatedEngine(options);
  }
}
