import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generate } from '@graphql-codegen/cli';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { DEMO_IDS } from '../../../src/runs-api/engines/simulated/demo.js';
import { startStack, type Stack } from '../../../test/helpers/stack.js';
import codegenConfig from '../codegen.js';
import { createGatewayClient, GatewayError, type GatewayClient, type Run } from '../src/client.js';
import * as documents from '../src/documents.js';
import { TypedDocumentString, type RunPageQuery as RunPageResult, type RunPageQueryVariables } from '../src/gql/graphql.js';

/**
 * The frontend example end to end: its committed types and manifest are what codegen makes of schema.graphql today,
 * and its client drives a production gateway that runs only that manifest.
 */

const MANIFEST = fileURLToPath(new URL('../src/gql/persisted-documents.json', import.meta.url));
const manifest = JSON.parse(readFileSync(MANIFEST, 'utf8')) as Record<string, string>;
const API_KEY = 'key-frontend-0123456789';

describe('the generated client kit', () => {
  it('is what `npm run example:codegen` makes of schema.graphql and documents.ts today', async () => {
    const outputs = (await generate(codegenConfig, false)) as Array<{ filename: string; content: string }>;
    expect(outputs.map((output) => output.filename).sort()).toEqual(
      ['gql.ts', 'graphql.ts', 'index.ts', 'persisted-documents.json'].map((name) => fileURLToPath(new URL(`../src/gql/${name}`, import.meta.url))),
    );
    for (const output of outputs) expect(readFileSync(output.filename, 'utf8'), `${output.filename} is stale: run npm run example:codegen`).toBe(output.content);
  });

  it('lists each operation of documents.ts under the SHA-256 of its text, the id the document carries', () => {
    // Fragments have no id of their own: they travel inside the operations that spread them.
    const ids = Object.values(documents).flatMap((document) => (typeof document.__meta__?.['hash'] === 'string' ? [document.__meta__['hash'] as string] : []));
    expect(ids).toHaveLength(5);
    expect(Object.keys(manifest).sort()).toEqual(ids.sort());
    for (const [id, document] of Object.entries(manifest)) expect(id).toBe(`sha256:${createHash('sha256').update(document).digest('hex')}`);
    expect(manifest[documents.RunPageQuery.__meta__?.['hash'] as string]).toMatch(/^fragment RunFields on RunObject .* query RunPage\(/);
  });
});

describe('the example client against a production gateway with PERSISTED_DOCUMENTS', () => {
  let stack: Stack;
  let client: GatewayClient;
  beforeAll(async () => {
    stack = await startStack({
      // The demo data has the Weather assistant, whose get_weather tool makes each run wait for a tool output.
      runsApi: { stepMs: 50, demoData: true },
      env: {
        NODE_ENV: 'production',
        GATEWAY_AUTH: 'api-key',
        GATEWAY_API_KEYS: `web:${API_KEY}`,
        PERSISTED_DOCUMENTS: MANIFEST,
        LIVE_POLL_INTERVAL_MS: '50',
      },
    });
    client = createGatewayClient({ httpUrl: stack.gateway.url, wsUrl: stack.gateway.wsUrl, token: API_KEY, webSocketImpl: WebSocket });
  });
  afterAll(async () => {
    await client?.close();
    await stack?.close();
  });

  it('starts a run that asks for a tool, sees requires_action live, answers it, and sees the run complete on its run page', async () => {
    const started = await client.startThreadAndRun({
      assistantId: DEMO_IDS.assistants.weather,
      thread: { messages: [{ role: 'USER', content: [{ text: "What's the weather in Oslo?" }] }] },
    });
    const seen: Run[] = [];
    let waitingPage: Awaited<ReturnType<GatewayClient['runPage']>> = null;
    for await (const run of client.watchRun(started.threadId, started.runId)) {
      seen.push(run);
      const call = run.requiredAction?.submitToolOutputs.toolCalls[0];
      if (run.status === 'REQUIRES_ACTION' && call && !waitingPage) {
        waitingPage = await client.runPage(run.threadId, run.runId);
        await client.submitToolOutputs({ threadId: run.threadId, runId: run.runId, toolOutputs: [{ toolCallId: call.id, output: '{"celsius":21}' }] });
      }
    }
    const statuses = seen.map((run) => run.status).filter((status, index, all) => status !== all[index - 1]);
    expect(statuses).toContain('REQUIRES_ACTION');
    expect(statuses.at(-1)).toBe('COMPLETED');

    const toolCall = waitingPage!.requiredAction!.submitToolOutputs.toolCalls[0]!;
    expect(toolCall.function.name).toBe('get_weather');
    const functionCalls = (page: NonNullable<typeof waitingPage>) =>
      page.steps!.edges.flatMap(({ node }) => (node.stepDetails.__typename === 'RunStepToolCallsDetails' ? node.stepDetails.toolCalls.filter((call) => call.__typename === 'FunctionToolCall') : []));
    expect(functionCalls(waitingPage!)).toMatchObject([{ id: toolCall.id, function: { name: 'get_weather', output: null } }]);

    const done = (await client.runPage(started.threadId, started.runId))!;
    expect(done.status).toBe('COMPLETED');
    expect(functionCalls(done)).toMatchObject([{ id: toolCall.id, function: { output: '{"celsius":21}' } }]);
    expect(done.steps!.edges.map(({ node }) => node.type)).toEqual(['TOOL_CALLS', 'MESSAGE_CREATION']);
    const texts = done.messages!.edges.map(({ node }) => [node.role, node.content.map((part) => (part.__typename === 'MessageContentText' ? part.text.value : '')).join('')]);
    expect(texts).toHaveLength(1);
    expect(texts[0]![0]).toBe('ASSISTANT');
    expect(texts[0]![1]).not.toBe('');
    expect(await client.runPage(started.threadId, 'run_unknown')).toBeNull();
  });

  it('starts another run on the same thread (createRun), and its page has the new reply', async () => {
    const finished = async (run: Run) => {
      let last: Run | undefined;
      for await (const update of client.watchRun(run.threadId, run.runId)) last = update;
      return last;
    };
    const first = await client.startThreadAndRun({ assistantId: DEMO_IDS.assistants.plain, thread: { messages: [{ role: 'USER', content: [{ text: 'First question' }] }] } });
    expect((await finished(first))?.status).toBe('COMPLETED');
    const second = await client.startRun({
      threadId: first.threadId,
      assistantId: DEMO_IDS.assistants.plain,
      additionalMessages: [{ role: 'USER', content: [{ text: 'Second question' }] }],
    });
    expect(second).toMatchObject({ threadId: first.threadId, assistant: { name: 'Echo' } });
    expect(second.runId).not.toBe(first.runId);
    expect((await finished(second))?.status).toBe('COMPLETED');
    const page = (await client.runPage(second.threadId, second.runId))!;
    expect(page.messages!.edges.map(({ node }) => node.content.map((part) => (part.__typename === 'MessageContentText' ? part.text.value : '')).join(''))).toEqual([
      'You said: Second question',
    ]);
  });

  it('refuses a document outside the manifest, and document text, before any upstream call', async () => {
    // As another build of the frontend would have it: a typed document with its own hash, in no manifest the gateway has.
    const text = 'query Outside($threadId: ID!, $runId: ID!) { run(threadId: $threadId, runId: $runId) { instructions } }';
    const outside = new TypedDocumentString<RunPageResult, RunPageQueryVariables>(text, { hash: `sha256:${createHash('sha256').update(text).digest('hex')}` });
    const asText = createGatewayClient({ httpUrl: stack.gateway.url, wsUrl: stack.gateway.wsUrl, token: API_KEY, webSocketImpl: WebSocket, send: 'text' });
    const variables = { threadId: DEMO_IDS.thread, runId: DEMO_IDS.runs.completed };
    const calls = stack.api.requestLog.length;
    try {
      const refusals = await Promise.all([
        client.execute(outside, variables).catch((error: unknown) => error),
        asText.execute(outside, variables).catch((error: unknown) => error),
        // Even the text of a listed operation: production runs ids only.
        asText.runPage(variables.threadId, variables.runId).catch((error: unknown) => error),
        (async () => {
          for await (const run of asText.watchRun(variables.threadId, variables.runId)) return run;
          return undefined;
        })().catch((error: unknown) => error),
      ]);
      expect(refusals.every((refusal) => refusal instanceof GatewayError)).toBe(true);
      expect(refusals.map((refusal) => (refusal as GatewayError).code)).toEqual(['PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_ONLY', 'PERSISTED_QUERY_ONLY', 'PERSISTED_QUERY_ONLY']);
      expect((refusals[0] as GatewayError).status).toBe(400);
      expect(stack.api.requestLog.length).toBe(calls);
    } finally {
      await asText.close();
    }
  });

  it('`npm run example:demo -- --persisted` goes through the same flow as a process of its own', async () => {
    const demo = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('../src/demo.ts', import.meta.url)), '--persisted'], {
      env: { PATH: process.env['PATH'] ?? '', GATEWAY_URL: stack.gateway.url, GATEWAY_TOKEN: API_KEY },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    demo.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    demo.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const [code] = (await once(demo, 'exit')) as [number | null];
    expect(output).toMatch(/^run run_\S+ on thread thread_\S+$/m);
    expect(output).toMatch(/^status REQUIRES_ACTION$/m);
    expect(output).toMatch(/^tool call get_weather\(.*Oslo.*\)$/m);
    expect(output).toMatch(/^status COMPLETED$/m);
    expect(output).toMatch(/^step TOOL_CALLS COMPLETED\nstep MESSAGE_CREATION COMPLETED$/m);
    expect(output).toMatch(/^message ASSISTANT: \S/m);
    expect(output).not.toContain(API_KEY);
    expect(code).toBe(0);
  });

  it('refuses a client without the key', async () => {
    const anonymous = createGatewayClient({ httpUrl: stack.gateway.url });
    const refusal = await anonymous.runPage(DEMO_IDS.thread, DEMO_IDS.runs.completed).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(GatewayError);
    expect((refusal as GatewayError).code).toBe('UNAUTHENTICATED');
    expect((refusal as GatewayError).message).not.toContain(API_KEY);
  });
});

describe('the example client against a development gateway (no manifest)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ runsApi: { demoData: true } });
  });
  afterAll(() => stack?.close());

  it('sends the documents as text', async () => {
    const client = createGatewayClient({ httpUrl: stack.gateway.url, send: 'text' });
    expect(await client.runPage(DEMO_IDS.thread, DEMO_IDS.runs.requiresAction)).toMatchObject({
      status: 'REQUIRES_ACTION',
      requiredAction: { submitToolOutputs: { toolCalls: [{ id: DEMO_IDS.toolCall, function: { name: 'get_weather' } }] } },
    });
    // Ids alone mean nothing to a gateway without PERSISTED_DOCUMENTS.
    const byId = createGatewayClient({ httpUrl: stack.gateway.url });
    const refusal = await byId.runPage(DEMO_IDS.thread, DEMO_IDS.runs.completed).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(GatewayError);
    expect((refusal as GatewayError).code).toBe('BAD_REQUEST');
  });
});
