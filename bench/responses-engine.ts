/**
 * `npm run bench:responses-engine`: what the runs API on RUNS_ENGINE=responses costs on the Responses wire per run
 * (created and polled as the SDK's createAndPoll does, and the tool loop), with and without webhooks, and the latency
 * it adds per runs call next to the simulated engine. Both over real HTTP on 127.0.0.1, the embedded Responses API
 * at a short step, the engine's embedded store on disk. Prints a markdown section.
 */
import { freePort } from './abuse/processes.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { writeOwnedSection } from './lib/owned-sections.js';
import { startResponsesApi, type ResponsesApi } from '../src/responses-api/index.js';
import { RESPONSES_WEBHOOK_PATH, startRunsApi, type RunsApi } from '../src/runs-api/index.js';

const STEP_MS = 50;
const LATENCY_SAMPLES = 300;
const RUNS = 10;
const headers = { 'content-type': 'application/json', 'openai-beta': 'assistants=v2' };

async function wire(api: RunsApi, method: string, path: string, body?: unknown): Promise<any> {
  const response = await fetch(`${api.url}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return response.json();
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls as the SDK does: at the run's `openai-poll-after-ms`. */
async function pollUntil(api: RunsApi, threadId: string, runId: string, statuses: string[]): Promise<any> {
  for (;;) {
    const response = await fetch(`${api.url}/threads/${threadId}/runs/${runId}`, { headers });
    const run = (await response.json()) as any;
    if (statuses.includes(run.status)) return run;
    await sleep(Number(response.headers.get('openai-poll-after-ms') ?? 100));
  }
}


function callsOf(responses: ResponsesApi, from: number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const entry of responses.requestLog.slice(from)) counts[`${entry.method} ${entry.route}`] = (counts[`${entry.method} ${entry.route}`] ?? 0) + 1;
  return counts;
}

const describeCalls = (counts: Record<string, number>, runs: number) =>
  Object.entries(counts)
    .sort()
    .map(([route, count]) => `${route} ${(count / runs).toFixed(1)}`)
    .join(', ');

async function callsPerRun(withWebhooks: boolean): Promise<{ plain: string; tools: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-responses-engine-'));
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  const port = await freePort();
  const responses = await startResponsesApi({ port: 0, stepMs: STEP_MS, ...(withWebhooks ? { webhook: { url: `http://127.0.0.1:${port}${RESPONSES_WEBHOOK_PATH}`, secret, retryMs: 50 } } : {}) });
  const api = await startRunsApi({ port, engine: 'responses', stepMs: STEP_MS, responses: { baseUrl: responses.url }, storeLocation: { dataDir }, ...(withWebhooks ? { webhookSecret: secret } : {}) });
  try {
    const plain = await wire(api, 'POST', '/assistants', { model: 'gpt-4o' });
    const tools = await wire(api, 'POST', '/assistants', { model: 'gpt-4o', tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: {} } } }] });
    const threads = await Promise.all(Array.from({ length: RUNS }, () => wire(api, 'POST', '/threads', { messages: [{ role: 'user', content: 'Hello' }] })));

    let mark = responses.requestLog.length;
    await Promise.all(threads.map(async (thread) => {
      const run = await wire(api, 'POST', `/threads/${thread.id}/runs`, { assistant_id: plain.id });
      await pollUntil(api, thread.id, run.id, ['completed']);
    }));
    const plainCalls = describeCalls(callsOf(responses, mark), RUNS);

    mark = responses.requestLog.length;
    await Promise.all(threads.map(async (thread) => {
      const run = await wire(api, 'POST', `/threads/${thread.id}/runs`, { assistant_id: tools.id });
      const waiting = await pollUntil(api, thread.id, run.id, ['requires_action']);
      const outputs = waiting.required_action.submit_tool_outputs.tool_calls.map((call: any) => ({ tool_call_id: call.id, output: '42' }));
      await wire(api, 'POST', `/threads/${thread.id}/runs/${run.id}/submit_tool_outputs`, { tool_outputs: outputs });
      await pollUntil(api, thread.id, run.id, ['completed']);
    }));
    return { plain: plainCalls, tools: describeCalls(callsOf(responses, mark), RUNS) };
  } finally {
    await api.close();
    await responses.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function latency(engine: 'simulated' | 'responses'): Promise<Record<string, { p50: number; p95: number }>> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-responses-engine-'));
  const api = await startRunsApi({ port: 0, engine, stepMs: STEP_MS, ...(engine === 'responses' ? { storeLocation: { dataDir } } : {}) });
  try {
    const assistant = await wire(api, 'POST', '/assistants', { model: 'gpt-4o' });
    const thread = await wire(api, 'POST', '/threads', { messages: [{ role: 'user', content: 'Hello' }] });
    const run = await wire(api, 'POST', `/threads/${thread.id}/runs`, { assistant_id: assistant.id });
    await pollUntil(api, thread.id, run.id, ['completed']);
    const calls: Record<string, () => Promise<unknown>> = {
      'GET run (ended)': () => wire(api, 'GET', `/threads/${thread.id}/runs/${run.id}`),
      'GET messages (page of 20)': () => wire(api, 'GET', `/threads/${thread.id}/messages`),
      'POST message': () => wire(api, 'POST', `/threads/${thread.id}/messages`, { role: 'user', content: 'More' }),
    };
    const figures: Record<string, { p50: number; p95: number }> = {};
    for (const [name, send] of Object.entries(calls)) {
      for (let warm = 0; warm < 20; warm += 1) await send();
      const times: number[] = [];
      for (let sample = 0; sample < LATENCY_SAMPLES; sample += 1) {
        const started = performance.now();
        await send();
        times.push(performance.now() - started);
      }
      times.sort((a, b) => a - b);
      figures[name] = { p50: times[Math.floor(times.length * 0.5)]!, p95: times[Math.floor(times.length * 0.95)]! };
    }
    return figures;
  } finally {
    await api.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const polled = await callsPerRun(false);
const hooked = await callsPerRun(true);
const simulated = await latency('simulated');
const responsesEngine = await latency('responses');

const lines = [
  '## Runs on the Responses engine (issue 17)',
  '',
  `\`npm run bench:responses-engine\`: the runs API with \`RUNS_ENGINE=responses\` over the embedded Responses API (step ${STEP_MS} ms), embedded store on disk; ${RUNS} runs at once, polled at \`openai-poll-after-ms\` as the SDK's createAndPoll does. Responses calls per run:`,
  '',
  '| run | polling only | with webhooks |',
  '|---|---|---|',
  `| no tools (create, poll to completed) | ${polled.plain} | ${hooked.plain} |`,
  `| tool loop (create, poll to requires_action, submit, poll to completed) | ${polled.tools} | ${hooked.tools} |`,
  '',
  `Latency per runs call (p50 / p95 over ${LATENCY_SAMPLES} sequential calls, ms), the same call on each engine:`,
  '',
  '| call | simulated | responses engine | added |',
  '|---|---|---|---|',
  ...Object.keys(simulated).map((name) => {
    const a = simulated[name]!;
    const b = responsesEngine[name]!;
    return `| ${name} | ${a.p50.toFixed(2)} / ${a.p95.toFixed(2)} | ${b.p50.toFixed(2)} / ${b.p95.toFixed(2)} | ${(b.p50 - a.p50).toFixed(2)} / ${(b.p95 - a.p95).toFixed(2)} |`;
  }),
];
console.log(lines.join('\n'));
writeOwnedSection(process.env['BENCH_OUT'] ?? 'BENCHMARKS.md', 'responses-engine', 'npm run bench:responses-engine (bench/responses-engine.ts)', lines.join('\n'));
process.exit(0);
