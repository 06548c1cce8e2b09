import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startResponsesApi, type ResponsesApi } from '../../src/responses-api/index.js';
import { postgresAvailable, postgresSkipReason, startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { freePort } from '../helpers/ports.js';
import { waitUntil } from '../helpers/wait.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const WEBHOOK_SECRET = `whsec_${Buffer.from('crash-restart-test-key-32-bytes!').toString('base64')}`;
const WEATHER_TOOL = { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } };

/** `npm run runs-api` with RUNS_ENGINE=responses as its own process, so that it can be SIGKILLed. */
async function startRunsProcess(env: Record<string, string>): Promise<{ url: string; child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/runs-api/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'development', RUNS_ENGINE: 'responses', RUNS_API_STEP_MS: '100', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const pattern = /Runs API \(embedded\) listening on (http:\/\/\S+\/v1)/;
  await waitUntil(() => pattern.test(output) || child.exitCode !== null, 25_000);
  const url = pattern.exec(output)?.[1];
  if (!url) throw new Error(`the runs API did not start:\n${output}`);
  return { url, child, output: () => output };
}

/**
 * A pass-through to the Responses API that, when armed, forwards the next POST /responses and keeps its answer: the
 * upstream made the response, the runs API never hears of it (a write whose outcome is unknown).
 */
async function startAnswerEater(upstream: string): Promise<{ url: string; armNext(): void; eaten(): boolean; close(): Promise<void> }> {
  let armed = false;
  let eaten = false;
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => !['host', 'content-length', 'connection'].includes(name)).map(([name, value]) => [name, String(value)]));
    const answer = await fetch(`${upstream.replace(/\/v1$/, '')}${req.url ?? ''}`, { method: req.method ?? 'GET', headers, ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}) });
    const body = Buffer.from(await answer.arrayBuffer());
    if (armed && req.method === 'POST' && req.url === '/v1/responses') {
      armed = false;
      eaten = true;
      return;
    }
    res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    armNext: () => {
      armed = true;
    },
    eaten: () => eaten,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

async function call(url: string, method: string, path: string, body?: unknown): Promise<any> {
  const answer = await fetch(`${url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', 'OpenAI-Beta': 'assistants=v2' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = await answer.json();
  if (!answer.ok) throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(json)}`);
  return json;
}

async function runReaching(url: string, threadId: string, runId: string, statuses: string[]): Promise<any> {
  let run: any;
  await waitUntil(async () => {
    run = await call(url, 'GET', `/threads/${threadId}/runs/${runId}`);
    return statuses.includes(run.status);
  }, 10_000);
  return run;
}

/**
 * A crash (SIGKILL) of the runs API while a run is in progress and while it waits in requires_action, then a restart on
 * the same store: thread, messages and run are all there, the run ends after tool outputs given to the new process,
 * and the Responses API saw exactly one POST /responses per step of the run (its own request log, exact because it
 * runs in this process; only the runs API is killed).
 */
