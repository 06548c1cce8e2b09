import { afterAll } from 'vitest';
import { startRunsApi, type RunsApi, type RunsApiOptions } from '../../src/runs-api/index.js';
import type { RunsEngineName } from '../../src/runs-api/settings.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EngineStoreLocation } from '../../src/runs-api/engines/responses/store/index.js';
import { postgresAvailable, startPostgres, type TestPostgres } from './postgres.js';
import { waitUntil } from './wait.js';
import { rawCall, type RawResponse } from './wire-http.js';

export type { RunsApi };
export { parseEvents, type RawResponse, type SseEvent } from './wire-http.js';

export type TestRunsApiOptions = RunsApiOptions & { port?: number; host?: string };

/** The embedded runs API on port 0 with short steps and no demo data. Close it in afterAll/afterEach. */
export function startTestRunsApi(options: TestRunsApiOptions = {}): Promise<RunsApi> {
  return startRunsApi({ port: 0, stepMs: 25, demoData: false, ...options });
}

/** An engine the black-box suites run against: `describe.each(ENGINES)('… ($label)', (engine) => …)`. */
export interface EngineUnderTest {
  /** Its RUNS_ENGINE value. */
  name: RunsEngineName;
  /** The engine and, for the responses engine, the store its records are in. */
  label: string;
  /** The runs API on this engine, as `startTestRunsApi` starts it. */
  start(options?: TestRunsApiOptions): Promise<RunsApi>;
}

/** The runs API on the responses engine with its records in a durable store, which goes when the API is closed. */
async function onDurableStore(options: TestRunsApiOptions, storeLocation: () => Promise<{ location: EngineStoreLocation; remove: () => Promise<void> }>): Promise<RunsApi> {
  const { location, remove } = await storeLocation();
  const api = await startTestRunsApi({ ...options, engine: 'responses', storeLocation: location });
  const close = api.close.bind(api);
  api.close = async () => {
    await close();
    await remove();
  };
  return api;
}

/** One PostgreSQL server per test file, started when a suite first needs it and stopped after the file's last test. */
let postgres: Promise<TestPostgres> | undefined;
let databases = 0;
afterAll(async () => {
  const started = postgres;
  postgres = undefined;
  await (await started)?.stop();
});

/**
 * Every engine behind the runs wire, and every store of the responses engine; each suite that uses this runs once per
 * entry. The responses engine runs on an embedded Responses API of its own (port 0, the same step and clock).
 */
export const ENGINES: readonly EngineUnderTest[] = [
  { name: 'simulated', label: 'simulated engine', start: (options = {}) => startTestRunsApi({ ...options, engine: 'simulated' }) },
  { name: 'responses', label: 'responses engine, memory store', start: (options = {}) => startTestRunsApi({ ...options, engine: 'responses' }) },
  {
    name: 'responses',
    label: 'responses engine, embedded store',
    start: (options = {}) =>
      onDurableStore(options, async () => {
        const dataDir = await mkdtemp(join(tmpdir(), 'runs-engine-store-'));
        return { location: { dataDir }, remove: () => rm(dataDir, { recursive: true, force: true }) };
      }),
  },
  ...(postgresAvailable
    ? [
        {
          name: 'responses' as const,
          label: 'responses engine, PostgreSQL store',
          start: (options: TestRunsApiOptions = {}) =>
            onDurableStore(options, async () => {
              postgres ??= startPostgres();
              const databaseUrl = await (await postgres).createDatabase(`runs_${process.pid}_${(databases += 1)}`);
              return { location: { databaseUrl }, remove: async () => undefined };
            }),
        },
      ]
    : []),
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
export async function waitForRun(api: RunsApi, threadId: string, runId: string, statuses: string[] = SETTLED_RUN_STATUSES, timeoutMs = 15_000): Promise<any> {
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
