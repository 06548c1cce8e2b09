import { startRunsApi, type RunsApi, type RunsApiOptions } from '../../src/runs-api/index.js';
import type { RunsEngineName } from '../../src/runs-api/settings.js';
import { waitUntil } from './wait.js';

export type { RunsApi };

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
export const ENGINES: readonly EngineUnderTest[] = [{ name: 'simulated', start: (options = {}) => startTestRunsApi({ ...options, engine: 'simulated' }) }];

/** How many requests reached `method route` (templated, e.g. `/threads/{thread_id}/runs`). */
export function callsTo(api: RunsApi, method: string, route: string): number {
  return api.requestLog.filter((entry) => entry.method === method.toUpperCase() && entry.route === route).length;
}

export interface RawResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** A plain HTTP call with the beta header, for tests that need to see exactly what the API sent. */
export async function call<T = any>(
  api: RunsApi,
  method: string,
  path: string,
  options: { body?: unknown; rawBody?: string; headers?: Record<string, string>; beta?: boolean } = {},
): Promise<RawResponse<T>> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(options.beta === false ? {} : { 'openai-beta': 'assistants=v2' }), ...options.headers };
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const response = await fetch(`${api.url}${path}`, { method, headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // event streams and empty bodies stay text
  }
  return { status: response.status, headers: response.headers, body: parsed as T, text };
}

export interface SseEvent {
  event: string;
  /** Parsed JSON, or the raw string for `[DONE]`. */
  data: any;
}

/** Splits a finished `text/event-stream` body into its events. */
export function parseEvents(text: string): SseEvent[] {
  const events: SseEvent[] = [];
  for (const block of text.split('\n\n')) {
    if (block.trim() === '') continue;
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
    }
    const joined = data.join('\n');
    events.push({ event, data: joined === '[DONE]' ? joined : JSON.parse(joined) });
  }
  return events;
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
