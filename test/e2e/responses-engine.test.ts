import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResponsesApi } from '../../src/responses-api/index.js';
import { createWsClient, subscribeWs } from '../helpers/live-clients.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { waitUntil } from '../helpers/wait.js';
import { createAssistant, createThread } from '../helpers/fixtures.js';
import type { Client } from 'graphql-ws';

/**
 * The whole gateway on RUNS_ENGINE=responses: GraphQL → runs API (responses engine) → the embedded Responses API,
 * with what each operation cost on the Responses wire counted from that API's request log.
 */
const RUN_UPDATED = /* GraphQL */ `subscription ($t: ID!, $r: ID!) { runUpdated(threadId: $t, runId: $r) { status requiredAction { submitToolOutputs { toolCalls { id function { name } } } } } }`;
const DELTAS = /* GraphQL */ `subscription ($t: ID!, $r: ID!) { runMessageDeltas(threadId: $t, runId: $r) { messageId index text } }`;
const CREATE_RUN = /* GraphQL */ `mutation ($input: CreateRunInput!) { createRun(input: $input) { run { runId threadId status } } }`;
const RUN = /* GraphQL */ `query ($t: ID!, $r: ID!) {
  run(threadId: $t, runId: $r) {
    status usage { totalTokens }
    messages(first: 10) { edges { node { role content { ... on MessageContentText { text { value } } } } } }
    steps(first: 10) { edges { node { type status } } }
  }
}`;

type RunEvent = { runUpdated: { status: string; requiredAction: { submitToolOutputs: { toolCalls: Array<{ id: string; function: { name: string } }> } } | null } };
const statusesOf = (results: Array<{ data?: RunEvent | null }>) => results.map((result) => result.data?.runUpdated.status).filter((status, index, all) => status !== all[index - 1]);