describe.each([
  { store: 'embedded (RUNS_DATA_DIR)', needsPostgres: false },
  { store: `PostgreSQL (RUNS_DATABASE_URL)${postgresSkipReason}`, needsPostgres: true },
])('runs API crash and restart on the Responses engine, $store store', ({ needsPostgres }) => {
  let responses: ResponsesApi;
  let postgres: TestPostgres | undefined;
  let dataDir: string | undefined;
  let storeEnv: Record<string, string>;
  let running: ChildProcess | undefined;
  const skip = needsPostgres && !postgresAvailable;

  beforeAll(async () => {
    if (skip) return;
    // Webhooks to nowhere: each background response that ends is still listed once in webhookDeliveries, which
    // counts the responses created (an idempotent repeat of a POST creates none).
    responses = await startResponsesApi({ port: 0, stepMs: 150, webhook: { url: `http://127.0.0.1:${await freePort()}/`, secret: WEBHOOK_SECRET, maxAttempts: 1, timeoutMs: 500 } });
    if (needsPostgres) {
      postgres = await startPostgres();
      storeEnv = { RUNS_DATABASE_URL: await postgres.createDatabase('crash_restart') };
    } else {
      dataDir = await mkdtemp(join(tmpdir(), 'runs-crash-'));
      storeEnv = { RUNS_DATA_DIR: dataDir };
    }
  });
  afterAll(async () => {
    if (running) await kill(running);
    await responses?.close();
    await postgres?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it.skipIf(skip)('loses nothing and creates no second response for one step', async () => {
    const port = await freePort();
    const env = { ...storeEnv, RESPONSES_BASE_URL: responses.url, RUNS_API_PORT: String(port) };
    const postsToResponses = () => responses.requestLog.filter((entry) => entry.method === 'POST' && entry.route === '/responses').length;

    let runs = await startRunsProcess(env);
    running = runs.child;
    const assistant = await call(runs.url, 'POST', '/assistants', { model: 'gpt-4o', tools: [WEATHER_TOOL] });
    const thread = await call(runs.url, 'POST', '/threads', { messages: [{ role: 'user', content: 'Rome' }] });
    const run = await call(runs.url, 'POST', `/threads/${thread.id}/runs`, { assistant_id: assistant.id });
    expect(['queued', 'in_progress']).toContain(run.status);

    // Killed while the first response is still running upstream.
    await kill(runs.child);
    runs = await startRunsProcess(env);
    running = runs.child;
    const waiting = await runReaching(runs.url, thread.id, run.id, ['requires_action']);
    const [toolCall] = waiting.required_action.submit_tool_outputs.tool_calls;
    expect(toolCall.function.name).toBe('get_weather');
    expect(postsToResponses()).toBe(1);

    // Killed while it waits for tool outputs; they are given to the next process.
    await kill(runs.child);
    runs = await startRunsProcess(env);
    running = runs.child;
    expect((await call(runs.url, 'GET', `/assistants/${assistant.id}`)).id).toBe(assistant.id);
    expect((await call(runs.url, 'GET', `/threads/${thread.id}`)).id).toBe(thread.id);
    const stillWaiting = await call(runs.url, 'GET', `/threads/${thread.id}/runs/${run.id}`);
    expect(stillWaiting.status).toBe('requires_action');
    expect(stillWaiting.required_action.submit_tool_outputs.tool_calls[0].id).toBe(toolCall.id);
    await call(runs.url, 'POST', `/threads/${thread.id}/runs/${run.id}/submit_tool_outputs`, { tool_outputs: [{ tool_call_id: toolCall.id, output: '25 C' }] });
    const done = await runReaching(runs.url, thread.id, run.id, ['completed', 'failed', 'expired', 'cancelled']);
    expect(done.status).toBe('completed');

    expect(postsToResponses()).toBe(2);
    const runList = await call(runs.url, 'GET', `/threads/${thread.id}/runs`);
    expect(runList.data.map((listed: any) => listed.id)).toEqual([run.id]);
    const steps = await call(runs.url, 'GET', `/threads/${thread.id}/runs/${run.id}/steps?order=asc`);
    expect(steps.data.map((step: any) => step.type)).toEqual(['tool_calls', 'message_creation']);
    const messages = await call(runs.url, 'GET', `/threads/${thread.id}/messages?order=asc`);
    expect(messages.data.map((message: any) => message.role)).toEqual(['user', 'assistant']);
    expect(messages.data[0].content[0].text.value).toBe('Rome');
    expect(messages.data[1].content[0].text.value).toContain('25 C');
  });

  it.skipIf(skip)('killed while its POST /responses is in flight: the restart re-sends it with the same key and one response is made', async () => {
    const port = await freePort();
    const eater = await startAnswerEater(responses.url);
    const env = { ...storeEnv, RESPONSES_BASE_URL: eater.url, RUNS_API_PORT: String(port) };
    try {
    // The embedded store serves one process: the previous test's runs API goes first.
    if (running) await kill(running);
    const respondedBefore = new Set(responses.webhookDeliveries.map((delivery) => delivery.event.data.id));

    let runs = await startRunsProcess(env);
    running = runs.child;
    const assistant = await call(runs.url, 'POST', '/assistants', { model: 'gpt-4o' });
    const thread = await call(runs.url, 'POST', '/threads', { messages: [{ role: 'user', content: 'Hello once' }] });
    // The upstream makes the run's first response; the runs API dies before it hears of it.
    eater.armNext();
    const creating = call(runs.url, 'POST', `/threads/${thread.id}/runs`, { assistant_id: assistant.id }).catch((error: unknown) => error);
    await waitUntil(() => eater.eaten(), 10_000);
    await kill(runs.child);
    expect(await creating).toBeInstanceOf(Error);

    runs = await startRunsProcess(env);
    running = runs.child;
    const listed = await call(runs.url, 'GET', `/threads/${thread.id}/runs`);
    expect(listed.data).toHaveLength(1);
    const done = await runReaching(runs.url, thread.id, listed.data[0].id, ['completed', 'failed', 'expired', 'cancelled']);
    expect(done.status).toBe('completed');
    const messages = await call(runs.url, 'GET', `/threads/${thread.id}/messages?order=asc`);
    expect(messages.data.map((message: any) => message.role)).toEqual(['user', 'assistant']);

    await waitUntil(() => responses.webhookDeliveries.some((delivery) => !respondedBefore.has(delivery.event.data.id)), 5_000);
    const made = new Set(responses.webhookDeliveries.map((delivery) => delivery.event.data.id).filter((id) => !respondedBefore.has(id)));
    expect(made.size).toBe(1);
    } finally {
      await eater.close();
    }
  });
});
