import { createYoga } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createContext } from '../../src/context.js';
import { createServices, type GatewayServices } from '../../src/services.js';
import { schema } from '../../src/schema/index.js';

/**
 * Values the upstream may send one day (a new status, tool, content part, step kind…) read as UNKNOWN enum
 * values and Unknown… union members, and never fail the page. The embedded API only sends known values,
 * so these run through yoga.fetch with an injected upstream fetch.
 */

const base = { created_at: 1_700_000_000, metadata: {} };
const run = (id: string, extra: Record<string, unknown> = {}) => ({
  ...base, id, object: 'thread.run', thread_id: 'thread_1', assistant_id: 'asst_1', status: 'completed', required_action: null, last_error: null,
  expires_at: null, started_at: 1_700_000_001, cancelled_at: null, failed_at: null, completed_at: 1_700_000_002, incomplete_details: null,
  model: 'gpt-4o', instructions: null, tools: [], usage: null, temperature: 1, top_p: 1, max_prompt_tokens: null, max_completion_tokens: null,
  truncation_strategy: { type: 'auto', last_messages: null }, tool_choice: 'auto', parallel_tool_calls: true, response_format: 'auto',
  brand_new_field: { anything: true },
  ...extra,
});

const runs = [
  run('run_1'),
  run('run_2', {
    status: 'paused_for_review',
    object: 'thread.run.v2',
    last_error: { code: 'quota_exhausted', message: 'no more' },
    incomplete_details: { reason: 'max_wall_clock' },
    tools: [{ type: 'web_search', web_search: { region: 'eu' } }, { type: 'code_interpreter' }],
    tool_choice: { type: 'web_search' },
    response_format: { type: 'xml', strictness: 'high' },
    truncation_strategy: { type: 'smart', last_messages: null },
  }),
  run('run_3', { tool_choice: 'sometimes', response_format: 'yaml' }),
];

const steps = [
  { ...base, id: 'step_1', object: 'thread.run.step', assistant_id: 'asst_1', thread_id: 'thread_1', run_id: 'run_1', type: 'reasoning', status: 'thinking',
    step_details: { type: 'reasoning', reasoning: { summary: 'hmm' } }, last_error: null, expired_at: null, cancelled_at: null, failed_at: null, completed_at: null, usage: null },
  { ...base, id: 'step_2', object: 'thread.run.step', assistant_id: 'asst_1', thread_id: 'thread_1', run_id: 'run_1', type: 'tool_calls', status: 'completed',
    step_details: { type: 'tool_calls', tool_calls: [
      { id: 'call_1', type: 'web_search', web_search: {} },
      { id: 'call_2', type: 'code_interpreter', code_interpreter: { input: 'x', outputs: [{ type: 'chart', chart: {} }, { type: 'logs', logs: 'ok' }] } },
    ] },
    last_error: { code: 'tool_crashed', message: 'boom' }, expired_at: null, cancelled_at: null, failed_at: null, completed_at: null, usage: null },
];

const messages = [
  { ...base, id: 'msg_1', object: 'thread.message', thread_id: 'thread_1', status: 'streaming', incomplete_details: { reason: 'gremlins' }, completed_at: null, incomplete_at: null,
    role: 'tool', assistant_id: null, run_id: null, attachments: null,
    content: [
      { type: 'audio', audio: { file_id: 'file_a' } },
      { type: 'text', text: { value: 'see', annotations: [{ type: 'url_citation', url: 'https://x' }, { type: 'file_path', text: 'p', file_path: { file_id: 'f' }, start_index: 0, end_index: 1 }] } },
      { type: 'image_file', image_file: { file_id: 'file_i', detail: 'ultra' } },
    ] },
];

