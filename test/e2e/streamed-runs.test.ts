import { afterEach, describe, expect, it } from 'vitest';
import { createWsClient, subscribeWs } from '../helpers/live-clients.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { call } from '../helpers/runs-api.js';
import { waitUntil } from '../helpers/wait.js';
import { createAssistant, createThread } from '../helpers/fixtures.js';

/** Runs started through the gateway are created with `stream: true` and followed on their event stream. */

const CREATE_RUN = /* GraphQL */ `mutation ($input: CreateRunInput!) { createRun(input: $input) { run { runId threadId status } } }`;
const DELTAS = /* GraphQL */ `subscription ($t: ID!, $r: ID!) { runMessageDeltas(threadId: $t, runId: $r) { messageId index text } }`;
const RUN_UPDATED = /* GraphQL */ `subscription ($t: ID!, $r: ID!) { runUpdated(threadId: $t, runId: $r) { status } }`;

type Delta = { runMessageDeltas: { messageId: string; index: number; text: string } };

async function finalTexts(stack: Stack, threadId: string, runId: string): Promise<Map<string, string>> {
  const messages = (await call(stack.api, 'GET', `/threads/${threadId}/messages?run_id=${runId}&order=asc`)).body.data as Array<{ id: string; role: string; content: Array<{ type: string; text?: { value: string } }> }>;
  const texts = new Map<string, string>();
  for (const message of messages) {
    if (message.role !== 'assistant') continue;
    message.content.forEach((part, index) => part.type === 'text' && texts.set(`${message.id}:${index}`, part.text!.value));
  }
  return texts;
}

function joined(results: Array<{ data?: Delta | null }>): Map<string, string> {
  const texts = new Map<string, string>();
  for (const result of results) {
    const delta = result.data!.runMessageDeltas;
    const key = `${delta.messageId}:${delta.index}`;
    texts.set(key, (texts.get(key) ?? '') + delta.text);
  }
  return texts;
}

describe('runs started through the gateway', () => {
  const cleanup: Array<() => Promise<unknown> | unknown> = [];
  afterEach(async () => {
    while (cleanup.length > 0) await cleanup.pop()!();
  });

  async function startRun(stack: Stack, message: string) {
    const assistant = await createAssistant(stack.api);
    const thread = await createThread(stack.api, { messages: [{ role: 'user', content: message }] });
    const created = await stack.query<{ createRun: { run: { runId: string; threadId: string; status: string } } }>(CREATE_RUN, { input: { threadId: thread.id, assistantId: assistant.id } });
    expect(created.errors).toBeUndefined();
    return created.data!.createRun.run;
  }

  it('streams the reply text: the deltas concatenate to the final message, and no run GET is made while the stream lives', async () => {
    const stack = await startStack({ runsApi: { stepMs: 150 } });
    cleanup.push(() => stack.close());
    const run = await startRun(stack, 'Tell me about streams');
    expect(run.status).toBe('QUEUED');
    const client = createWsClient(stack.gateway.wsUrl);
    cleanup.push(() => client.dispose());
    const deltas = subscribeWs<Delta>(client, DELTAS, { t: run.threadId, r: run.runId });
    const updates = subscribeWs<{ runUpdated: { status: string } }>(client, RUN_UPDATED, { t: run.threadId, r: run.runId });
    await Promise.all([deltas.done, updates.done]);

    expect(deltas.results.every((result) => result.errors === undefined)).toBe(true);
    expect(deltas.results.length).toBeGreaterThan(1);
    const expected = await finalTexts(stack, run.threadId, run.runId);
    expect(expected.size).toBeGreaterThan(0);
    expect(joined(deltas.results)).toEqual(expected);
    expect(updates.results.map((result) => result.data?.runUpdated.status).at(-1)).toBe('COMPLETED');
    const runGets = stack.api.requestLog.filter((entry) => entry.method === 'GET' && entry.path === `/v1/threads/${run.threadId}/runs/${run.runId}`);
    expect(runGets).toHaveLength(0);
  });

  it('a subscriber joining mid-reply starts from the text streamed so far', async () => {
    const stack = await startStack({ runsApi: { stepMs: 150 } });
    cleanup.push(() => stack.close());
    const run = await startRun(stack, 'Late joiner');
    const key = `${run.threadId}/${run.runId}`;
    await waitUntil(() => stack.gateway.services.live.streamedText(key).length > 0);
    const client = createWsClient(stack.gateway.wsUrl);
    cleanup.push(() => client.dispose());
    const deltas = subscribeWs<Delta>(client, DELTAS, { t: run.threadId, r: run.runId });
    await deltas.done;
    expect(joined(deltas.results)).toEqual(await finalTexts(stack, run.threadId, run.runId));
  });

  it('falls back to polling when the stream stalls: the terminal state and the whole text still arrive', async () => {
    // A stream silent for 40 ms is abandoned; the embedded API is silent for 300 ms between phases.
    const stack = await startStack({ runsApi: { stepMs: 300 }, env: { LIVE_STREAM_IDLE_TIMEOUT_MS: '40', LIVE_POLL_INTERVAL_MS: '100' } });
    cleanup.push(() => stack.close());
    const run = await startRun(stack, 'Fragile stream');
    const client = createWsClient(stack.gateway.wsUrl);
    cleanup.push(() => client.dispose());
    const deltas = subscribeWs<Delta>(client, DELTAS, { t: run.threadId, r: run.runId });
    const updates = subscribeWs<{ runUpdated: { status: string } }>(client, RUN_UPDATED, { t: run.threadId, r: run.runId });
    await Promise.all([deltas.done, updates.done]);
    expect(updates.results.map((result) => result.data?.runUpdated.status).at(-1)).toBe('COMPLETED');
    expect(joined(deltas.results)).toEqual(await finalTexts(stack, run.threadId, run.runId));
    const runGets = stack.api.requestLog.filter((entry) => entry.method === 'GET' && entry.path === `/v1/threads/${run.threadId}/runs/${run.runId}`);
    expect(runGets.length).toBeGreaterThan(0);
    expect(stack.gateway.services.live.streams).toBe(0);
  });

  it('gives a run created outside the gateway its whole text when it ends', async () => {
    const stack = await startStack({ runsApi: { stepMs: 50 } });
    cleanup.push(() => stack.close());
    const assistant = await createAssistant(stack.api);
    const thread = await createThread(stack.api, { messages: [{ role: 'user', content: 'Outside' }] });
    const run = (await call(stack.api, 'POST', `/threads/${thread.id}/runs`, { body: { assistant_id: assistant.id } })).body;
    const client = createWsClient(stack.gateway.wsUrl);
    cleanup.push(() => client.dispose());
    const deltas = subscribeWs<Delta>(client, DELTAS, { t: thread.id, r: run.id });
    await deltas.done;
    expect(joined(deltas.results)).toEqual(await finalTexts(stack, thread.id, run.id));
  });
});
