import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/observability/logger.js';
import { startRunsApi, type RunsApi } from '../../src/runs-api/index.js';
import { createGateway, type Gateway } from '../../src/server/app.js';
import { createWsClient, subscribeSse, subscribeWs } from '../helpers/live-clients.js';
import type { Stack } from '../helpers/stack.js';
import { call } from '../helpers/runs-api.js';
import { waitUntil } from '../helpers/wait.js';
import { http, jsonHeaders, postJson } from './helpers.js';

/**
 * Checklist 47: the upstream key (a canary) appears in no response body, header, WebSocket message or close reason,
 * GraphiQL page, metric or log line, nor does any fragment of it: its `sk-` prefix with what follows, its last 4
 * characters, or the masked form the upstream's 401 echoes.
 */

// A tail no log line has by chance (4 hex digits would turn up in request ids and ports).
const CANARY = `sk-canary${randomBytes(12).toString('hex')}QzXw`;
const fragments = [CANARY, CANARY.slice(0, 8), CANARY.slice(-4), CANARY.slice(3, 15), `${CANARY.slice(0, 3)}***`, `***${CANARY.slice(-4)}`];

interface Captured {
  stack: Stack;
  lines: string[];
}

async function secretStack(runsApiKey: string, env: Record<string, string> = {}): Promise<Captured> {
  const lines: string[] = [];
  const api: RunsApi = await startRunsApi({ port: 0, stepMs: 25, demoData: false, apiKey: runsApiKey });
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'trace', UPSTREAM_BASE_URL: api.url, UPSTREAM_API_KEY: CANARY, GRAPHIQL: 'true', ...env });
  const logger = createLogger({ logLevel: 'trace' }, { write: (line: string) => void lines.push(line) });
  const gateway: Gateway = createGateway({ config, logger });
  await gateway.listen(0, '127.0.0.1');
  const stack: Stack = {
    api,
    gateway,
    config,
    async query(document, variables, headers) {
      const answer = await postJson(stackRef, { query: document, variables }, headers);
      lines.push(`${answer.status} ${JSON.stringify([...answer.headers])} ${answer.text}`);
      return answer.json as never;
    },
    async close() {
      await gateway.close();
      await api.close();
    },
  };
  const stackRef = stack;
  return { stack, lines };
}

