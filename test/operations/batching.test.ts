import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUpstreamClient } from '../../src/upstream/client.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { ROUTES, callsSince, createAssistant, createThread, globalId, settledRun } from '../helpers/fixtures.js';

/**
 * Upstream call counts for a page of runs and for repeated reads, against the embedded runs API over HTTP,
 * with per-request loaders and in-flight dedupe on (the default) and off.
 */
const RUNS = 50;

const PAGE_QUERY = /* GraphQL */ `
  query Page($threadId: ID!) {
    thread(id: $threadId) {
      threadId
      runs(first: 50) {
        pageInfo { hasNextPage }
        edges {
          node {
            runId
            status
            assistant { name }
            thread { id }
            steps(first: 5) { edges { node { stepId type stepDetails { __typename } } } }
          }
        }
      }
    }
  }
`;

const TEN_TIMES_QUERY = /* GraphQL */ `
  query Same($threadId: ID!, $runId: ID!, $threadGlobal: ID!, $runGlobal: ID!) {
    a: run(threadId: $threadId, runId: $runId) { status }
    b: run(threadId: $threadId, runId: $runId) { runId }
    c: run(threadId: $threadGlobal, runId: $runId) { model }
    d: run(threadId: $threadId, runId: $runGlobal) { status }
    e: run(threadId: $threadGlobal, runId: $runGlobal) { createdAt }
    f: run(threadId: $threadId, runId: $runId) { assistantId }
    g: run(threadId: $threadId, runId: $runId) { object }
    h: node(id: $runGlobal) { id ... on RunObject { status } }
    i: node(id: $runGlobal) { ... on RunObject { runId } }
    j: nodes(ids: [$runGlobal]) { ... on RunObject { threadId } }
  }
`;

type Mode = { loaders: boolean; dedupe: boolean };

