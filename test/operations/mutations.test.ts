import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type GraphQLResponse, type Stack } from '../helpers/stack.js';
import { callsSince, createAssistant, globalId } from '../helpers/fixtures.js';
import { waitUntil } from '../helpers/wait.js';

/** Every mutation end to end against the embedded runs API over HTTP, counting what reached the upstream. */

const RUN_FIELDS = /* GraphQL */ `
  id runId threadId status metadata
  requiredAction { submitToolOutputs { toolCalls { id function { name arguments } } } }
`;

const CREATE_THREAD = /* GraphQL */ `
  mutation($input: CreateThreadInput!) { createThread(input: $input) { clientMutationId replayed thread { id threadId metadata } } }
`;
const CREATE_RUN = /* GraphQL */ `
  mutation($input: CreateRunInput!) { createRun(input: $input) { clientMutationId replayed run { ${RUN_FIELDS} } thread { threadId } } }
`;
const SUBMIT = /* GraphQL */ `
  mutation($input: SubmitToolOutputsInput!) { submitToolOutputs(input: $input) { replayed run { ${RUN_FIELDS} } } }
`;
const CANCEL = /* GraphQL */ `
  mutation($input: CancelRunInput!) { cancelRun(input: $input) { run { runId status } } }
`;
const CREATE_MESSAGE = /* GraphQL */ `
  mutation($input: CreateMessageInput!) { createMessage(input: $input) { message { id messageId role metadata content { __typename ... on MessageContentText { text { value } } } } thread { threadId } } }
`;
const RUN = /* GraphQL */ `
  query($t: ID!, $r: ID!) { run(threadId: $t, runId: $r) { ${RUN_FIELDS} } }
`;

