import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, waitForRun } from '../helpers/runs-api.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { ManualClock } from '../helpers/clock.js';
import { cancelRun, createAssistant, createMessage, createRun, createThread, globalId, listAll, settledRun, submitToolOutputs } from '../helpers/fixtures.js';

/** Everything the embedded runs API can produce reads back through the gateway exactly (wire → GraphQL). */

const TOOL_CHOICE = `toolChoice { __typename ... on ToolChoiceModeOption { mode } ... on NamedToolChoice { type function { name } } ... on UnknownToolChoice { rawType raw } }`;
const RESPONSE_FORMAT = `responseFormat { __typename ... on ResponseFormatModeOption { mode } ... on ResponseFormatText { type } ... on ResponseFormatJsonObject { type }
  ... on ResponseFormatJsonSchema { type jsonSchema { name description schema strict } } ... on UnknownResponseFormat { rawType raw } }`;
const TOOLS = `tools { __typename ... on CodeInterpreterTool { type } ... on FileSearchTool { type fileSearch { maxNumResults rankingOptions { ranker scoreThreshold } } }
  ... on FunctionTool { type function { name description parameters strict } } ... on UnknownTool { rawType raw } }`;
const RUN_FIELDS = `
  id runId object createdAt threadId assistantId status
  requiredAction { type submitToolOutputs { toolCalls { id type function { name arguments } } } }
  lastError { code message }
  expiresAt startedAt cancelledAt failedAt completedAt
  incompleteDetails { reason }
  model instructions ${TOOLS} metadata usage { completionTokens promptTokens totalTokens }
  temperature topP maxPromptTokens maxCompletionTokens truncationStrategy { type lastMessages }
  ${TOOL_CHOICE} parallelToolCalls ${RESPONSE_FORMAT}`;

const iso = (seconds: number | null | undefined) => (seconds == null ? null : new Date(seconds * 1000).toISOString());
const upper = (value: string | null | undefined) => (value == null ? null : value.replace(/[^A-Za-z0-9]+/g, '_').toUpperCase());

function expectedTool(tool: any) {
  switch (tool.type) {
    case 'code_interpreter':
      return { __typename: 'CodeInterpreterTool', type: 'code_interpreter' };
    case 'file_search':
      return {
        __typename: 'FileSearchTool',
        type: 'file_search',
        fileSearch: tool.file_search
          ? {
              maxNumResults: tool.file_search.max_num_results ?? null,
              rankingOptions: tool.file_search.ranking_options
                ? { ranker: upper(tool.file_search.ranking_options.ranker), scoreThreshold: tool.file_search.ranking_options.score_threshold }
                : null,
            }
          : null,
      };
    default:
      return {
        __typename: 'FunctionTool',
        type: 'function',
        function: { name: tool.function.name, description: tool.function.description ?? null, parameters: tool.function.parameters ?? null, strict: tool.function.strict ?? null },
      };
  }
}

function expectedToolChoice(choice: any) {
  if (choice == null) return null;
  if (typeof choice === 'string') return { __typename: 'ToolChoiceModeOption', mode: upper(choice) };
  return { __typename: 'NamedToolChoice', type: upper(choice.type), function: choice.function ? { name: choice.function.name } : null };
}

function expectedResponseFormat(format: any) {
  if (format == null) return null;
  if (typeof format === 'string') return { __typename: 'ResponseFormatModeOption', mode: upper(format) };
  if (format.type === 'text') return { __typename: 'ResponseFormatText', type: 'text' };
  if (format.type === 'json_object') return { __typename: 'ResponseFormatJsonObject', type: 'json_object' };
  const s = format.json_schema;
  return { __typename: 'ResponseFormatJsonSchema', type: 'json_schema', jsonSchema: { name: s.name, description: s.description ?? null, schema: s.schema ?? null, strict: s.strict ?? null } };
}