describe('secrets', () => {
  const consoleLines: string[] = [];
  const writes: string[] = [];
  let restore: Array<() => void> = [];

  beforeAll(() => {
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      const spy = vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void consoleLines.push(args.map(String).join(' ')));
      restore.push(() => spy.mockRestore());
    }
    for (const stream of [process.stdout, process.stderr]) {
      const original = stream.write.bind(stream);
      stream.write = ((chunk: unknown, ...rest: unknown[]) => (writes.push(String(chunk)), (original as (...args: unknown[]) => boolean)(chunk, ...rest))) as typeof stream.write;
      restore.push(() => void (stream.write = original));
    }
  });
  afterAll(() => {
    for (const undo of restore) undo();
    restore = [];
  });

  function expectClean(texts: readonly string[]): void {
    const all = texts.join('\n');
    for (const fragment of fragments) expect(all.includes(fragment), `found "${fragment}"`).toBe(false);
  }

  it('47: representative operations, upstream faults and 401s echoing the key leak nothing', async () => {
    const seen: string[] = [];
    // A gateway with the right key: reads, writes, subscriptions, GraphiQL, metrics, injected faults.
    const good = await secretStack(CANARY);
    try {
      const { stack } = good;
      // Set up directly on the runs API, which wants the canary too.
      const headers = { authorization: `Bearer ${CANARY}` };
      const assistant = (await call(stack.api, 'POST', '/assistants', { body: { model: 'gpt-4o' }, headers })).body;
      const thread = (await call(stack.api, 'POST', '/threads', { body: { messages: [{ role: 'user', content: 'hi' }] }, headers })).body;
      const run = (await call(stack.api, 'POST', `/threads/${thread.id}/runs`, { body: { assistant_id: assistant.id }, headers })).body;
      await waitUntil(async () => (await call(stack.api, 'GET', `/threads/${thread.id}/runs/${run.id}`, { headers })).body.status === 'completed', 5_000);
      const q = (document: string, variables?: Record<string, unknown>) => stack.query(document, variables);
      await q('query($t: ID!) { thread(id: $t) { threadId metadata runs(first: 5) { edges { node { status steps(first: 5) { edges { cursor } } messages(first: 5) { edges { node { content { __typename } } } } } } } } }', { t: thread.id });
      await q('query($t: ID!, $r: ID!) { run(threadId: $t, runId: $r) { status assistant { name } } }', { t: thread.id, r: run.id });
      await q('{ assistants(first: 5) { edges { node { assistantId } } } }');
      await q('mutation($t: ID!, $a: ID!) { createRun(input: { threadId: $t, assistantId: $a, idempotencyKey: "k-1" }) { run { runId status } } }', { t: thread.id, a: assistant.id });
      await q('mutation { createThread(input: { metadata: { gateway_owner: "x" } }) { thread { threadId } } }');
      await q('{ thread(id: "thread_missing") { threadId } }');
      await q('{ nope }');
      for (const fault of ['status=401', 'status=403', 'status=500', 'status=429 retry_after_ms=5', 'drop']) {
        stack.api.faults.set(`* * ${fault}`);
        await q('query($t: ID!, $r: ID!) { run(threadId: $t, runId: $r) { status } thread(id: $t) { threadId } }', { t: thread.id, r: run.id });
        await q('mutation($t: ID!) { createMessage(input: { threadId: $t, role: USER, content: { text: "x" } }) { message { messageId } } }', { t: thread.id });
        stack.api.faults.clear();
      }
      const ws = createWsClient(stack.gateway.wsUrl);
      const sub = subscribeWs(ws, 'subscription($t: ID!, $r: ID!) { runUpdated(threadId: $t, runId: $r) { status } }', { t: thread.id, r: run.id });
      await sub.done;
      seen.push(JSON.stringify(sub.results));
      await ws.dispose();
      const sse = subscribeSse(stack.gateway.url, 'subscription($t: ID!, $r: ID!) { runUpdated(threadId: $t, runId: $r) { status } }', { t: thread.id, r: run.id });
      await sse.done;
      seen.push(JSON.stringify(sse.results));
      for (const path of ['/graphql', '/metrics', '/health', '/console']) {
        const page = await http(stack, { method: 'GET', path, headers: { accept: 'text/html' } });
        seen.push(page.text, JSON.stringify([...page.headers]));
      }
      seen.push(...good.lines);
      expect(good.lines.length).toBeGreaterThan(10);
    } finally {
      await good.stack.close();
    }

    // A gateway whose key the upstream refuses: every answer is a real 401 whose body echoes part of the key.
    const refused = await secretStack('sk-the-right-key-0000');
    try {
      const { stack } = refused;
      const direct = await fetch(`${stack.api.url}/assistants`, { headers: { authorization: `Bearer ${CANARY}`, 'OpenAI-Beta': 'assistants=v2' } });
      const echoed = await direct.text();
      expect(echoed).toContain(CANARY.slice(-4)); // the upstream does echo a fragment: the test can see a leak
      const answers = [
        await postJson(stack, { query: '{ assistants(first: 1) { edges { cursor } } }' }),
        await postJson(stack, { query: 'mutation { createThread(input: {}) { thread { threadId } } }' }),
        await postJson(stack, { query: '{ thread(id: "thread_x") { threadId } }' }),
      ];
      for (const answer of answers) {
        expect(answer.json!.errors![0]!.extensions!['code']).toBe('UPSTREAM_UNAUTHORIZED');
        seen.push(answer.text, JSON.stringify([...answer.headers]));
      }
      const socket = new WebSocket(stack.gateway.wsUrl, 'graphql-transport-ws');
      const messages: string[] = [];
      socket.on('message', (data) => messages.push(String(data)));
      await new Promise((resolve) => socket.once('open', resolve));
      const parsed = (message: string) => (JSON.parse(message) as { id?: string; type: string });
      socket.send(JSON.stringify({ type: 'connection_init' }));
      // Subscribing before the ack would only get the socket closed (4401), with nothing said that could leak.
      await waitUntil(() => messages.some((message) => parsed(message).type === 'connection_ack'));
      socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'subscription { runUpdated(threadId: "thread_x", runId: "run_x") { status } }' } }));
      // The subscription's answer: the upstream refuses the gateway's key.
      await waitUntil(() => messages.some((message) => parsed(message).id === '1'));
      socket.close();
      seen.push(...messages, ...refused.lines);
      const metrics = await http(stack, { method: 'GET', path: '/metrics' });
      seen.push(metrics.text);
    } finally {
      await refused.stack.close();
    }
    expectClean([...seen, ...consoleLines, ...writes]);
  });

  it('49: a foreign Origin gets no CORS headers; a listed one gets itself back, never with credentials', async () => {
    const { stack, lines } = await secretStack(CANARY);
    try {
      const preflight = (origin: string) => http(stack, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,authorization' } });
      const foreign = await preflight('https://evil.example');
      expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
      expect(foreign.headers.get('access-control-allow-credentials')).toBeNull();
      const post = await http(stack, { body: JSON.stringify({ query: '{ __typename }' }), headers: jsonHeaders({ origin: 'https://evil.example' }) });
      expect(post.headers.get('access-control-allow-origin')).toBeNull();
      expect(lines.join('\n')).not.toContain(CANARY);
    } finally {
      await stack.close();
    }
    const listed = await secretStack(CANARY, { CORS_ORIGINS: 'https://app.example,https://admin.example' });
    try {
      const answer = await http(listed.stack, { method: 'OPTIONS', headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' } });
      expect(answer.headers.get('access-control-allow-origin')).toBe('https://app.example');
      expect(answer.headers.get('access-control-allow-credentials')).toBeNull();
      const other = await http(listed.stack, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await listed.stack.close();
    }
  });
});