describe('the gateway on the Responses engine', () => {
  let stack: Stack;
  let responses: ResponsesApi;
  let client: Client;
  /** Calls the Responses API received since `mark`, by `METHOD route`. */
  const callsSince = (mark: number): Record<string, number> => {
    const counts: Record<string, number> = {};
    for (const entry of responses.requestLog.slice(mark)) counts[`${entry.method} ${entry.route}`] = (counts[`${entry.method} ${entry.route}`] ?? 0) + 1;
    return counts;
  };

  beforeAll(async () => {
    stack = await startStack({ runsApi: { engine: 'responses', stepMs: 100 } });
    responses = stack.api.responsesApi!;
    client = createWsClient(stack.gateway.wsUrl);
  });
  afterAll(async () => {
    await client?.dispose();
    await stack?.close();
  });

  it('createRun, runUpdated to COMPLETED, then the run, its messages and steps: one response, no conversation rewrite', async () => {
    const assistant = await createAssistant(stack.api, { model: 'gpt-4o', instructions: 'Be brief.' });
    const thread = await createThread(stack.api, { messages: [{ role: 'user', content: 'Hello over Responses' }] });
    const mark = responses.requestLog.length;
    const created = await stack.query<any>(CREATE_RUN, { input: { threadId: thread.id, assistantId: assistant.id } });
    expect(created.errors).toBeUndefined();
    const { runId } = created.data.createRun.run;
    const updates = subscribeWs<RunEvent>(client, RUN_UPDATED, { t: thread.id, r: runId });
    await updates.done;
    expect(statusesOf(updates.results).at(-1)).toBe('COMPLETED');

    const read = await stack.query<any>(RUN, { t: thread.id, r: runId });
    expect(read.errors, JSON.stringify(read.errors)).toBeUndefined();
    expect(read.data.run.status).toBe('COMPLETED');
    expect(read.data.run.usage.totalTokens).toBeGreaterThan(0);
    const messages = read.data.run.messages.edges.map((edge: any) => edge.node);
    expect(messages.map((message: any) => message.role)).toEqual(['ASSISTANT']);
    expect(messages[0].content[0].text.value).toContain('Hello over Responses');
    expect(read.data.run.steps.edges.map((edge: any) => edge.node)).toEqual([{ type: 'MESSAGE_CREATION', status: 'COMPLETED' }]);

    const cost = callsSince(mark);
    // One response for the whole run; the stream the runs API follows it on is that same request.
    expect(cost['POST /responses']).toBe(1);
    expect(cost['POST /conversations']).toBeUndefined();
    expect(cost['POST /conversations/{conversation_id}/items'] ?? 0).toBe(0);
  });

  it('runMessageDeltas: the deltas concatenate to the final text', async () => {
    const assistant = await createAssistant(stack.api, { model: 'gpt-4o' });
    const thread = await createThread(stack.api, { messages: [{ role: 'user', content: 'Stream this reply piece by piece please' }] });
    const created = await stack.query<any>(CREATE_RUN, { input: { threadId: thread.id, assistantId: assistant.id } });
    const { runId } = created.data.createRun.run;
    const deltas = subscribeWs<{ runMessageDeltas: { text: string } }>(client, DELTAS, { t: thread.id, r: runId });
    await deltas.done;
    const text = deltas.results.map((result) => result.data!.runMessageDeltas.text).join('');
    const read = await stack.query<any>(RUN, { t: thread.id, r: runId });
    expect(deltas.results.length).toBeGreaterThan(1);
    expect(text).toBe(read.data.run.messages.edges[0].node.content[0].text.value);
  });

  it('the tool loop: REQUIRES_ACTION, submitToolOutputs, COMPLETED; one response per link of the chain', async () => {
    const assistant = await createAssistant(stack.api, { model: 'gpt-4o', tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: {} } } }] });
    const thread = await createThread(stack.api, { messages: [{ role: 'user', content: 'Weather in Paris?' }] });
    const mark = responses.requestLog.length;
    const created = await stack.query<any>(CREATE_RUN, { input: { threadId: thread.id, assistantId: assistant.id } });
    const { runId } = created.data.createRun.run;
    const updates = subscribeWs<RunEvent>(client, RUN_UPDATED, { t: thread.id, r: runId });
    await waitUntil(() => updates.results.some((result) => result.data?.runUpdated.status === 'REQUIRES_ACTION'), 5_000);
    const waiting = updates.results.find((result) => result.data?.runUpdated.status === 'REQUIRES_ACTION')!.data!.runUpdated;
    const call = waiting.requiredAction!.submitToolOutputs.toolCalls[0]!;
    expect(call.function.name).toBe('get_weather');

    const submitted = await stack.query<any>(`mutation ($input: SubmitToolOutputsInput!) { submitToolOutputs(input: $input) { run { status } } }`, {
      input: { threadId: thread.id, runId, toolOutputs: [{ toolCallId: call.id, output: '{"celsius": 21}' }] },
    });
    expect(submitted.errors).toBeUndefined();
    await updates.done;
    expect(statusesOf(updates.results)).toContain('REQUIRES_ACTION');
    expect(statusesOf(updates.results).at(-1)).toBe('COMPLETED');

    const read = await stack.query<any>(RUN, { t: thread.id, r: runId });
    expect(read.data.run.steps.edges.map((edge: any) => edge.node.type)).toEqual(['MESSAGE_CREATION', 'TOOL_CALLS']); // newest first, as the runs API lists them
    expect(read.data.run.messages.edges[0].node.content[0].text.value).toContain('21');
    // The run is a chain of two responses: the first ends with the call, the second carries its one output.
    expect(callsSince(mark)['POST /responses']).toBe(2);
    // A second submission is refused by the runs rules, before anything reaches the Responses API.
    const before = responses.requestLog.length;
    const again = await stack.query<any>(`mutation ($input: SubmitToolOutputsInput!) { submitToolOutputs(input: $input) { run { status } } }`, {
      input: { threadId: thread.id, runId, toolOutputs: [{ toolCallId: call.id, output: '{}' }] },
    });
    expect(again.errors?.[0]?.extensions?.['code']).toBe('CONFLICT'); // as on the simulated engine: the run no longer waits
    expect(callsSince(before)['POST /responses'] ?? 0).toBe(0);
  });

  it('cancelRun: CANCELLING until the head response reports cancelled, then CANCELLED', async () => {
    const assistant = await createAssistant(stack.api, { model: 'gpt-4o' });
    const thread = await createThread(stack.api);
    const created = await stack.query<any>(CREATE_RUN, { input: { threadId: thread.id, assistantId: assistant.id } });
    const { runId } = created.data.createRun.run;
    const updates = subscribeWs<RunEvent>(client, RUN_UPDATED, { t: thread.id, r: runId });
    await waitUntil(() => updates.results.length > 0);
    const mark = responses.requestLog.length;
    const cancelled = await stack.query<any>(`mutation ($input: CancelRunInput!) { cancelRun(input: $input) { run { status } } }`, { input: { threadId: thread.id, runId } });
    expect(cancelled.errors).toBeUndefined();
    expect(['CANCELLING', 'CANCELLED']).toContain(cancelled.data.cancelRun.run.status);
    await updates.done;
    expect(statusesOf(updates.results).at(-1)).toBe('CANCELLED');
    expect(callsSince(mark)['POST /responses/{response_id}/cancel']).toBe(1);
  });
});