/** The GraphQL RunObject that a wire run must read back as, field by field. */
function expectedRun(run: any) {
  return {
    id: globalId('RunObject', `${run.thread_id}:${run.id}`),
    runId: run.id,
    object: 'THREAD_RUN',
    createdAt: iso(run.created_at),
    threadId: run.thread_id,
    assistantId: run.assistant_id,
    status: upper(run.status),
    requiredAction: run.required_action
      ? {
          type: 'SUBMIT_TOOL_OUTPUTS',
          submitToolOutputs: {
            toolCalls: run.required_action.submit_tool_outputs.tool_calls.map((c: any) => ({ id: c.id, type: 'FUNCTION', function: { name: c.function.name, arguments: c.function.arguments } })),
          },
        }
      : null,
    lastError: run.last_error ? { code: upper(run.last_error.code), message: run.last_error.message } : null,
    expiresAt: iso(run.expires_at),
    startedAt: iso(run.started_at),
    cancelledAt: iso(run.cancelled_at),
    failedAt: iso(run.failed_at),
    completedAt: iso(run.completed_at),
    incompleteDetails: run.incomplete_details ? { reason: upper(run.incomplete_details.reason) } : null,
    model: run.model,
    instructions: run.instructions,
    tools: run.tools.map(expectedTool),
    metadata: run.metadata,
    usage: run.usage ? { completionTokens: run.usage.completion_tokens, promptTokens: run.usage.prompt_tokens, totalTokens: run.usage.total_tokens } : null,
    temperature: run.temperature ?? null,
    topP: run.top_p ?? null,
    maxPromptTokens: run.max_prompt_tokens,
    maxCompletionTokens: run.max_completion_tokens,
    truncationStrategy: run.truncation_strategy ? { type: upper(run.truncation_strategy.type), lastMessages: run.truncation_strategy.last_messages ?? null } : null,
    toolChoice: expectedToolChoice(run.tool_choice),
    parallelToolCalls: run.parallel_tool_calls,
    responseFormat: expectedResponseFormat(run.response_format),
  };
}

const STEP_MS = 40;