describe('batching and dedupe (embedded runs API over HTTP)', () => {
  let stack: Stack;
  let threadId: string;
  let runIds: string[];
  const assistantNames = ['Ada', 'Grace', 'Katherine'];
  const measured: string[] = [];

  function setMode(mode: Mode) {
    stack.gateway.services.loaders = mode.loaders;
    // "dedupe off" measures every client on its own: no shared execution either.
    stack.gateway.services.sharedExecution = mode.dedupe;
    stack.gateway.services.upstream = createUpstreamClient({ config: stack.config.upstream, metrics: stack.gateway.metrics, dedupe: mode.dedupe });
  }

  async function measure<T>(label: string, run: () => Promise<T>): Promise<{ result: T; calls: Record<string, number> }> {
    const mark = stack.api.requestLog.length;
    const result = await run();
    const calls = callsSince(stack.api, mark);
    measured.push(`${label}: ${JSON.stringify(calls)}`);
    return { result, calls };
  }

  beforeAll(async () => {
    stack = await startStack({ runsApi: { stepMs: 5 } });
    const assistants = await Promise.all(assistantNames.map((name) => createAssistant(stack.api, { name })));
    const thread = await createThread(stack.api);
    threadId = thread.id;
    runIds = [];
    for (let i = 0; i < RUNS; i++) runIds.push((await settledRun(stack.api, threadId, { assistant_id: assistants[i % 3].id })).id);
  }, 60_000);

  afterAll(async () => {
    console.log(`upstream calls measured:\n  ${measured.join('\n  ')}`);
    await stack?.close();
  });

  it('reads a page of 50 runs with 1 runs-list call, 3 assistant GETs, 1 thread GET and one steps call per run', async () => {
    setMode({ loaders: true, dedupe: true });
    const { result, calls } = await measure('50 runs, loaders on, dedupe on', () => stack.query(PAGE_QUERY, { threadId }));
    expect(result.errors).toBeUndefined();
    const edges = result.data!.thread.runs.edges;
    expect(edges).toHaveLength(RUNS);
    expect(new Set(edges.map((e: any) => e.node.assistant.name))).toEqual(new Set(assistantNames));
    expect(edges.every((e: any) => e.node.status === 'COMPLETED' && e.node.steps.edges.length >= 1)).toBe(true);
    expect(edges.map((e: any) => e.node.runId)).toEqual([...runIds].reverse());
    expect(calls).toEqual({ [ROUTES.runs]: 1, [ROUTES.assistant]: 3, [ROUTES.thread]: 1, [ROUTES.steps]: RUNS });
  });

  it('reads the same run 10 times (aliases, global ids, node, nodes) with 1 GET', async () => {
    setMode({ loaders: true, dedupe: true });
    const runId = runIds[7]!;
    const variables = { threadId, runId, threadGlobal: globalId('Thread', threadId), runGlobal: globalId('RunObject', `${threadId}:${runId}`) };
    const { result, calls } = await measure('same run x10, loaders on, dedupe on', () => stack.query(TEN_TIMES_QUERY, variables));
    expect(result.errors).toBeUndefined();
    expect(result.data!.b.runId).toBe(runId);
    expect(result.data!.h.id).toBe(variables.runGlobal);
    expect(result.data!.j).toEqual([{ threadId }]);
    expect(calls).toEqual({ [ROUTES.run]: 1 });
  });

  it('shares one upstream GET between 100 concurrent requests for the same run (in-flight dedupe)', async () => {
    setMode({ loaders: true, dedupe: true });
    const runId = runIds[3]!;
    // Hold the upstream answer so that the 100 requests overlap for sure.
    stack.api.faults.set([{ method: 'GET', route: '/threads/{thread_id}/runs/{run_id}', kind: 'latency', ms: 300 }]);
    try {
      const { result, calls } = await measure('100 concurrent clients, dedupe on', () =>
        Promise.all(Array.from({ length: 100 }, () => stack.query('query($t: ID!, $r: ID!) { run(threadId: $t, runId: $r) { status } }', { t: threadId, r: runId }))),
      );
      expect(result.every((r) => r.data?.run?.status === 'COMPLETED')).toBe(true);
      expect(calls).toEqual({ [ROUTES.run]: 1 });

      setMode({ loaders: true, dedupe: false });
      const off = await measure('100 concurrent clients, dedupe off', () =>
        Promise.all(Array.from({ length: 100 }, () => stack.query('query($t: ID!, $r: ID!) { run(threadId: $t, runId: $r) { status } }', { t: threadId, r: runId }))),
      );
      expect(off.calls).toEqual({ [ROUTES.run]: 100 });
    } finally {
      stack.api.faults.clear();
      setMode({ loaders: true, dedupe: true });
    }
  });

  it('measures the same queries with loaders and dedupe turned off', async () => {
    const runId = runIds[7]!;
    const tenVariables = { threadId, runId, threadGlobal: globalId('Thread', threadId), runGlobal: globalId('RunObject', `${threadId}:${runId}`) };
    const results: Record<string, Record<string, number>> = {};
    for (const mode of [
      { loaders: true, dedupe: false },
      { loaders: false, dedupe: true },
      { loaders: false, dedupe: false },
    ]) {
      setMode(mode);
      const label = `loaders ${mode.loaders ? 'on' : 'off'}, dedupe ${mode.dedupe ? 'on' : 'off'}`;
      const page = await measure(`50 runs, ${label}`, () => stack.query(PAGE_QUERY, { threadId }));
      expect(page.result.errors).toBeUndefined();
      expect(page.result.data!.thread.runs.edges).toHaveLength(RUNS);
      const ten = await measure(`same run x10, ${label}`, () => stack.query(TEN_TIMES_QUERY, tenVariables));
      expect(ten.result.errors).toBeUndefined();
      results[`page ${label}`] = page.calls;
      results[`ten ${label}`] = ten.calls;
    }
    setMode({ loaders: true, dedupe: true });

    // Loaders alone already give the minimum.
    expect(results['page loaders on, dedupe off']).toEqual({ [ROUTES.runs]: 1, [ROUTES.assistant]: 3, [ROUTES.thread]: 1, [ROUTES.steps]: RUNS });
    expect(results['ten loaders on, dedupe off']).toEqual({ [ROUTES.run]: 1 });
    // Without either, every field is its own call.
    expect(results['page loaders off, dedupe off']).toEqual({ [ROUTES.runs]: 1, [ROUTES.assistant]: RUNS, [ROUTES.thread]: RUNS + 1, [ROUTES.steps]: RUNS });
    expect(results['ten loaders off, dedupe off']).toEqual({ [ROUTES.run]: 10 });
    // Dedupe alone shares what is in flight at the same moment, which is most of it.
    const dedupeOnly = results['page loaders off, dedupe on']!;
    expect(dedupeOnly[ROUTES.assistant]).toBeLessThan(RUNS);
    expect(dedupeOnly[ROUTES.thread]).toBeLessThanOrEqual(RUNS + 1);
  });
});