const WEATHER_TOOL = {
  function: {
    name: 'get_weather',
    description: 'Current weather of a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

function ok<T>(result: GraphQLResponse<T>): T {
  if (result.errors) throw new Error(`unexpected errors: ${JSON.stringify(result.errors)}`);
  return result.data as T;
}

/** The single error of a result, asserting nothing else came back. */
function onlyError(result: GraphQLResponse): NonNullable<GraphQLResponse['errors']>[number] {
  expect(result.errors).toHaveLength(1);
  return result.errors![0]!;
}

const writes = (calls: Record<string, number>) => Object.entries(calls).filter(([key]) => key.startsWith('POST') || key.startsWith('DELETE')).reduce((sum, [, count]) => sum + count, 0);

describe('mutations', () => {
  let stack: Stack;
  let assistantId: string;

  beforeAll(async () => {
    stack = await startStack({ runsApi: { stepMs: 10 } });
    assistantId = (await createAssistant(stack.api, { name: 'Writer' })).id;
  });
  afterAll(() => stack?.close());

  async function newThread(metadata?: Record<string, string>): Promise<string> {
    const data = ok(await stack.query<any>(CREATE_THREAD, { input: { messages: [{ role: 'USER', content: [{ text: 'What is the weather in Paris?' }] }], ...(metadata ? { metadata } : {}) } }));
    return data.createThread.thread.threadId;
  }

  async function waitFor(threadId: string, runId: string, statuses: string[]): Promise<any> {
    let run: any;
    await waitUntil(async () => statuses.includes((run = ok(await stack.query<any>(RUN, { t: threadId, r: runId })).run).status)).catch(() => {
      throw new Error(`run ${runId} stuck in ${run?.status}`);
    });
    return run;
  }

  describe('end to end', () => {
    it('the tool-call loop: createRun with a function tool → REQUIRES_ACTION → submitToolOutputs → COMPLETED', async () => {
      const threadId = await newThread();
      const mark = stack.api.requestLog.length;
      const created = ok(
        await stack.query<any>(CREATE_RUN, {
          input: { clientMutationId: 'c1', threadId: globalId('Thread', threadId), assistantId, tools: [WEATHER_TOOL], metadata: { purpose: 'test' }, temperature: 0.2 },
        }),
      ).createRun;
      expect(created).toMatchObject({ clientMutationId: 'c1', replayed: false, run: { threadId, metadata: { purpose: 'test' } }, thread: { threadId } });
      expect(callsSince(stack.api, mark)).toMatchObject({ 'POST /threads/{thread_id}/runs': 1 });

      const waiting = await waitFor(threadId, created.run.runId, ['REQUIRES_ACTION']);
      const calls = waiting.requiredAction.submitToolOutputs.toolCalls;
      expect(calls).toHaveLength(1);
      expect(calls[0].function.name).toBe('get_weather');

      // The run's global id carries its thread: no threadId needed.
      const submitted = ok(await stack.query<any>(SUBMIT, { input: { runId: created.run.id, toolOutputs: [{ toolCallId: calls[0].id, output: '{"temperature_c": 18}' }] } })).submitToolOutputs;
      expect(submitted.run.runId).toBe(created.run.runId);
      expect(submitted.run.status).not.toBe('REQUIRES_ACTION');

      const done = await waitFor(threadId, created.run.runId, ['COMPLETED', 'FAILED', 'INCOMPLETE', 'EXPIRED', 'CANCELLED']);
      expect(done.status).toBe('COMPLETED');
      const messages = ok(await stack.query<any>(`query($t: ID!, $r: ID!) { run(threadId: $t, runId: $r) { messages(first: 5) { edges { node { role } } } } }`, { t: threadId, r: created.run.runId }));
      expect(messages.run.messages.edges.map((edge: any) => edge.node.role)).toContain('ASSISTANT');
    });

    it('createThreadAndRun → COMPLETED, with the new thread in the payload', async () => {
      const result = ok(
        await stack.query<any>(
          /* GraphQL */ `
            mutation($input: CreateThreadAndRunInput!) {
              createThreadAndRun(input: $input) { run { runId threadId status } thread { threadId metadata messages(first: 5) { edges { node { role } } } } }
            }
          `,
          { input: { assistantId: globalId('Assistant', assistantId), thread: { messages: [{ role: 'USER', content: [{ text: 'Hi' }] }], metadata: { from: 'test' } }, instructions: 'Be brief.', toolChoice: { mode: 'NONE' }, responseFormat: { auto: true } } },
        ),
      ).createThreadAndRun;
      expect(result.thread).toMatchObject({ threadId: result.run.threadId, metadata: { from: 'test' } });
      // The thread's own message (the assistant's reply may already be there too: the run moves on meanwhile).
      expect(result.thread.messages.edges.filter((edge: any) => edge.node.role === 'USER')).toHaveLength(1);
      const done = await waitFor(result.run.threadId, result.run.runId, ['COMPLETED', 'FAILED', 'INCOMPLETE', 'EXPIRED', 'CANCELLED']);
      expect(done.status).toBe('COMPLETED');
    });

    it('createRun sends every field of the request as the spec names it', async () => {
      const threadId = await newThread();
      const input = {
        threadId,
        assistantId,
        model: 'gpt-4o-mini',
        reasoningEffort: 'LOW',
        instructions: 'Answer in French.',
        additionalInstructions: 'Keep it short.',
        additionalMessages: [{ role: 'USER', content: [{ text: 'And tomorrow?' }], metadata: { n: '2' } }],
        tools: [{ codeInterpreter: true }, { fileSearch: { maxNumResults: 5, rankingOptions: { ranker: 'AUTO', scoreThreshold: 0.5 } } }, WEATHER_TOOL],
        metadata: { a: '1' },
        temperature: 1.5,
        topP: 0.5,
        maxPromptTokens: 1000,
        maxCompletionTokens: 300,
        truncationStrategy: { type: 'LAST_MESSAGES', lastMessages: 5 },
        toolChoice: { function: { name: 'get_weather' } },
        parallelToolCalls: false,
        responseFormat: { jsonSchema: { name: 'weather', schema: { type: 'object' }, strict: true } },
        include: ['STEP_DETAILS_TOOL_CALLS_FILE_SEARCH_RESULTS_CONTENT'],
      };
      const result = ok(
        await stack.query<any>(
          /* GraphQL */ `
            mutation($input: CreateRunInput!) {
              createRun(input: $input) {
                run {
                  model instructions temperature topP maxPromptTokens maxCompletionTokens parallelToolCalls metadata
                  truncationStrategy { type lastMessages }
                  toolChoice { __typename ... on NamedToolChoice { type function { name } } }
                  responseFormat { __typename }
                  tools { __typename }
                }
              }
            }
          `,
          { input },
        ),
      ).createRun.run;
      expect(result).toMatchObject({
        model: 'gpt-4o-mini',
        instructions: 'Answer in French.\n\nKeep it short.',
        temperature: 1.5,
        topP: 0.5,
        maxPromptTokens: 1000,
        maxCompletionTokens: 300,
        parallelToolCalls: false,
        metadata: { a: '1' },
        truncationStrategy: { type: 'LAST_MESSAGES', lastMessages: 5 },
        toolChoice: { __typename: 'NamedToolChoice', type: 'FUNCTION', function: { name: 'get_weather' } },
        tools: [{ __typename: 'CodeInterpreterTool' }, { __typename: 'FileSearchTool' }, { __typename: 'FunctionTool' }],
      });
      expect(stack.api.requestLog.at(-1)).toMatchObject({ method: 'POST', route: '/threads/{thread_id}/runs' });
      await waitFor(threadId, (await lastRunId(threadId)), ['REQUIRES_ACTION', 'COMPLETED', 'FAILED', 'INCOMPLETE']);
      await cancel(threadId);
    });

    async function lastRunId(threadId: string): Promise<string> {
      const data = ok(await stack.query<any>(`query($t: ID!) { thread(id: $t) { runs(first: 1) { edges { node { runId } } } } }`, { t: threadId }));
      return data.thread.runs.edges[0].node.runId;
    }

    async function cancel(threadId: string): Promise<void> {
      const runId = await lastRunId(threadId);
      await stack.query(CANCEL, { input: { threadId, runId } });
      await waitFor(threadId, runId, ['CANCELLED', 'COMPLETED', 'FAILED', 'INCOMPLETE', 'EXPIRED']);
    }

    it('threads and messages: create, modify, delete, with global or upstream ids', async () => {
      const threadId = await newThread({ owner: 'me' });
      const message = ok(
        await stack.query<any>(CREATE_MESSAGE, {
          input: { threadId, role: 'USER', content: [{ text: 'One more thing' }, { imageUrl: { url: 'https://example.com/cat.png', detail: 'LOW' } }], metadata: { k: 'v' } },
        }),
      ).createMessage;
      expect(message.message).toMatchObject({ role: 'USER', metadata: { k: 'v' }, content: [{ __typename: 'MessageContentText', text: { value: 'One more thing' } }, { __typename: 'MessageContentImageUrl' }] });
      expect(message.thread.threadId).toBe(threadId);

      const modified = ok(
        await stack.query<any>(`mutation($input: ModifyMessageInput!) { modifyMessage(input: $input) { message { messageId metadata } } }`, { input: { messageId: message.message.id, metadata: { k: 'w' } } }),
      ).modifyMessage;
      expect(modified.message).toEqual({ messageId: message.message.messageId, metadata: { k: 'w' } });

      const thread = ok(
        await stack.query<any>(`mutation($input: ModifyThreadInput!) { modifyThread(input: $input) { thread { threadId metadata toolResources { codeInterpreter { fileIds } } } } }`, {
          input: { threadId: globalId('Thread', threadId), metadata: { owner: 'you' }, toolResources: { codeInterpreter: { fileIds: ['file_1'] } } },
        }),
      ).modifyThread.thread;
      expect(thread).toEqual({ threadId, metadata: { owner: 'you' }, toolResources: { codeInterpreter: { fileIds: ['file_1'] } } });

      const deletedMessage = ok(
        await stack.query<any>(`mutation($input: DeleteMessageInput!) { deleteMessage(input: $input) { deletedId messageId thread { threadId messages(first: 10) { edges { node { messageId } } } } } }`, {
          input: { threadId, messageId: message.message.messageId },
        }),
      ).deleteMessage;
      expect(deletedMessage.deletedId).toBe(message.message.id);
      expect(deletedMessage.thread.messages.edges.map((edge: any) => edge.node.messageId)).not.toContain(message.message.messageId);

      const deleted = ok(
        await stack.query<any>(`mutation($input: DeleteThreadInput!) { deleteThread(input: $input) { deletedId threadId clientMutationId } }`, { input: { threadId, clientMutationId: 'bye' } }),
      ).deleteThread;
      expect(deleted).toEqual({ deletedId: globalId('Thread', threadId), threadId, clientMutationId: 'bye' });
      expect(ok(await stack.query<any>(`query($t: ID!) { thread(id: $t) { id } }`, { t: threadId })).thread).toBeNull();
    });

    it('modifyRun and cancelRun', async () => {
      const threadId = await newThread();
      const run = ok(await stack.query<any>(CREATE_RUN, { input: { threadId, assistantId, tools: [WEATHER_TOOL] } })).createRun.run;
      await waitFor(threadId, run.runId, ['REQUIRES_ACTION']);
      const modified = ok(await stack.query<any>(`mutation($input: ModifyRunInput!) { modifyRun(input: $input) { run { runId metadata } } }`, { input: { runId: run.id, metadata: { reviewed: 'yes' } } })).modifyRun;
      expect(modified.run).toEqual({ runId: run.runId, metadata: { reviewed: 'yes' } });
      const cancelled = ok(await stack.query<any>(CANCEL, { input: { threadId, runId: run.runId } })).cancelRun;
      expect(['CANCELLING', 'CANCELLED']).toContain(cancelled.run.status);
      expect((await waitFor(threadId, run.runId, ['CANCELLED'])).status).toBe('CANCELLED');
    });
  });

  describe('after a write, the same request reads the new state', () => {
    it('the payload run comes from the write (no GET), and the thread lists the new run and message', async () => {
      const threadId = await newThread();
      const mark = stack.api.requestLog.length;
      const result = ok(
        await stack.query<any>(
          /* GraphQL */ `
            mutation($input: CreateRunInput!) {
              createRun(input: $input) {
                run { runId status }
                thread { runs(first: 5) { edges { node { runId } } } messages(first: 5) { edges { node { content { ... on MessageContentText { text { value } } } } } } }
              }
            }
          `,
          { input: { threadId, assistantId, additionalMessages: [{ role: 'USER', content: [{ text: 'extra' }] }] } },
        ),
      ).createRun;
      expect(result.thread.runs.edges.map((edge: any) => edge.node.runId)).toContain(result.run.runId);
      expect(JSON.stringify(result.thread.messages)).toContain('extra');
      expect(callsSince(stack.api, mark)['GET /threads/{thread_id}/runs/{run_id}']).toBeUndefined();
      await waitFor(threadId, result.run.runId, ['COMPLETED', 'FAILED', 'INCOMPLETE']);
    });
  });

  describe('validation: BAD_USER_INPUT naming the field, and nothing sent upstream', () => {
    let threadId: string;
    beforeAll(async () => {
      threadId = await newThread();
    });

    const metadata = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, index) => [`k${index}`, 'v']));
    const run = (extra: Record<string, unknown>) => ({ mutation: CREATE_RUN, input: { threadId, assistantId, ...extra } });

    const cases: Array<[string, () => { mutation: string; input: Record<string, unknown> }, string]> = [
      ['17 metadata pairs', () => run({ metadata: metadata(17) }), 'input.metadata'],
      ['a metadata key of 65 characters', () => run({ metadata: { ['k'.repeat(65)]: 'v' } }), `input.metadata.${'k'.repeat(65)}`],
      ['a metadata value of 513 characters', () => run({ metadata: { note: 'v'.repeat(513) } }), 'input.metadata.note'],
      ['a metadata value that is not a string', () => run({ metadata: { n: 1 } }), 'input.metadata.n'],
      ['temperature 2.5', () => run({ temperature: 2.5 }), 'input.temperature'],
      ['temperature -0.5', () => run({ temperature: -0.5 }), 'input.temperature'],
      ['topP 1.5', () => run({ topP: 1.5 }), 'input.topP'],
      ['topP -0.1', () => run({ topP: -0.1 }), 'input.topP'],
      ['maxPromptTokens 255', () => run({ maxPromptTokens: 255 }), 'input.maxPromptTokens'],
      ['maxCompletionTokens 100', () => run({ maxCompletionTokens: 100 }), 'input.maxCompletionTokens'],
      ['21 tools', () => run({ tools: Array.from({ length: 21 }, () => ({ codeInterpreter: true })) }), 'input.tools'],
      ['a function name with spaces', () => run({ tools: [{ function: { name: 'get weather' } }] }), 'input.tools[0].function.name'],
      ['file search with 51 results', () => run({ tools: [{ fileSearch: { maxNumResults: 51 } }] }), 'input.tools[0].fileSearch.maxNumResults'],
      ['a score threshold of 2', () => run({ tools: [{ fileSearch: { rankingOptions: { scoreThreshold: 2 } } }] }), 'input.tools[0].fileSearch.rankingOptions.scoreThreshold'],
      ['codeInterpreter: false', () => run({ tools: [{ codeInterpreter: false }] }), 'input.tools[0].codeInterpreter'],
      ['last-messages truncation without a count', () => run({ truncationStrategy: { type: 'LAST_MESSAGES' } }), 'input.truncationStrategy.lastMessages'],
      ['last-messages truncation of 0', () => run({ truncationStrategy: { type: 'LAST_MESSAGES', lastMessages: 0 } }), 'input.truncationStrategy.lastMessages'],
      ['a JSON schema name with a dot', () => run({ responseFormat: { jsonSchema: { name: 'a.b' } } }), 'input.responseFormat.jsonSchema.name'],
      ['an additional message without content', () => run({ additionalMessages: [{ role: 'USER', content: [] }] }), 'input.additionalMessages[0].content'],
      ['an image URL that is not a URL', () => run({ additionalMessages: [{ role: 'USER', content: [{ imageUrl: { url: 'cat.png' } }] }] }), 'input.additionalMessages[0].content[0].imageUrl.url'],
      ['an idempotency key with a space', () => run({ idempotencyKey: 'a b' }), 'input.idempotencyKey'],
      ['a thread id that is no id', () => run({ threadId: 'thread x' }), 'input.threadId'],
      ['createThreadAndRun: thread metadata of 17 pairs', () => ({ mutation: `mutation($input: CreateThreadAndRunInput!) { createThreadAndRun(input: $input) { run { id } } }`, input: { assistantId, thread: { metadata: metadata(17) } } }), 'input.thread.metadata'],
      ['createThreadAndRun: 2 vector stores', () => ({ mutation: `mutation($input: CreateThreadAndRunInput!) { createThreadAndRun(input: $input) { run { id } } }`, input: { assistantId, toolResources: { fileSearch: { vectorStoreIds: ['vs_1', 'vs_2'] } } } }), 'input.toolResources.fileSearch.vectorStoreIds'],
      ['createThread: chunk overlap above half the chunk size', () => ({ mutation: CREATE_THREAD, input: { toolResources: { fileSearch: { vectorStores: [{ chunkingStrategy: { static: { maxChunkSizeTokens: 800, chunkOverlapTokens: 500 } } }] } } } }), 'input.toolResources.fileSearch.vectorStores[0].chunkingStrategy.static.chunkOverlapTokens'],
      ['createThread: a message with 17 metadata pairs', () => ({ mutation: CREATE_THREAD, input: { messages: [{ role: 'USER', content: [{ text: 'x' }], metadata: metadata(17) }] } }), 'input.messages[0].metadata'],
      ['createMessage: metadata key of 65', () => ({ mutation: CREATE_MESSAGE, input: { threadId, role: 'USER', content: [{ text: 'x' }], metadata: { ['m'.repeat(65)]: 'v' } } }), `input.metadata.${'m'.repeat(65)}`],
      ['modifyThread: 21 code interpreter files', () => ({ mutation: `mutation($input: ModifyThreadInput!) { modifyThread(input: $input) { thread { id } } }`, input: { threadId, toolResources: { codeInterpreter: { fileIds: Array.from({ length: 21 }, (_, i) => `file_${i}`) } } } }), 'input.toolResources.codeInterpreter.fileIds'],
      ['modifyRun: 17 metadata pairs', () => ({ mutation: `mutation($input: ModifyRunInput!) { modifyRun(input: $input) { run { id } } }`, input: { threadId, runId: 'run_x', metadata: metadata(17) } }), 'input.metadata'],
      ['modifyMessage: a value of 513', () => ({ mutation: `mutation($input: ModifyMessageInput!) { modifyMessage(input: $input) { message { id } } }`, input: { threadId, messageId: 'msg_x', metadata: { a: 'b'.repeat(513) } } }), 'input.metadata.a'],
      ['modifyRun: a plain run id without its thread', () => ({ mutation: `mutation($input: ModifyRunInput!) { modifyRun(input: $input) { run { id } } }`, input: { runId: 'run_x', metadata: {} } }), 'input.threadId'],
    ];

    it.each(cases)('%s', async (_name, build, field) => {
      const { mutation, input } = build();
      const mark = stack.api.requestLog.length;
      const error = onlyError(await stack.query(mutation, { input }));
      expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
      // The message names the field too (a 65-character metadata key is abbreviated there).
      expect(error.message).toContain(field.replace(/\.[km]{65}$/, ''));
      expect(stack.api.requestLog.length - mark).toBe(0);
    });

    it('GraphQL itself rejects two forms of a @oneOf input, before any resolver', async () => {
      const mark = stack.api.requestLog.length;
      const result = await stack.query(CREATE_RUN, { input: { threadId, assistantId, toolChoice: { mode: 'AUTO', codeInterpreter: true } } });
      expect(result.errors?.[0]?.message).toMatch(/exactly one key/i);
      expect(stack.api.requestLog.length - mark).toBe(0);
    });

    it('the next normal request still works', async () => {
      const result = ok(await stack.query<any>(`mutation($input: ModifyThreadInput!) { modifyThread(input: $input) { thread { metadata } } }`, { input: { threadId, metadata: { ok: 'yes' } } }));
      expect(result.modifyThread.thread.metadata).toEqual({ ok: 'yes' });
    });
  });

  describe('submitToolOutputs is checked against the pending tool calls before the POST', () => {
    let threadId: string;
    let runId: string;
    let callId: string;
    beforeAll(async () => {
      threadId = await newThread();
      runId = ok(await stack.query<any>(CREATE_RUN, { input: { threadId, assistantId, tools: [WEATHER_TOOL] } })).createRun.run.runId;
      callId = (await waitFor(threadId, runId, ['REQUIRES_ACTION'])).requiredAction.submitToolOutputs.toolCalls[0].id;
    });
    afterAll(async () => {
      await stack.query(CANCEL, { input: { threadId, runId } });
    });

    it.each([
      ['an unknown id', () => [{ toolCallId: callId, output: 'x' }, { toolCallId: 'call_unknown', output: 'y' }], 'input.toolOutputs[1].toolCallId'],
      ['a duplicate', () => [{ toolCallId: callId, output: 'x' }, { toolCallId: callId, output: 'y' }], 'input.toolOutputs[1].toolCallId'],
      ['a missing output', () => [], 'input.toolOutputs'],
    ])('%s → BAD_USER_INPUT, one GET of the run and no POST', async (_name, outputs, field) => {
      const mark = stack.api.requestLog.length;
      const error = onlyError(await stack.query(SUBMIT, { input: { threadId, runId, toolOutputs: outputs() } }));
      expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
      expect(callsSince(stack.api, mark)).toEqual({ 'GET /threads/{thread_id}/runs/{run_id}': 1 });
    });
  });

  describe('upstream faults on a write: sent exactly once, a clear error', () => {
    let threadId: string;
    beforeAll(async () => {
      threadId = await newThread();
    });

    it.each([
      ['a 500', 'POST /threads/{thread_id}/runs status=500', /unavailable \(HTTP 500\)/],
      ['a dropped connection', 'POST /threads/{thread_id}/runs drop', /could not be reached/],
    ])('%s → UPSTREAM_UNAVAILABLE after one POST', async (_name, rule, message) => {
      stack.api.faults.set(rule);
      try {
        const mark = stack.api.requestLog.length;
        const error = onlyError(await stack.query(CREATE_RUN, { input: { threadId, assistantId } }));
        expect(error.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
        expect(error.message).toMatch(message);
        expect(error.path).toEqual(['createRun']);
        expect(callsSince(stack.api, mark)).toEqual({ 'POST /threads/{thread_id}/runs': 1 });
      } finally {
        stack.api.faults.clear();
      }
    });

    it('a 500 with an idempotencyKey: the repeat replays the error and sends nothing (the first may have landed)', async () => {
      stack.api.faults.set('POST /threads/{thread_id}/runs status=500 count=1');
      try {
        const input = { threadId, assistantId, idempotencyKey: 'fault-500-key' };
        const mark = stack.api.requestLog.length;
        const first = onlyError(await stack.query(CREATE_RUN, { input }));
        const second = onlyError(await stack.query(CREATE_RUN, { input }));
        expect(first.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
        expect(second.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', idempotentReplay: true });
        expect(callsSince(stack.api, mark)).toEqual({ 'POST /threads/{thread_id}/runs': 1 });
      } finally {
        stack.api.faults.clear();
      }
    });
  });

  describe('idempotencyKey', () => {
    it('two concurrent createRun with the same key: one upstream POST, both get the same run', async () => {
      const threadId = await newThread();
      // Hold the POST so that the second request arrives while the first is in flight.
      stack.api.faults.set('POST /threads/{thread_id}/runs latency=150');
      try {
        const input = { threadId, assistantId, idempotencyKey: `concurrent-${threadId}` };
        const mark = stack.api.requestLog.length;
        const [a, b] = await Promise.all([stack.query<any>(CREATE_RUN, { input }), stack.query<any>(CREATE_RUN, { input })]);
        const runA = ok(a).createRun;
        const runB = ok(b).createRun;
        expect(runA.run.runId).toBe(runB.run.runId);
        expect([runA.replayed, runB.replayed].sort()).toEqual([false, true]);
        expect(callsSince(stack.api, mark)['POST /threads/{thread_id}/runs']).toBe(1);

        // A later repeat: still the same run, still no POST.
        const later = ok(await stack.query<any>(CREATE_RUN, { input })).createRun;
        expect(later).toMatchObject({ replayed: true, run: { runId: runA.run.runId } });
        expect(callsSince(stack.api, mark)['POST /threads/{thread_id}/runs']).toBe(1);
        await waitFor(threadId, runA.run.runId, ['COMPLETED', 'FAILED', 'INCOMPLETE']);
      } finally {
        stack.api.faults.clear();
      }
    });

    it('the same key with a different input → BAD_USER_INPUT on input.idempotencyKey, nothing sent', async () => {
      const threadId = await newThread();
      const key = `mismatch-${threadId}`;
      const first = ok(await stack.query<any>(CREATE_MESSAGE, { input: { threadId, role: 'USER', content: [{ text: 'a' }], idempotencyKey: key } }));
      expect(first.createMessage.message.messageId).toMatch(/^msg_/);
      const mark = stack.api.requestLog.length;
      const error = onlyError(await stack.query(CREATE_MESSAGE, { input: { threadId, role: 'USER', content: [{ text: 'b' }], idempotencyKey: key } }));
      expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.idempotencyKey' });
      expect(writes(callsSince(stack.api, mark))).toBe(0);
      // A different clientMutationId does not make it a different request.
      const again = ok(await stack.query<any>(CREATE_MESSAGE, { input: { threadId, role: 'USER', content: [{ text: 'a' }], idempotencyKey: key, clientMutationId: 'other' } }));
      expect(again.createMessage.message.messageId).toBe(first.createMessage.message.messageId);
    });

    it('ids in either form are the same request', async () => {
      const threadId = await newThread();
      const key = `ids-${threadId}`;
      const first = ok(await stack.query<any>(CREATE_MESSAGE, { input: { threadId, role: 'USER', content: [{ text: 'a' }], idempotencyKey: key } }));
      const second = ok(await stack.query<any>(CREATE_MESSAGE, { input: { threadId: globalId('Thread', threadId), role: 'USER', content: [{ text: 'a' }], idempotencyKey: key } }));
      expect(second.createMessage.message.messageId).toBe(first.createMessage.message.messageId);
    });
  });

  describe('state conflicts are CONFLICT with the upstream request id', () => {
    let threadId: string;
    let activeRunId: string;
    beforeAll(async () => {
      threadId = await newThread();
      activeRunId = ok(await stack.query<any>(CREATE_RUN, { input: { threadId, assistantId, tools: [WEATHER_TOOL] } })).createRun.run.runId;
      await waitFor(threadId, activeRunId, ['REQUIRES_ACTION']);
    });

    it('a run on a thread with an active run', async () => {
      const error = onlyError(await stack.query(CREATE_RUN, { input: { threadId, assistantId } }));
      expect(error.extensions).toMatchObject({ code: 'CONFLICT', requestId: expect.stringMatching(/^req_/) });
    });

    it('a message on a thread with an active run', async () => {
      const error = onlyError(await stack.query(CREATE_MESSAGE, { input: { threadId, role: 'USER', content: [{ text: 'x' }] } }));
      expect(error.extensions).toMatchObject({ code: 'CONFLICT', requestId: expect.stringMatching(/^req_/) });
    });

    it('outputs for a run not in requires_action (checked with a GET, no POST) and cancelling a finished run', async () => {
      const cancelled = ok(await stack.query<any>(CANCEL, { input: { threadId, runId: activeRunId } })).cancelRun.run;
      await waitFor(threadId, cancelled.runId, ['CANCELLED']);

      const mark = stack.api.requestLog.length;
      const outputs = onlyError(await stack.query(SUBMIT, { input: { threadId, runId: activeRunId, toolOutputs: [{ toolCallId: 'call_1', output: 'x' }] } }));
      expect(outputs.extensions).toMatchObject({ code: 'CONFLICT', runStatus: 'cancelled', requestId: expect.stringMatching(/^req_/) });
      expect(callsSince(stack.api, mark)).toEqual({ 'GET /threads/{thread_id}/runs/{run_id}': 1 });

      const again = onlyError(await stack.query(CANCEL, { input: { threadId, runId: activeRunId } }));
      expect(again.extensions).toMatchObject({ code: 'CONFLICT', requestId: expect.stringMatching(/^req_/) });
    });
  });
});

describe('a streamed write whose stream ends before announcing the run', () => {
  let stack: Stack;
  let posts = 0;

  beforeAll(async () => {
    // The upstream answers the create-run POST with an event stream that closes at once: accepted, but no run state.
    const fetchWithEmptyStream: typeof fetch = async (url, init) => {
      if (init?.method === 'POST' && /\/threads\/[^/]+\/runs$/.test(new URL(String(url)).pathname)) {
        posts += 1;
        return new Response('event: done\ndata: [DONE]\n\n', { status: 200, headers: { 'content-type': 'text/event-stream', 'x-request-id': 'req_stream' } });
      }
      return fetch(url, init);
    };
    stack = await startStack({ runsApi: { stepMs: 10 }, fetch: fetchWithEmptyStream });
  });
  afterAll(() => stack?.close());

  it('is UPSTREAM_UNAVAILABLE (outcome unknown) with the request id, and a repeat with the key sends nothing', async () => {
    const assistantId = (await createAssistant(stack.api)).id;
    const threadId = ok(await stack.query<any>(CREATE_THREAD, { input: {} })).createThread.thread.threadId;
    const input = { threadId, assistantId, idempotencyKey: 'stream-ended' };
    const first = onlyError(await stack.query(CREATE_RUN, { input }));
    expect(first.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', reason: 'stream_ended', requestId: 'req_stream' });
    const second = onlyError(await stack.query(CREATE_RUN, { input }));
    expect(second.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', idempotentReplay: true });
    expect(posts).toBe(1);
  });
});
