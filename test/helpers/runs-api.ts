import { startRunsApi, type RunsApi, type RunsApiOptions } from '../../src/runs-api/index.js';
import type { RunsEngineName } from '../../src/runs-api/settings.js';
import { waitUntil } from './wait.js';
import { rawCall, type RawResponse } from './wire-http.js';

export type { RunsApi };
export { parseEvents, type RawResponse, type SseEvent } from './wire-http.js';

export type TestRunsApiOptions = RunsApiOptions & { port?: number; host?: string };

/** The embedded runs API on port 0 with short steps and no demo data. Close it in afterAll/afterEach. */
export function startTestRunsApi(options: TestRunsApiOptions = {}): Promise<RunsApi> {
  return startRunsApi({ port: 0, stepMs: 25, demoData: false, ...options });
}

/** An engine the black-box suites run against: `describe.each(ENGINES)('… ($name engine)', (engine) => …)`. */
export interface EngineUnderTest {
  /** Its RUNS_ENGINE value. */
  name: RunsEngineName;
  /** The runs API on this engine, as `startTestRunsApi` starts it. */
  start(options?: TestRunsApiOptions): Promise<RunsApi>;
}

/** Every engine behind the runs wire; each suite that uses this runs once per entry. */
export const ENGINES: readonly EngineUnderTest[] = [
  { name: 'simulated', start: (options = {}) => startTestRunsApi({ ...options, engine: 'simulated' }) },
  // The runs API on an embedded Responses API of its own (port 0, the same step and clock), records in memory.
  { name: 'responses', start: (options = {}) => startTestRunsApi({ ...options, engine: 'responses' }) },
];

/** How many requests reached `method route` (templated, e.g. `/threads/{thread_id}/runs`). */
export function callsTo(api: RunsApi, method: string, route: string): number {
  return api.requestLog.filter((entry) => entry.method === method.toUpperCase() && entry.route === route).length;
}

/** A plain HTTP call with the beta header, for tests that need to see exactly what the API sent. */
export function call<T = any>(
  api: RunsApi,
  method: string,
  path: string,
  options: { body?: unknown; rawBody?: string; headers?: Record<string, string>; beta?: boolean } = {},
): Promise<RawResponse<T>> {
  const headers: Record<string, string> = { ...(options.beta === false ? {} : { 'openai-beta': 'assistants=v2' }), ...options.headers };
  return rawCall<T>(`${api.url}${path}`, method, headers, options);
}

/** The statuses the SDK's poller stops at. */
export const SETTLED_RUN_STATUSES = ['requires_action', 'cancelled', 'failed', 'completed', 'incomplete', 'expired'];

/** Polls a run until it reaches one of `statuses` (default: any status the SDK's poller stops at). */
export async function waitForRun(api: RunsApi, threadId: string, runId: string, statuses: string[] = SETTLED_RUN_STATUSES, timeoutMs = 5_000): Promise<any> {
  let run: any;
  try {
    await waitUntil(async () => {
      run = (await call(api, 'GET', `/threads/${threadId}/runs/${runId}`)).body;
      return statuses.includes(run.status);
    }, timeoutMs);
  } catch {
    throw new Error(`run ${runId} is ${run?.status}, still not ${statuses.join('|')} after ${timeoutMs} ms`);
  }
  return run;
}
