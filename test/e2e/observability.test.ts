import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createWsClient, subscribeWs } from '../helpers/live-clients.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { waitUntil } from '../helpers/wait.js';
import { createAssistant, createRun, createThread } from '../helpers/fixtures.js';

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

const origin = (stack: Stack) => stack.gateway.url.replace(/\/graphql$/, '');

describe('operations side', () => {
  const cleanup: Array<() => Promise<unknown> | unknown> = [];
  afterEach(async () => {
    while (cleanup.length > 0) await cleanup.pop()!();
  });

  it('/health is alive; /readiness follows the upstream', async () => {
    const stack = await startStack({ env: { READINESS_CACHE_MS: '0' } });
    cleanup.push(() => stack.close());
    expect((await fetch(`${origin(stack)}/health`)).status).toBe(200);
    const ready = await fetch(`${origin(stack)}/readiness`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', upstream: 'ok' });
    stack.api.faults.set('GET /assistants status=503');
    const failing = await fetch(`${origin(stack)}/readiness`);
    expect(failing.status).toBe(503);
    expect(await failing.json()).toEqual({ status: 'not ready', upstream: 'failing' });
  });

  it('logs one JSON line per operation with its request id and the upstream request ids it caused', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const stack = await startStack({ logLines: lines, env: { LOG_LEVEL: 'debug' } });
    cleanup.push(() => stack.close());
    const assistant = await createAssistant(stack.api, { name: 'Logged' });
    const response = await fetch(stack.gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'client-req-42' },
      body: JSON.stringify({ query: 'query ReadAssistant($id: ID!) { assistant(id: $id) { name } }', variables: { id: assistant.id } }),
    });
    expect(response.headers.get('x-request-id')).toBe('client-req-42');
    expect(await response.json()).toEqual({ data: { assistant: { name: 'Logged' } } });
    const upstreamIds = stack.api.requestLog.length;
    expect(upstreamIds).toBeGreaterThan(0);
    const operation = lines.find((line) => line['msg'] === 'graphql operation' && line['operationName'] === 'ReadAssistant');
    expect(operation).toMatchObject({ requestId: 'client-req-42', operationType: 'query', outcome: 'ok', upstreamCalls: 1, level: 30 });
    expect((operation!['upstreamRequestIds'] as string[])[0]).toMatch(/^req_/);
    const upstream = lines.find((line) => line['msg'] === 'upstream request');
    expect(upstream).toMatchObject({ requestId: 'client-req-42', method: 'GET', route: '/assistants/{assistant_id}', status: '200', upstreamRequestId: (operation!['upstreamRequestIds'] as string[])[0] });
    // A client id that is not a sane token is replaced, not logged.
    const odd = await fetch(stack.gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'bad id\twith spaces' }, body: '{"query":"{ __typename }"}' });
    expect(odd.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('exposes operation, subscription, poller and upstream metrics', async () => {
    const stack = await startStack({ runsApi: { stepMs: 100 } });
    cleanup.push(() => stack.close());
    const assistant = await createAssistant(stack.api, { tools: [{ type: 'function', function: { name: 'wait' } }] });
    const thread = await createThread(stack.api);
    const run = await createRun(stack.api, thread.id, { assistant_id: assistant.id });
    await stack.query('query Probe { __typename }');
    const client = createWsClient(stack.gateway.wsUrl);
    cleanup.push(() => client.dispose());
    const subscription = subscribeWs(client, 'subscription Watch($t: ID!, $r: ID!) { runUpdated(threadId: $t, runId: $r) { status } }', { t: thread.id, r: run.id });
    await waitUntil(() => subscription.results.length > 0);
    const metricsText = async () => (await fetch(`${origin(stack)}/metrics`)).text();
    // A poll after the subscription's first read: its lag and upstream timing are recorded.
    await waitUntil(async () => /gateway_poll_lag_seconds_count [1-9]/.test(await metricsText()));
    const text = await metricsText();
    expect(text).toMatch(/gateway_operations_total\{type="query",name="Probe",outcome="ok"\} 1/);
    expect(text).toMatch(/gateway_active_subscriptions 1\n/);
    expect(text).toMatch(/gateway_live_pollers 1\n/);
    expect(text).toMatch(/gateway_live_runs 1\n/);
    expect(text).toMatch(/gateway_poll_lag_seconds_count [1-9]/);
    expect(text).toMatch(/gateway_upstream_request_duration_seconds_count\{method="GET",route="\/threads\/\{thread_id\}\/runs\/\{run_id\}"\} [1-9]/);
    subscription.stop();
    await waitUntil(() => stack.gateway.services.live.runs.size === 0);
    const after = await (await fetch(`${origin(stack)}/metrics`)).text();
    expect(after).toMatch(/gateway_active_subscriptions 0\n/);
    expect(after).toMatch(/gateway_operations_total\{type="subscription",name="Watch",outcome="ok"\} 1/);
  });

  it('exports a span per operation and per upstream call over OTLP when configured', async () => {
    const received: Array<{ name: string; traceId: string; parentSpanId?: string; spanId: string }> = [];
    const collector: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString()) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: typeof received }> }> };
        for (const resource of body.resourceSpans) for (const scope of resource.scopeSpans) received.push(...scope.spans);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise((resolve) => collector.close(resolve)));
    const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
    const stack = await startStack({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint } });
    cleanup.push(() => stack.close());
    const assistant = await createAssistant(stack.api);
    await stack.query(`query Traced { assistant(id: "${assistant.id}") { name } }`);
    await waitUntil(() => received.some((span) => span.name.startsWith('upstream')), 5_000);
    const operation = received.find((span) => span.name === 'graphql.query Traced')!;
    const upstream = received.find((span) => span.name === 'upstream GET /assistants/{assistant_id}')!;
    expect(operation).toBeDefined();
    expect(upstream.traceId).toBe(operation.traceId);
    expect(upstream.parentSpanId).toBe(operation.spanId);
  });

  it('on SIGTERM closes WebSocket subscriptions with 1001 (going away) and exits 0', async () => {
    // The gateway process itself (what `npm start` runs), so that its own exit code is seen.
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/index.ts'], {
      cwd: new URL('../..', import.meta.url).pathname,
      env: { ...process.env, PORT: '0', RUNS_API_PORT: '0', NODE_ENV: 'development', LOG_LEVEL: 'warn' },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    cleanup.push(() => {
      // The group may be gone already (exited, its exit not yet seen here).
      if (child.exitCode === null) killGroup(child.pid!);
    });
    let output = '';
    let errors = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    await waitUntil(() => /WebSocket:\s+(\S+)/.test(output) || child.exitCode !== null, 25_000);
    expect(output, errors).toMatch(/WebSocket:\s+(\S+)/);
    const wsUrl = /WebSocket:\s+(\S+)/.exec(output)![1]!;
    // The demo run waiting for tool outputs stays live: its subscription stays open until the shutdown.
    const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
    await once(socket, 'open');
    const messages: Array<{ type: string }> = [];
    socket.on('message', (data) => messages.push(JSON.parse(String(data)) as { type: string }));
    socket.on('close', (code, reason) => messages.push({ type: `closed ${code} ${String(reason)}` }));
    socket.on('error', (error) => messages.push({ type: `error ${error.message}` }));
    socket.send(JSON.stringify({ type: 'connection_init' }));
    await waitUntil(() => messages.some((message) => message.type === 'connection_ack'));
    socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'subscription { runUpdated(threadId: "thread_demo", runId: "run_demo_requires_action") { status } }' } }));
    await waitUntil(() => messages.some((message) => message.type === 'next'), 10_000).catch((error: Error) => {
      throw new Error(`${error.message}: ${JSON.stringify(messages)} ${output}`);
    });
    const closed = once(socket, 'close');
    const exited = once(child, 'exit');
    process.kill(child.pid!, 'SIGTERM');
    const [code] = (await closed) as [number];
    expect(code).toBe(1001);
    const [exitCode] = (await exited) as [number];
    expect(exitCode).toBe(0);
  }, 60_000);
});
