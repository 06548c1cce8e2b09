import { z } from 'zod';
import { bool, port, positiveInt, setting } from '../settings.js';

/** The engines behind the runs wire. The engine on the Responses API (issue 17) is not here yet. */
export const RUNS_ENGINES = ['simulated'] as const;
export type RunsEngineName = (typeof RUNS_ENGINES)[number];

const runsEngine = z.enum(RUNS_ENGINES, {
  error: (issue) => `unknown engine ${JSON.stringify(issue.input)}; accepted: ${RUNS_ENGINES.map((name) => `"${name}"`).join(', ')} (the "responses" engine is not available yet)`,
});

/** The embedded runs API's settings (`npm run runs-api`, and `npm start` without UPSTREAM_BASE_URL). */
export const runsApiSettings = {
  port: setting('RUNS_API_PORT', port.default(4010), 'port of the embedded runs API'),
  apiKey: setting('RUNS_API_KEY', z.string().min(1).optional(), 'when set, the embedded API requires `Authorization: Bearer <key>` (and the gateway sends it)', { secret: true }),
  engine: setting('RUNS_ENGINE', runsEngine.default('simulated'), 'what serves the runs API: `simulated` (in-memory objects, runs simulated in time by the simulated model)'),
  stepMs: setting('RUNS_API_STEP_MS', positiveInt.default(400), 'length of one simulated step of a run (a run without tools takes about 3 steps)'),
  demoData: setting('RUNS_API_DEMO_DATA', bool.default(true), 'load the demo assistants, threads and runs at start'),
  requireBetaHeader: setting('RUNS_API_REQUIRE_BETA_HEADER', bool.default(true), 'answer 400 without `OpenAI-Beta: assistants=v2`, as the real API did'),
  faults: setting('RUNS_API_FAULTS', z.string().default(''), 'fault injection rules, e.g. `POST /threads/{thread_id}/runs status=500 rate=0.5; * * latency=200`', { shown: 'none' }),
  faultControl: setting('RUNS_API_FAULT_CONTROL', bool.default(false), 'expose `GET/PUT/DELETE /__control/faults` to change the rules at run time'),
};
