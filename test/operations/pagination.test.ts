import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.js';
import { ROUTES, callsSince, createAssistant, createMessage, createThread, listAll, settledRun, submitToolOutputs } from '../helpers/fixtures.js';
import { waitForRun } from '../helpers/runs-api.js';

interface Page {
  edges: Array<{ cursor: string; node: { key: string } }>;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}
type Args = { first?: number; after?: string; last?: number; before?: string; order: 'ASC' | 'DESC' };
type Fetch = (args: Args) => Promise<Page>;

const PAGE = 'pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { key: __typename } }';

describe('Relay pagination over the upstream cursors (embedded runs API over HTTP)', () => {
  let stack: Stack;
  let messagesThread: string;
  let runsThread: string;
  let stepsRun: { threadId: string; runId: string };

  beforeAll(async () => {
    stack = await startStack({ runsApi: { stepMs: 5 } });
    const thread = await createThread(stack.api, {});
    messagesThread = thread.id;
    for (let i = 0; i < 23; i++) await createMessage(stack.api, messagesThread, { role: 'user', content: `message ${i}` });
    const assistants = [];
    for (let i = 0; i < 13; i++) assistants.push(await createAssistant(stack.api, { name: `assistant ${i}` }));
    runsThread = (await createThread(stack.api)).id;
    for (let i = 0; i < 12; i++) await settledRun(stack.api, runsThread, { assistant_id: assistants[i % 2].id });
    const toolAssistant = await createAssistant(stack.api, {
      name: 'tools',
      tools: [{ type: 'code_interpreter' }, { type: 'file_search' }, { type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: {} } } }],
    });
    const toolThread = (await createThread(stack.api)).id;
    const run = await settledRun(stack.api, toolThread, { assistant_id: toolAssistant.id });
    expect(run.status).toBe('requires_action');
    await submitToolOutputs(stack.api, toolThread, run.id, [{ tool_call_id: run.required_action.submit_tool_outputs.tool_calls[0].id, output: '42' }]);
    await waitForRun(stack.api, toolThread, run.id, ['completed']);
    stepsRun = { threadId: toolThread, runId: run.id };
  }, 60_000);

  afterAll(() => stack?.close());

  const argsDoc = (args: Args) =>
    Object.entries(args)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}: ${typeof v === 'string' && k !== 'order' ? JSON.stringify(v) : v}`)
      .join(', ');

  async function query(doc: string): Promise<any> {
    const result = await stack.query(doc);
    expect(result.errors).toBeUndefined();
    return result.data;
  }

  const resources: Record<string, { fetch: Fetch; upstream: (order: string) => Promise<string[]>; pageSize: number }> = {
    'Thread.messages': {
      fetch: async (args) => (await query(`{ thread(id: "${messagesThread}") { messages(${argsDoc(args)}) { ${PAGE} } } }`)).thread.messages,
      upstream: async (order) => (await listAll(stack.api, `/threads/${messagesThread}/messages?limit=100&order=${order}`)).map((m) => m.id),
      pageSize: 5,
    },
    'Thread.runs': {
      fetch: async (args) => (await query(`{ thread(id: "${runsThread}") { runs(${argsDoc(args)}) { ${PAGE} } } }`)).thread.runs,
      upstream: async (order) => (await listAll(stack.api, `/threads/${runsThread}/runs?limit=100&order=${order}`)).map((r) => r.id),
      pageSize: 5,
    },
    'Query.assistants': {
      fetch: async (args) => (await query(`{ assistants(${argsDoc(args)}) { ${PAGE} } }`)).assistants,
      upstream: async (order) => (await listAll(stack.api, `/assistants?limit=100&order=${order}`)).map((a) => a.id),
      pageSize: 4,
    },
    'RunObject.steps': {
      fetch: async (args) => (await query(`{ run(threadId: "${stepsRun.threadId}", runId: "${stepsRun.runId}") { steps(${argsDoc(args)}) { ${PAGE} } } }`)).run.steps,
      upstream: async (order) => (await listAll(stack.api, `/threads/${stepsRun.threadId}/runs/${stepsRun.runId}/steps?limit=100&order=${order}`)).map((s) => s.id),
      pageSize: 1,
    },
  };

  for (const [name, resource] of Object.entries(resources)) {
    for (const order of ['DESC', 'ASC'] as const) {
      it(`${name} (${order}): forward and backward walks across page boundaries match the upstream order`, async () => {
        const expected = await resource.upstream(order.toLowerCase());
        expect(expected.length).toBeGreaterThan(resource.pageSize);
        const size = resource.pageSize;

        // Forward: first/after.
        const forward: string[] = [];
        let after: string | undefined;
        for (let pageNo = 0; ; pageNo++) {
          const mark = stack.api.requestLog.length;
          const page = await resource.fetch({ first: size, ...(after ? { after } : {}), order });
          expect(Object.values(callsSince(stack.api, mark)).reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(2); // one page call (+ the parent)
          forward.push(...page.edges.map((e) => e.cursor));
          expect(page.pageInfo.hasPreviousPage).toBe(pageNo > 0);
          expect(page.pageInfo.startCursor).toBe(page.edges[0]?.cursor ?? null);
          expect(page.pageInfo.endCursor).toBe(page.edges.at(-1)?.cursor ?? null);
          if (!page.pageInfo.hasNextPage) break;
          expect(page.edges).toHaveLength(size);
          after = page.pageInfo.endCursor!;
        }
        expect(forward).toEqual(expected);

        // Backward: last/before, from the end of the list.
        const backward: string[] = [];
        let before: string | undefined;
        for (let pageNo = 0; ; pageNo++) {
          const page = await resource.fetch({ last: size, ...(before ? { before } : {}), order });
          backward.unshift(...page.edges.map((e) => e.cursor));
          expect(page.pageInfo.hasNextPage).toBe(pageNo > 0);
          if (!page.pageInfo.hasPreviousPage) break;
          expect(page.edges).toHaveLength(size);
          before = page.pageInfo.startCursor!;
        }
        expect(backward).toEqual(expected);

        // Windows between cursors.
        const [x, y] = [expected[1]!, expected[expected.length - 2]!];
        const ids = async (args: Args) => (await resource.fetch(args)).edges.map((e) => e.cursor);
        expect(await ids({ first: 2, after: x, order })).toEqual(expected.slice(2, 4));
        expect(await ids({ last: 2, before: y, order })).toEqual(expected.slice(-4, -2));
        expect(await ids({ last: 2, after: x, order })).toEqual(expected.slice(-2));
        expect(await ids({ first: 2, before: y, order })).toEqual(expected.slice(0, 2));
        expect(await ids({ first: 100, after: x, before: y, order })).toEqual(expected.slice(2, -2));
        expect(await ids({ last: 100, after: x, before: y, order })).toEqual(expected.slice(2, -2));
      });
    }
  }

  it('costs one upstream page call per connection, also for a page of 100', async () => {
    const mark = stack.api.requestLog.length;
    const data = await query(`{ thread(id: "${messagesThread}") { messages(first: 100) { edges { cursor } } } }`);
    expect(data.thread.messages.edges).toHaveLength(23);
    expect(callsSince(stack.api, mark)).toEqual({ [ROUTES.thread]: 1, [ROUTES.messages]: 1 });
  });

  it('shares one call between identical connection arguments in one operation', async () => {
    const mark = stack.api.requestLog.length;
    const data = await query(`{
      a: thread(id: "${runsThread}") { runs(first: 3) { edges { cursor } } }
      b: thread(id: "${runsThread}") { runs(first: 3) { edges { cursor } } other: runs(first: 4) { edges { cursor } } }
    }`);
    expect(data.a.runs).toEqual(data.b.runs);
    expect(callsSince(stack.api, mark)).toEqual({ [ROUTES.thread]: 1, [ROUTES.runs]: 2 });
  });

  it('rejects page sizes above 100 (and first with last) as BAD_USER_INPUT without calling upstream', async () => {
    for (const args of ['first: 101', 'last: 101', 'first: 0', 'first: 2, last: 2']) {
      const mark = stack.api.requestLog.length;
      const result = await stack.query(`{ assistants(${args}) { edges { cursor } } }`);
      expect(result.data).toEqual({ assistants: null });
      expect(result.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
      expect(result.errors?.[0]?.path).toEqual(['assistants']);
      expect(callsSince(stack.api, mark)).toEqual({});
    }
  });
});