describe('read back (embedded runs API over HTTP)', () => {
  let stack: Stack;
  // The runs API's time: moved along with real time, except while a test holds it to step a run state by state.
  const clock = new ManualClock();
  let ticking: NodeJS.Timeout | undefined;
  const tick = () => (ticking = setInterval(() => clock.advance(10), 10));
  let toolsAssistant: any;
  let plainAssistant: any;

  async function gqlRun(threadId: string, runId: string): Promise<any> {
    const result = await stack.query(`query($t: ID!, $r: ID!) { run(threadId: $t, runId: $r) { ${RUN_FIELDS} } }`, { t: threadId, r: runId });
    expect(result.errors).toBeUndefined();
    return result.data!.run;
  }
  async function wireRun(threadId: string, runId: string): Promise<any> {
    return (await call(stack.api, 'GET', `/threads/${threadId}/runs/${runId}`)).body;
  }
  /** Reads the run through the gateway and the wire at rest (both after it settled) and compares them. */
  async function expectReadBack(threadId: string, runId: string): Promise<any> {
    const wire = await wireRun(threadId, runId);
    expect(await gqlRun(threadId, runId)).toEqual(expectedRun(wire));
    return wire;
  }

  beforeAll(async () => {
    tick();
    stack = await startStack({ runsApi: { stepMs: STEP_MS, clock } });
    toolsAssistant = await createAssistant(stack.api, {
      name: 'Tools',
      tools: [
        { type: 'code_interpreter' },
        { type: 'file_search', file_search: { max_num_results: 7, ranking_options: { ranker: 'default_2024_08_21', score_threshold: 0.25 } } },
        { type: 'function', function: { name: 'get_weather', description: 'Weather by city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }, strict: true } },
      ],
    });
    plainAssistant = await createAssistant(stack.api, { name: 'Plain' });
  });

  afterAll(async () => {
    clearInterval(ticking);
    await stack?.close();
  });

  it('reads every run status the lifecycle goes through, polling through the gateway', async () => {
    // Held: the run moves one phase only after the gateway has read it, so each state is seen however slow reads are.
    clearInterval(ticking);
    const seen = new Set<string>();
    const watch = async (threadId: string, runId: string, until: string[]) => {
      for (let step = 0; step < 100; step++) {
        const result = await stack.query('query($t: ID!, $r: ID!) { run(threadId: $t, runId: $r) { status } }', { t: threadId, r: runId });
        const status = result.data?.run?.status as string;
        seen.add(status);
        if (until.includes(status)) return status;
        clock.advance(STEP_MS / 2);
      }
      throw new Error('run did not settle');
    };
    try {

      // queued → in_progress → requires_action → (tool outputs) → completed
      const thread = await createThread(stack.api);
      const run = await createRun(stack.api, thread.id, { assistant_id: toolsAssistant.id });
      expect(await watch(thread.id, run.id, ['REQUIRES_ACTION'])).toBe('REQUIRES_ACTION');
      const waiting = await expectReadBack(thread.id, run.id);
      expect(waiting.required_action.submit_tool_outputs.tool_calls[0].function.name).toBe('get_weather');
      await submitToolOutputs(stack.api, thread.id, run.id, [{ tool_call_id: waiting.required_action.submit_tool_outputs.tool_calls[0].id, output: '{"temp": 21}' }]);
      expect(await watch(thread.id, run.id, ['COMPLETED'])).toBe('COMPLETED');
      const completed = await expectReadBack(thread.id, run.id);
      expect(completed.usage).not.toBeNull();

      // cancelling → cancelled
      const cancelThread = await createThread(stack.api);
      const toCancel = await createRun(stack.api, cancelThread.id, { assistant_id: plainAssistant.id });
      expect(await watch(cancelThread.id, toCancel.id, ['IN_PROGRESS'])).toBe('IN_PROGRESS');
      await cancelRun(stack.api, cancelThread.id, toCancel.id);
      expect(await watch(cancelThread.id, toCancel.id, ['CANCELLED'])).toBe('CANCELLED');
      await expectReadBack(cancelThread.id, toCancel.id);

      // metadata.simulate endings
      for (const [simulate, status] of [['fail', 'FAILED'], ['incomplete', 'INCOMPLETE'], ['expire', 'EXPIRED']] as const) {
        const t = await createThread(stack.api);
        const r = await createRun(stack.api, t.id, { assistant_id: plainAssistant.id, metadata: { simulate } });
        expect(await watch(t.id, r.id, [status])).toBe(status);
        const wire = await expectReadBack(t.id, r.id);
        if (simulate === 'fail') expect(wire.last_error.code).toBe('server_error');
        if (simulate === 'incomplete') expect(wire.incomplete_details.reason).toBe('max_completion_tokens');
      }

      expect([...seen].sort()).toEqual(['CANCELLED', 'CANCELLING', 'COMPLETED', 'EXPIRED', 'FAILED', 'INCOMPLETE', 'IN_PROGRESS', 'QUEUED', 'REQUIRES_ACTION']);
    } finally {
      tick();
    }
  });

  it('reads back every wire form of tool_choice and response_format, and the run settings', async () => {
    const toolChoices = ['none', 'auto', 'required', { type: 'function', function: { name: 'get_weather' } }, { type: 'code_interpreter' }, { type: 'file_search' }];
    const responseFormats = [
      'auto',
      { type: 'text' },
      { type: 'json_object' },
      { type: 'json_schema', json_schema: { name: 'weather', description: 'A forecast', schema: { type: 'object', properties: { temp: { type: 'number' } } }, strict: true } },
    ];
    const created: Array<{ threadId: string; runId: string }> = [];
    for (let i = 0; i < Math.max(toolChoices.length, responseFormats.length); i++) {
      const thread = await createThread(stack.api);
      const run = await createRun(stack.api, thread.id, {
        assistant_id: toolsAssistant.id,
        tool_choice: toolChoices[i % toolChoices.length],
        response_format: responseFormats[i % responseFormats.length],
        instructions: `instructions ${i}`,
        temperature: 0.5,
        top_p: 0.9,
        max_prompt_tokens: 1000,
        max_completion_tokens: 500,
        truncation_strategy: i % 2 === 0 ? { type: 'last_messages', last_messages: 4 } : { type: 'auto' },
        parallel_tool_calls: i % 2 === 0,
        metadata: { case: String(i) },
      });
      created.push({ threadId: thread.id, runId: run.id });
    }
    const readBack: any[] = [];
    for (const { threadId, runId } of created) {
      const wire = await waitForRun(stack.api, threadId, runId);
      expect(await gqlRun(threadId, runId)).toEqual(expectedRun(wire));
      readBack.push(await gqlRun(threadId, runId));
    }
    expect(new Set(readBack.map((r) => JSON.stringify(r.toolChoice))).size).toBe(toolChoices.length);
    expect(readBack.map((r) => r.responseFormat.__typename)).toEqual(
      expect.arrayContaining(['ResponseFormatModeOption', 'ResponseFormatText', 'ResponseFormatJsonObject', 'ResponseFormatJsonSchema']),
    );
    expect(readBack[0].tools.map((t: any) => t.__typename)).toEqual(['CodeInterpreterTool', 'FileSearchTool', 'FunctionTool']);

    // A run created without tool_choice / response_format / truncation reads back whatever the API filled in.
    const thread = await createThread(stack.api);
    const run = await settledRun(stack.api, thread.id, { assistant_id: plainAssistant.id });
    await expectReadBack(thread.id, run.id);
  });

  it('reads back every step detail and tool call kind, with and without file search content', async () => {
    const thread = await createThread(stack.api);
    const run = await settledRun(stack.api, thread.id, { assistant_id: toolsAssistant.id }, ['requires_action']);
    const call0 = run.required_action.submit_tool_outputs.tool_calls[0];
    await submitToolOutputs(stack.api, thread.id, run.id, [{ tool_call_id: call0.id, output: 'sunny' }]);
    await waitForRun(stack.api, thread.id, run.id, ['completed']);

    const STEP = `id stepId object createdAt assistantId threadId runId type status lastError { code message } expiredAt cancelledAt failedAt completedAt metadata
      usage { completionTokens promptTokens totalTokens }
      stepDetails { __typename
        ... on RunStepMessageCreationDetails { type messageCreation { messageId } }
        ... on RunStepToolCallsDetails { type toolCalls { __typename
          ... on CodeInterpreterToolCall { id type codeInterpreter { input outputs { __typename ... on CodeInterpreterLogsOutput { type logs } ... on CodeInterpreterImageOutput { type image { fileId } } } } }
          ... on FileSearchToolCall { id type fileSearch { rankingOptions { ranker scoreThreshold } results { fileId fileName score content { type text } } } }
          ... on FunctionToolCall { id type function { name arguments output } } } } }
      run { runId }`;
    const doc = `query($t: ID!, $r: ID!) { run(threadId: $t, runId: $r) {
      with: steps(first: 10, order: ASC, include: [STEP_DETAILS_TOOL_CALLS_FILE_SEARCH_RESULTS_CONTENT]) { edges { node { ${STEP} } } }
      without: steps(first: 10, order: ASC) { edges { node { stepId stepDetails { ... on RunStepToolCallsDetails { toolCalls { ... on FileSearchToolCall { fileSearch { results { fileId content { text } } } } } } } } } }
    } }`;
    const result = await stack.query(doc, { t: thread.id, r: run.id });
    expect(result.errors).toBeUndefined();
    const wireSteps = await listAll(stack.api, `/threads/${thread.id}/runs/${run.id}/steps?order=asc&include[]=step_details.tool_calls[*].file_search.results[*].content`);
    const steps = result.data!.run.with.edges.map((e: any) => e.node);
    expect(steps).toHaveLength(wireSteps.length);

    const expectedCall = (c: any) => {
      if (c.type === 'code_interpreter') {
        return {
          __typename: 'CodeInterpreterToolCall', id: c.id, type: c.type,
          codeInterpreter: {
            input: c.code_interpreter.input,
            outputs: c.code_interpreter.outputs.map((o: any) => (o.type === 'logs' ? { __typename: 'CodeInterpreterLogsOutput', type: 'logs', logs: o.logs } : { __typename: 'CodeInterpreterImageOutput', type: 'image', image: { fileId: o.image.file_id } })),
          },
        };
      }
      if (c.type === 'file_search') {
        return {
          __typename: 'FileSearchToolCall', id: c.id, type: c.type,
          fileSearch: {
            rankingOptions: c.file_search.ranking_options ? { ranker: upper(c.file_search.ranking_options.ranker), scoreThreshold: c.file_search.ranking_options.score_threshold } : null,
            results: c.file_search.results?.map((r: any) => ({ fileId: r.file_id, fileName: r.file_name, score: r.score, content: r.content?.map((x: any) => ({ type: upper(x.type), text: x.text ?? null })) ?? null })) ?? null,
          },
        };
      }
      return { __typename: 'FunctionToolCall', id: c.id, type: c.type, function: { name: c.function.name, arguments: c.function.arguments, output: c.function.output } };
    };
    steps.forEach((step: any, i: number) => {
      const wire = wireSteps[i];
      expect(step).toEqual({
        id: globalId('RunStep', `${wire.thread_id}:${wire.run_id}:${wire.id}`),
        stepId: wire.id, object: 'THREAD_RUN_STEP', createdAt: iso(wire.created_at), assistantId: wire.assistant_id, threadId: wire.thread_id, runId: wire.run_id,
        type: upper(wire.type), status: upper(wire.status), lastError: wire.last_error, expiredAt: iso(wire.expired_at), cancelledAt: iso(wire.cancelled_at),
        failedAt: iso(wire.failed_at), completedAt: iso(wire.completed_at), metadata: wire.metadata,
        usage: wire.usage ? { completionTokens: wire.usage.completion_tokens, promptTokens: wire.usage.prompt_tokens, totalTokens: wire.usage.total_tokens } : null,
        stepDetails:
          wire.step_details.type === 'message_creation'
            ? { __typename: 'RunStepMessageCreationDetails', type: 'message_creation', messageCreation: { messageId: wire.step_details.message_creation.message_id } }
            : { __typename: 'RunStepToolCallsDetails', type: 'tool_calls', toolCalls: wire.step_details.tool_calls.map(expectedCall) },
        run: { runId: run.id },
      });
    });
    const kinds = steps.flatMap((s: any) => (s.stepDetails.toolCalls ?? [s.stepDetails]).map((c: any) => c.__typename));
    expect(new Set(kinds)).toEqual(new Set(['CodeInterpreterToolCall', 'FileSearchToolCall', 'FunctionToolCall', 'RunStepMessageCreationDetails']));
    const outputs = steps.flatMap((s: any) => s.stepDetails.toolCalls ?? []).flatMap((c: any) => c.codeInterpreter?.outputs ?? []);
    expect(outputs.map((o: any) => o.__typename)).toEqual(['CodeInterpreterLogsOutput', 'CodeInterpreterImageOutput']);
    const fileSearchWith = steps.flatMap((s: any) => s.stepDetails.toolCalls ?? []).find((c: any) => c.__typename === 'FileSearchToolCall');
    expect(fileSearchWith.fileSearch.results[0].content[0].text).toEqual(expect.any(String));
    const fileSearchWithout = result.data!.run.without.edges.flatMap((e: any) => e.node.stepDetails.toolCalls ?? []).find((c: any) => c.fileSearch);
    expect(fileSearchWithout.fileSearch.results.every((r: any) => r.content === null)).toBe(true);
    expect(steps.flatMap((s: any) => s.stepDetails.toolCalls ?? []).find((c: any) => c.function)?.function.output).toBe('sunny');

    // runStep(…) and node(…) by upstream or global ids, with include.
    const fileStep = steps.find((s: any) => s.stepDetails.toolCalls?.[0]?.__typename === 'FileSearchToolCall');
    const single = await stack.query(
      `query($t: ID!, $r: ID!, $s: ID!, $g: ID!) {
        a: runStep(threadId: $t, runId: $r, stepId: $s, include: [STEP_DETAILS_TOOL_CALLS_FILE_SEARCH_RESULTS_CONTENT]) { stepId stepDetails { ... on RunStepToolCallsDetails { toolCalls { ... on FileSearchToolCall { fileSearch { results { content { text } } } } } } } }
        b: runStep(threadId: $t, runId: $r, stepId: $g) { stepId }
        c: node(id: $g) { ... on RunStep { stepId run { runId } } }
        missing: runStep(threadId: $t, runId: $r, stepId: "step_nope") { stepId }
      }`,
      { t: thread.id, r: run.id, s: fileStep.stepId, g: fileStep.id },
    );
    expect(single.errors).toBeUndefined();
    expect(single.data!.a.stepDetails.toolCalls[0].fileSearch.results[0].content[0].text).toEqual(expect.any(String));
    expect(single.data!.b.stepId).toBe(fileStep.stepId);
    expect(single.data!.c).toEqual({ stepId: fileStep.stepId, run: { runId: run.id } });
    expect(single.data!.missing).toBeNull();
  });

  it('reads back every message content part and annotation, the run_id filter and message relations', async () => {
    const thread = await createThread(stack.api, {});
    const user = await createMessage(stack.api, thread.id, {
      role: 'user',
      content: [
        { type: 'text', text: 'Look at these' },
        { type: 'image_url', image_url: { url: 'https://example.com/cat.png', detail: 'high' } },
        { type: 'image_file', image_file: { file_id: 'file-abc123', detail: 'low' } },
      ],
      attachments: [{ file_id: 'file-doc', tools: [{ type: 'file_search' }, { type: 'code_interpreter' }] }],
      metadata: { from: 'test' },
    });
    const run = await settledRun(stack.api, thread.id, { assistant_id: toolsAssistant.id }, ['requires_action']);
    await submitToolOutputs(stack.api, thread.id, run.id, [{ tool_call_id: run.required_action.submit_tool_outputs.tool_calls[0].id, output: 'ok' }]);
    await waitForRun(stack.api, thread.id, run.id, ['completed']);
    const refusal = await settledRun(stack.api, thread.id, { assistant_id: plainAssistant.id, metadata: { simulate: 'refusal' } });
    const incomplete = await settledRun(stack.api, thread.id, { assistant_id: plainAssistant.id, metadata: { simulate: 'incomplete' } });

    const MESSAGE = `id messageId object createdAt threadId status incompleteDetails { reason } completedAt incompleteAt role assistantId runId metadata
      attachments { fileId tools { __typename } }
      content { __typename
        ... on MessageContentText { type text { value annotations { __typename
          ... on FileCitationAnnotation { type text fileCitation { fileId } startIndex endIndex }
          ... on FilePathAnnotation { type text filePath { fileId } startIndex endIndex } } } }
        ... on MessageContentImageFile { type imageFile { fileId detail } }
        ... on MessageContentImageUrl { type imageUrl { url detail } }
        ... on MessageContentRefusal { type refusal } }
      run { runId } assistant { name } thread { threadId }`;
    const result = await stack.query(
      `query($t: ID!, $r: ID!) {
        thread(id: $t) { messages(first: 20, order: ASC) { edges { node { ${MESSAGE} } } } }
        run(threadId: $t, runId: $r) { messages(first: 20) { edges { node { messageId runId } } } }
      }`,
      { t: thread.id, r: run.id },
    );
    expect(result.errors).toBeUndefined();
    const wires = await listAll(stack.api, `/threads/${thread.id}/messages?order=asc`);
    const messages = result.data!.thread.messages.edges.map((e: any) => e.node);
    expect(messages.map((m: any) => m.messageId)).toEqual(wires.map((w) => w.id));

    const expectedPart = (p: any) => {
      switch (p.type) {
        case 'text':
          return {
            __typename: 'MessageContentText', type: 'text',
            text: {
              value: p.text.value,
              annotations: p.text.annotations.map((a: any) =>
                a.type === 'file_citation'
                  ? { __typename: 'FileCitationAnnotation', type: a.type, text: a.text, fileCitation: { fileId: a.file_citation.file_id }, startIndex: a.start_index, endIndex: a.end_index }
                  : { __typename: 'FilePathAnnotation', type: a.type, text: a.text, filePath: { fileId: a.file_path.file_id }, startIndex: a.start_index, endIndex: a.end_index },
              ),
            },
          };
        case 'image_file':
          return { __typename: 'MessageContentImageFile', type: p.type, imageFile: { fileId: p.image_file.file_id, detail: upper(p.image_file.detail) } };
        case 'image_url':
          return { __typename: 'MessageContentImageUrl', type: p.type, imageUrl: { url: p.image_url.url, detail: upper(p.image_url.detail) } };
        default:
          return { __typename: 'MessageContentRefusal', type: p.type, refusal: p.refusal };
      }
    };
    const names = Object.fromEntries([toolsAssistant, plainAssistant].map((a) => [a.id, a.name]));
    messages.forEach((m: any, i: number) => {
      const w = wires[i];
      expect(m).toEqual({
        id: globalId('Message', `${w.thread_id}:${w.id}`),
        messageId: w.id, object: 'THREAD_MESSAGE', createdAt: iso(w.created_at), threadId: w.thread_id, status: upper(w.status),
        incompleteDetails: w.incomplete_details ? { reason: upper(w.incomplete_details.reason) } : null,
        completedAt: iso(w.completed_at), incompleteAt: iso(w.incomplete_at), role: upper(w.role), assistantId: w.assistant_id, runId: w.run_id, metadata: w.metadata,
        attachments: w.attachments?.map((a: any) => ({ fileId: a.file_id ?? null, tools: a.tools.map((t: any) => ({ __typename: t.type === 'file_search' ? 'FileSearchTool' : 'CodeInterpreterTool' })) })) ?? null,
        content: w.content.map(expectedPart),
        run: w.run_id ? { runId: w.run_id } : null,
        assistant: w.assistant_id ? { name: names[w.assistant_id] } : null,
        thread: { threadId: thread.id },
      });
    });
    const parts = new Set(messages.flatMap((m: any) => m.content.map((c: any) => c.__typename)));
    expect(parts).toEqual(new Set(['MessageContentText', 'MessageContentImageUrl', 'MessageContentImageFile', 'MessageContentRefusal']));
    const annotations = new Set(messages.flatMap((m: any) => m.content.flatMap((c: any) => c.text?.annotations ?? [])).map((a: any) => a.__typename));
    expect(annotations).toEqual(new Set(['FileCitationAnnotation', 'FilePathAnnotation']));
    expect(messages.find((m: any) => m.messageId === user.id).attachments).toEqual([{ fileId: 'file-doc', tools: [{ __typename: 'FileSearchTool' }, { __typename: 'CodeInterpreterTool' }] }]);
    expect(messages.some((m: any) => m.runId === incomplete.id && m.incompleteDetails?.reason === 'MAX_TOKENS')).toBe(true);
    expect(messages.some((m: any) => m.runId === refusal.id && m.content[0].__typename === 'MessageContentRefusal')).toBe(true);

    // RunObject.messages uses the upstream run_id filter.
    const byRun = result.data!.run.messages.edges.map((e: any) => e.node);
    expect(byRun.length).toBeGreaterThan(0);
    expect(byRun.every((m: any) => m.runId === run.id)).toBe(true);
    expect(stack.api.requestLog.some((e) => e.route === '/threads/{thread_id}/messages' && e.method === 'GET')).toBe(true);
  });

  it('resolves global ids and upstream ids alike, and unknown ids to null', async () => {
    const thread = await createThread(stack.api);
    const run = await settledRun(stack.api, thread.id, { assistant_id: plainAssistant.id });
    const threadGlobal = globalId('Thread', thread.id);
    const runGlobal = globalId('RunObject', `${thread.id}:${run.id}`);
    const result = await stack.query(
      `query($t: ID!, $tg: ID!, $r: ID!, $rg: ID!, $a: ID!, $ag: ID!) {
        t1: thread(id: $t) { id threadId } t2: thread(id: $tg) { id threadId } t3: node(id: $t) { id } t4: node(id: $tg) { ... on Thread { threadId } }
        r1: run(threadId: $t, runId: $r) { id } r2: run(threadId: $tg, runId: $rg) { runId } r3: node(id: $rg) { ... on RunObject { runId thread { threadId } assistant { assistantId } } }
        a1: assistant(id: $a) { id assistantId } a2: assistant(id: $ag) { assistantId } a3: node(id: $a) { ... on Assistant { name } }
        n: nodes(ids: [$tg, $rg, $ag]) { __typename id }
        noThread: thread(id: "thread_missing") { id } noRun: run(threadId: $t, runId: "run_missing") { id } noAssistant: assistant(id: "asst_missing") { id }
        noNode: node(id: "${globalId('RunObject', `${thread.id}:run_missing`)}") { id }
      }`,
      { t: thread.id, tg: threadGlobal, r: run.id, rg: runGlobal, a: plainAssistant.id, ag: globalId('Assistant', plainAssistant.id) },
    );
    expect(result.errors).toBeUndefined();
    const d = result.data!;
    expect(d.t1).toEqual({ id: threadGlobal, threadId: thread.id });
    expect(d.t2).toEqual(d.t1);
    expect(d.t3).toEqual({ id: threadGlobal });
    expect(d.r1).toEqual({ id: runGlobal });
    expect(d.r2).toEqual({ runId: run.id });
    expect(d.r3).toEqual({ runId: run.id, thread: { threadId: thread.id }, assistant: { assistantId: plainAssistant.id } });
    expect(d.a1.assistantId).toBe(plainAssistant.id);
    expect(d.a3).toEqual({ name: 'Plain' });
    expect(d.n.map((n: any) => n.__typename)).toEqual(['Thread', 'RunObject', 'Assistant']);
    expect([d.noThread, d.noRun, d.noAssistant, d.noNode]).toEqual([null, null, null, null]);

    const wrong = await stack.query(`query($t: ID!, $tg: ID!) { run(threadId: $t, runId: $tg) { id } }`, { t: thread.id, tg: threadGlobal });
    expect(wrong.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    const mismatch = await stack.query(`query($rg: ID!) { run(threadId: "thread_other", runId: $rg) { id } }`, { rg: runGlobal });
    expect(mismatch.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
  });
});
