import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createWsClient, subscribeWs } from '../helpers/live-clients.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { nextTurn, waitUntil } from '../helpers/wait.js';
import { createAssistant, createRun, createThread } from '../helpers/fixtures.js';

const PROTOCOL = 'graphql-transport-ws';

/** A raw WebSocket speaking the protocol by hand, to see close codes a client library would hide. */
async function rawSocket(stack: Stack): Promise<{ socket: WebSocket; closed: Promise<{ code: number; reason: string }>; messages: unknown[] }> {
  const socket = new WebSocket(stack.gateway.wsUrl, PROTOCOL);
  const messages: unknown[] = [];
  socket.on('message', (data) => messages.push(JSON.parse(String(data))));
  const closed = once(socket, 'close').then(([code, reason]) => ({ code: code as number, reason: String(reason) }));
  await once(socket, 'open');
  return { socket, closed, messages };
}

describe('WebSocket limits', () => {
  const cleanup: Array<() => Promise<unknown> | unknown> = [];
  afterEach(async () => {
    while (cleanup.length > 0) await cleanup.pop()!();
  });

  it('closes a connection that never sends connection_init (4408)', async () => {
    const stack = await startStack({ env: { WS_CONNECTION_INIT_TIMEOUT_MS: '200' } });
    cleanup.push(() => stack.close());
    const { closed } = await rawSocket(stack);
    expect((await closed).code).toBe(4408);
  });

  it('closes on a message over the size limit (1009) and stays up for others', async () => {
    const stack = await startStack({ env: { WS_MAX_MESSAGE_BYTES: '1024' } });
    cleanup.push(() => stack.close());
    const { socket, closed } = await rawSocket(stack);
    socket.send(JSON.stringify({ type: 'connection_init', payload: { padding: 'x'.repeat(2048) } }));
    expect((await closed).code).toBe(1009);
    const { socket: next, messages } = await rawSocket(stack);
    next.send(JSON.stringify({ type: 'connection_init' }));
    await waitUntil(() => messages.length > 0);
    expect(messages[0]).toEqual({ type: 'connection_ack' });
    next.close();
  });

  it('refuses operations past the per-connection cap, for the new one only', async () => {
    const stack = await startStack({ runsApi: { stepMs: 100 }, env: { WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: '3' } });
    cleanup.push(() => stack.close());
    const assistant = await createAssistant(stack.api, { tools: [{ type: 'function', function: { name: 'wait' } }] });
    const thread = await createThread(stack.api);
    const run = await createRun(stack.api, thread.id, { assistant_id: assistant.id });
    const client = createWsClient(stack.gateway.wsUrl);
    cleanup.push(() => client.dispose());
    const query = 'subscription ($t: ID!, $r: ID!) { runUpdated(threadId: $t, runId: $r) { status } }';
    const open = Array.from({ length: 3 }, () => subscribeWs(client, query, { t: thread.id, r: run.id }));
    await waitUntil(() => open.every((subscription) => subscription.results.length > 0));
    const refused = subscribeWs(client, query, { t: thread.id, r: run.id });
    await refused.done;
    expect(refused.results[0]?.errors?.[0]?.extensions?.['code']).toBe('RATE_LIMITED');
    // The others are untouched, and a slot freed by one of them can be used again.
    open[0]!.stop();
    // Freed once the server has ended it (the gauge drops as its stream returns; the slot right after).
    await waitUntil(async () => (await stack.gateway.metrics.activeSubscriptions.get()).values[0]?.value === 2);
    await nextTurn();
    const again = subscribeWs(client, query, { t: thread.id, r: run.id });
    await waitUntil(() => again.results.length > 0);
    expect(again.results[0]?.data).toEqual({ runUpdated: { status: expect.any(String) } });
    expect(open[1]!.results.every((result) => result.errors === undefined)).toBe(true);
  });

  it('answers a syntax error or an invalid subscription with an error for that id; the socket stays open', async () => {
    const stack = await startStack();
    cleanup.push(() => stack.close());
    const client = createWsClient(stack.gateway.wsUrl);
    cleanup.push(() => client.dispose());
    const broken = subscribeWs(client, 'subscription { runUpdated(');
    await broken.done;
    expect(broken.results[0]?.errors?.[0]?.message).toMatch(/Syntax Error/);
    const invalid = subscribeWs(client, 'subscription { runUpdated(runId: "run_x") { nope } }');
    await invalid.done;
    expect(invalid.results[0]?.errors?.[0]?.message).toMatch(/Cannot query field "nope"/);
    const query = subscribeWs(client, '{ __typename }');
    await query.done;
    expect(query.results[0]?.data).toEqual({ __typename: 'Query' });
  });

  it('lists the thread\'s live runs and then each new run and change (threadRunsUpdated)', async () => {
    const stack = await startStack({ runsApi: { stepMs: 100 }, env: { LIVE_THREAD_POLL_INTERVAL_MS: '50' } });
    cleanup.push(() => stack.close());
    const assistant = await createAssistant(stack.api);
    const thread = await createThread(stack.api);
    const client = createWsClient(stack.gateway.wsUrl);
    cleanup.push(() => client.dispose());
    const subscription = subscribeWs<{ threadRunsUpdated: { runId: string; status: string } }>(
      client,
      'subscription ($t: ID!) { threadRunsUpdated(threadId: $t) { runId status } }',
      { t: thread.id },
    );
    await waitUntil(() => stack.gateway.services.live.threads.size === 1);
    const run = await createRun(stack.api, thread.id, { assistant_id: assistant.id });
    await waitUntil(() => subscription.results.some((result) => result.data?.threadRunsUpdated.status === 'COMPLETED'));
    const seen = subscription.results.map((result) => `${result.data?.threadRunsUpdated.runId}:${result.data?.threadRunsUpdated.status}`);
    expect(seen[0]).toMatch(new RegExp(`^${run.id}:(QUEUED|IN_PROGRESS)$`));
    expect(seen.at(-1)).toBe(`${run.id}:COMPLETED`);
    subscription.stop();
    await waitUntil(() => stack.gateway.services.live.threads.size === 0);
    expect(stack.gateway.services.live.threads.size).toBe(0);
  });
});

