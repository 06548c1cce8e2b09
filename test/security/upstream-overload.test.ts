import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HealthEvent } from '../../src/upstream/client.js';
import { createAssistant, createThread } from '../helpers/fixtures.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { waitUntil } from '../helpers/wait.js';
import { http, postJson, type HttpAnswer } from './helpers.js';

/**
 * Issue 14: one client's bad input never opens the shared circuit; a hung upstream gives fast, bounded 503s
 * (UPSTREAM_UNAVAILABLE, reason overloaded) instead of an unbounded queue; readiness answers on its own timeout;
 * outages and shedding are logged once and exported as metrics.
 */

/** An upstream that accepts every request and never answers (a SIGSTOPped server, as the probes saw it). */
async function startHungUpstream(): Promise<{ url: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req) => void requests.push(`${req.method} ${(req.url ?? '').split('?')[0]!.replace(/^\/v1/, '')}`));
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const metricValue = (text: string, name: string): number | undefined => {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name} `) || candidate.startsWith(`${name}{`));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
};
const metrics = async (stack: Stack) => (await http(stack, { method: 'GET', path: '/metrics' })).text;

describe('bad input never counts against the upstream', () => {
  let stack: Stack;
  let threadId: string;
  let assistantId: string;
  beforeAll(async () => {
    // The default breaker (50 failures in a row); no rate limit, so that 60 requests arrive as fast as they can. The
    // edge's input bounds would refuse these bodies first (test/security/bounded-input.test.ts): lifted here, so that
    // what is tested is the upstream core's own classification behind them.
    stack = await startStack({ env: { RATE_LIMIT_PER_SECOND: '0', READINESS_CACHE_MS: '0', GRAPHQL_MAX_INPUT_DEPTH: '1000000' } });
    assistantId = (await createAssistant(stack.api, { name: 'Deep' })).id;
    threadId = (await createThread(stack.api)).id;
  });
  afterAll(() => stack.close());

  it('60 createRuns whose tool parameters nest 20,000 deep are BAD_USER_INPUT, the circuit stays closed, others are served', async () => {
    expect(stack.config.upstream.breakerThreshold).toBeLessThan(60);
    const deep = '{"a":'.repeat(20_000) + '1' + '}'.repeat(20_000);
    const body = `{"query":"mutation ($t: ID!, $a: ID!, $p: JSONObject) { createRun(input: { threadId: $t, assistantId: $a, tools: [{ function: { name: \\"f\\", parameters: $p } }] }) { run { runId } } }","variables":{"t":"${threadId}","a":"${assistantId}","p":${deep}}}`;
    const mark = stack.api.requestLog.length;
    for (let i = 0; i < 60; i++) {
      const answer = await postJson(stack, body);
      expect(answer.status).toBe(200);
      expect(answer.json?.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    }
    expect(stack.api.requestLog.slice(mark).filter((entry) => entry.method === 'POST')).toEqual([]);
    expect(stack.gateway.services.upstream.health.breaker).toBe('closed');
    expect((await stack.query(`{ assistant(id: "${assistantId}") { name } }`)).data).toEqual({ assistant: { name: 'Deep' } });
    expect((await http(stack, { method: 'GET', path: '/readiness' })).status).toBe(200);
    expect(metricValue(await metrics(stack), 'gateway_upstream_breaker_state')).toBe(0);
  });

  it('an id with a lone surrogate is BAD_USER_INPUT, not an internal error', async () => {
    const answer = await postJson(stack, { query: 'query ($t: ID!) { thread(id: $t) { id } }', variables: { t: 'thread_\ud800x' } });
    expect(answer.json?.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    expect(stack.gateway.services.upstream.health.breaker).toBe('closed');
  });
});

describe('a hung upstream: bounded queue, fast 503s, readiness on its own timeout', () => {
  const DEADLINE_MS = 1_500;
  let hung: Awaited<ReturnType<typeof startHungUpstream>>;
  let stack: Stack;
  const logLines: Array<Record<string, unknown>> = [];
  beforeAll(async () => {
    hung = await startHungUpstream();
    stack = await startStack({
      logLines,
      env: {
        UPSTREAM_BASE_URL: hung.url,
        UPSTREAM_MAX_CONCURRENCY: '2',
        UPSTREAM_MAX_QUEUE: '3',
        UPSTREAM_OPERATION_DEADLINE_MS: String(DEADLINE_MS),
        UPSTREAM_TIMEOUT_MS: '30000',
        READINESS_TIMEOUT_MS: '300',
        READINESS_CACHE_MS: '0',
        RATE_LIMIT_PER_SECOND: '0',
        LOG_LEVEL: 'info',
      },
    });
  });
  afterAll(async () => {
    await stack.close();
    await hung.close();
  });

  it('sheds what the queue cannot hold at once with 503 + Retry-After, answers every request, and never has more than the limit in flight', async () => {
    const order: string[] = [];
    const answers = Array.from({ length: 20 }, (_, i) =>
      postJson(stack, { query: `{ assistant(id: "asst_${i}") { name } }` }).then((answer) => {
        order.push(reasonOf(answer));
        return answer;
      }),
    );
    // While they wait: the upstream holds at most the concurrency limit, readiness answers 503 on its own timeout.
    await waitUntil(() => hung.requests.length >= 2);
    const readiness = await http(stack, { method: 'GET', path: '/readiness' });
    order.push('readiness');
    expect(readiness.status).toBe(503);
    const during = await metrics(stack);
    expect(metricValue(during, 'gateway_upstream_in_flight')).toBeLessThanOrEqual(2);
    expect(metricValue(during, 'gateway_upstream_queued')).toBeLessThanOrEqual(3);

    const settled = await Promise.all(answers);
    const shed = settled.filter((answer) => reasonOf(answer) === 'overloaded');
    expect(shed.length).toBeGreaterThanOrEqual(18 - 1);
    for (const answer of shed) {
      expect(answer.status).toBe(503);
      expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(answer.json?.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', reason: 'overloaded', retryAfterMs: expect.any(Number) });
      expect(answer.json?.errors?.[0]?.extensions).not.toHaveProperty('http');
    }
    // The two that were sent end at their deadline (a timeout, not a shed) and after everything shed at once.
    expect(settled.map(reasonOf).filter((reason) => reason === 'timeout')).toHaveLength(20 - shed.length);
    expect(order.indexOf('readiness')).toBeLessThan(order.indexOf('timeout'));
    expect(order.slice(0, 15).every((reason) => reason === 'overloaded')).toBe(true);
    // Requests the hung upstream received: the two in flight and the readiness probe, nothing queued behind them.
    expect(hung.requests.filter((request) => request === 'GET /assistants').length).toBeLessThanOrEqual(1);
    expect(hung.requests.filter((request) => request.startsWith('GET /assistants/')).length).toBe(2);
  });

  it('readiness does not queue behind a full upstream; writes shed before being sent (a plain one, a streamed run) are reported as overloaded, and were never sent', async () => {
    const blockers = [0, 1].map((i) => postJson(stack, { query: `{ assistant(id: "asst_block_${i}") { name } }` }));
    const health = stack.gateway.services.upstream.health;
    await waitUntil(() => health.active === 2);
    // Each filler waits in the queue or, when its estimated wait (slots held by the hung upstream, answers that took
    // the whole deadline before) is past its deadline, is shed at once: either way none is sent.
    let shedFillers = 0;
    const fillers = [0, 1, 2].map((i) =>
      postJson(stack, { query: `{ assistant(id: "asst_fill_${i}") { name } }` }).then((answer) => {
        if (answer.status === 503) shedFillers += 1;
        return answer;
      }),
    );
    await waitUntil(() => health.queued + shedFillers === 3);
    // Every slot is held by the hung upstream: the readiness probe goes beside them (the upstream sees it) and fails on its own timeout.
    const probesBefore = hung.requests.filter((request) => request === 'GET /assistants').length;
    expect((await http(stack, { method: 'GET', path: '/readiness' })).status).toBe(503);
    expect(hung.requests.filter((request) => request === 'GET /assistants').length).toBe(probesBefore + 1);
    expect(health.active).toBe(2);
    const before = hung.requests.length;
    const write = await postJson(stack, { query: 'mutation { createThread(input: {}) { thread { id } } }' });
    expect(write.status).toBe(503);
    expect(write.json?.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', reason: 'overloaded' });
    // A run started on its event stream waits for a slot like any request: shed too, unsent.
    const run = await postJson(stack, { query: 'mutation { createRun(input: { threadId: "thread_shed", assistantId: "asst_shed" }) { run { runId } } }' });
    expect(run.status).toBe(503);
    expect(run.json?.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', reason: 'overloaded' });
    await Promise.all([...blockers, ...fillers]);
    expect(hung.requests.slice(before).filter((request) => request.startsWith('POST'))).toEqual([]);
  });

  it('logs the shedding once at warn, not once per request, and counts it', async () => {
    const warnings = logLines.filter((line) => line['level'] === 40 && String(line['msg']).startsWith('upstream overloaded'));
    expect(warnings).toHaveLength(1);
    expect(logLines.filter((line) => line['level'] === 40 && String(line['msg']).startsWith('readiness: the upstream is failing'))).toHaveLength(1);
    const text = await metrics(stack);
    const shedTotal = text.split('\n').filter((line) => line.startsWith('gateway_upstream_shed_total{')).reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
    expect(shedTotal).toBeGreaterThanOrEqual(18);
  });
});

describe('breaker transitions: logged once, exported, announced to listeners', () => {
  let stack: Stack;
  const logLines: Array<Record<string, unknown>> = [];
  beforeAll(async () => {
    stack = await startStack({ logLines, env: { UPSTREAM_BREAKER_THRESHOLD: '3', UPSTREAM_BREAKER_COOLDOWN_MS: '200', UPSTREAM_MAX_RETRIES: '0', RATE_LIMIT_PER_SECOND: '0', LOG_LEVEL: 'info' } });
  });
  afterAll(() => stack.close());

  it('open, half-open and closed are each told once, however many requests fail meanwhile', async () => {
    const events: HealthEvent[] = [];
    const stop = stack.gateway.services.upstream.health.onChange((event) => events.push(event));
    const assistant = await createAssistant(stack.api, { name: 'Breaker' });
    const query = `{ assistant(id: "${assistant.id}") { name } }`;
    stack.api.faults.set('GET /assistants/{assistant_id} status=500');
    try {
      for (let i = 0; i < 10; i += 1) expect((await stack.query(query)).errors?.[0]?.extensions?.['code']).toBe('UPSTREAM_UNAVAILABLE');
      expect(metricValue(await metrics(stack), 'gateway_upstream_breaker_state')).toBe(2);
    } finally {
      stack.api.faults.clear();
    }
    await waitUntil(() => events.some((event) => event.kind === 'breaker' && event.state === 'half-open'));
    expect((await stack.query(query)).data).toEqual({ assistant: { name: 'Breaker' } });
    stop();
    expect(events.map((event) => (event.kind === 'breaker' ? event.state : event.kind))).toEqual(['open', 'half-open', 'closed']);
    expect(logLines.filter((line) => line['level'] === 40 && String(line['msg']).startsWith('upstream circuit open'))).toHaveLength(1);
    expect(logLines.filter((line) => String(line['msg']).startsWith('upstream circuit closed'))).toHaveLength(1);
    const text = await metrics(stack);
    expect(metricValue(text, 'gateway_upstream_breaker_state')).toBe(0);
    expect(text).toContain('gateway_upstream_breaker_transitions_total{state="open"} 1');
    expect(text).toContain('gateway_upstream_breaker_transitions_total{state="closed"} 1');
  });
});

function reasonOf(answer: HttpAnswer): string {
  const extensions = answer.json?.errors?.[0]?.extensions;
  return typeof extensions?.['reason'] === 'string' ? extensions['reason'] : String(extensions?.['code'] ?? 'ok');
}