function fakeUpstream(path: string, limit: number): unknown {
  if (/\/threads\/thread_1\/runs\/run_1\/steps$/.test(path)) return { object: 'list', data: steps, first_id: 'step_1', last_id: 'step_2', has_more: false };
  if (/\/threads\/thread_1\/runs$/.test(path)) return { object: 'list', data: runs.slice(0, limit), first_id: 'run_1', last_id: 'run_3', has_more: runs.length > limit };
  if (/\/threads\/thread_1\/messages$/.test(path)) return { object: 'list', data: messages, first_id: 'msg_1', last_id: 'msg_1', has_more: false };
  if (/\/threads\/thread_1$/.test(path)) return { ...base, id: 'thread_1', object: 'thread', tool_resources: null };
  return undefined;
}

async function execute(query: string, variables: Record<string, unknown> = {}) {
  const calls: string[] = [];
  const fetch = (async (input: string | URL | Request) => {
    const url = new URL(String(input));
    calls.push(url.pathname);
    const body = fakeUpstream(url.pathname, Number(url.searchParams.get('limit') ?? 20));
    return body === undefined
      ? new Response(JSON.stringify({ error: { message: 'No such object', type: 'invalid_request_error', param: null, code: null } }), { status: 404 })
      : new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
  }) as typeof globalThis.fetch;
  const config = loadConfig({ NODE_ENV: 'test', UPSTREAM_BASE_URL: 'http://upstream.test/v1', UPSTREAM_API_KEY: 'sk-test' });
  const services: GatewayServices = createServices(config, { fetch });
  const yoga = createYoga({ schema, context: () => createContext(services), maskedErrors: true, logging: false });
  const response = await yoga.fetch('http://yoga/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return { body: (await response.json()) as { data?: any; errors?: any[] }, calls };
}

describe('forward compatibility: values the schema does not know yet', () => {
  it('reads unknown enum values as UNKNOWN and unknown union members as Unknown… with the raw value, ignores new fields, keeps the page', async () => {
    const { body } = await execute(`{
      thread(id: "thread_1") { runs(first: 10) { edges { node {
        runId status object lastError { code message } incompleteDetails { reason }
        tools { __typename ... on UnknownTool { rawType raw } }
        toolChoice { __typename ... on ToolChoiceModeOption { mode } ... on UnknownToolChoice { rawType raw } }
        responseFormat { __typename ... on ResponseFormatModeOption { mode } ... on UnknownResponseFormat { rawType raw } }
        truncationStrategy { type }
      } } } }
    }`);
    expect(body.errors).toBeUndefined();
    const [first, second, third] = body.data.thread.runs.edges.map((e: any) => e.node);
    expect(first).toMatchObject({ runId: 'run_1', status: 'COMPLETED', object: 'THREAD_RUN', toolChoice: { __typename: 'ToolChoiceModeOption', mode: 'AUTO' } });
    expect(second).toEqual({
      runId: 'run_2',
      status: 'UNKNOWN',
      object: 'UNKNOWN',
      lastError: { code: 'UNKNOWN', message: 'no more' },
      incompleteDetails: { reason: 'UNKNOWN' },
      tools: [{ __typename: 'UnknownTool', rawType: 'web_search', raw: { type: 'web_search', web_search: { region: 'eu' } } }, { __typename: 'CodeInterpreterTool' }],
      toolChoice: { __typename: 'UnknownToolChoice', rawType: 'web_search', raw: { type: 'web_search' } },
      responseFormat: { __typename: 'UnknownResponseFormat', rawType: 'xml', raw: { type: 'xml', strictness: 'high' } },
      truncationStrategy: { type: 'UNKNOWN' },
    });
    expect(third.toolChoice).toEqual({ __typename: 'UnknownToolChoice', rawType: null, raw: 'sometimes' });
    expect(third.responseFormat).toEqual({ __typename: 'UnknownResponseFormat', rawType: null, raw: 'yaml' });
  });

  it('does the same for steps (step details, tool calls, code outputs, error codes) and messages (content parts, annotations)', async () => {
    const { body } = await execute(`{
      thread(id: "thread_1") { messages(first: 5) { edges { node { status role incompleteDetails { reason }
        content { __typename ... on UnknownMessageContent { rawType raw } ... on MessageContentImageFile { imageFile { detail } }
          ... on MessageContentText { text { annotations { __typename ... on UnknownTextAnnotation { rawType raw } ... on FilePathAnnotation { filePath { fileId } } } } } } } } } }
    }`);
    expect(body.errors).toBeUndefined();
    const [message] = body.data.thread.messages.edges.map((e: any) => e.node);
    expect(message).toEqual({
      status: 'UNKNOWN',
      role: 'UNKNOWN',
      incompleteDetails: { reason: 'UNKNOWN' },
      content: [
        { __typename: 'UnknownMessageContent', rawType: 'audio', raw: { type: 'audio', audio: { file_id: 'file_a' } } },
        { __typename: 'MessageContentText', text: { annotations: [
          { __typename: 'UnknownTextAnnotation', rawType: 'url_citation', raw: { type: 'url_citation', url: 'https://x' } },
          { __typename: 'FilePathAnnotation', filePath: { fileId: 'f' } },
        ] } },
        { __typename: 'MessageContentImageFile', imageFile: { detail: 'UNKNOWN' } },
      ],
    });

    const steps = await execute(`{ thread(id: "thread_1") { runs(first: 1) { edges { node { steps(first: 5) { edges { node { stepId type status lastError { code }
      stepDetails { __typename ... on UnknownRunStepDetails { rawType raw } ... on RunStepToolCallsDetails { toolCalls { __typename
        ... on UnknownRunStepToolCall { rawType }
        ... on CodeInterpreterToolCall { codeInterpreter { outputs { __typename ... on UnknownCodeInterpreterOutput { rawType } ... on CodeInterpreterLogsOutput { logs } } } } } } } } } } } } } } }`);
    expect(steps.body.errors, JSON.stringify(steps.body.errors)).toBeUndefined();
    const nodes = steps.body.data.thread.runs.edges[0].node.steps.edges.map((e: any) => e.node);
    expect(nodes).toEqual([
      { stepId: 'step_1', type: 'UNKNOWN', status: 'UNKNOWN', lastError: null, stepDetails: { __typename: 'UnknownRunStepDetails', rawType: 'reasoning', raw: { type: 'reasoning', reasoning: { summary: 'hmm' } } } },
      {
        stepId: 'step_2', type: 'TOOL_CALLS', status: 'COMPLETED', lastError: { code: 'UNKNOWN' },
        stepDetails: { __typename: 'RunStepToolCallsDetails', toolCalls: [
          { __typename: 'UnknownRunStepToolCall', rawType: 'web_search' },
          { __typename: 'CodeInterpreterToolCall', codeInterpreter: { outputs: [{ __typename: 'UnknownCodeInterpreterOutput', rawType: 'chart' }, { __typename: 'CodeInterpreterLogsOutput', logs: 'ok' }] } },
        ] },
      },
    ]);
  });

  it('never forwards client headers to the upstream', async () => {
    const seen: Headers[] = [];
    const fetch = (async (_input: unknown, init?: RequestInit) => {
      seen.push(new Headers(init?.headers));
      return new Response(JSON.stringify({ ...base, id: 'thread_1', object: 'thread', tool_resources: null }), { status: 200 });
    }) as typeof globalThis.fetch;
    const config = loadConfig({ NODE_ENV: 'test', UPSTREAM_BASE_URL: 'http://upstream.test/v1', UPSTREAM_API_KEY: 'sk-gateway', UPSTREAM_HEADERS: 'x-tenant=acme' });
      const services: GatewayServices = createServices(config, { fetch });
    const yoga = createYoga({ schema, context: () => createContext(services), logging: false });
    const response = await yoga.fetch('http://yoga/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-client', 'openai-beta': 'assistants=v1', cookie: 'a=b', 'x-custom': '1' },
      body: JSON.stringify({ query: '{ thread(id: "thread_1") { threadId } }' }),
    });
    expect(await response.json()).toEqual({ data: { thread: { threadId: 'thread_1' } } });
    expect(Object.fromEntries(seen[0]!.entries())).toEqual({ accept: 'application/json', authorization: 'Bearer sk-gateway', 'openai-beta': 'assistants=v2', 'x-tenant': 'acme' });
  });
});
