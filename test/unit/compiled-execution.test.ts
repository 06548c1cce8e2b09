import { describe, expect, it, vi } from 'vitest';
import { GraphQLError } from 'graphql';
import { createSchema, createYoga, type Plugin } from 'graphql-yoga';

/** graphql-jit as it is, with a switch that makes the next compilations fail (a document it cannot compile). */
const jit = vi.hoisted(() => ({ failNext: 0, compilations: 0 }));
vi.mock('graphql-jit', async (importOriginal) => {
  const original = await importOriginal<typeof import('graphql-jit')>();
  return {
    ...original,
    compileQuery: (...args: Parameters<typeof original.compileQuery>) => {
      jit.compilations += 1;
      if (jit.failNext > 0) {
        jit.failNext -= 1;
        throw new Error('cannot compile this one');
      }
      return original.compileQuery(...args);
    },
  };
});

const { useCompiledQueries } = await import('../../src/server/compiled-execution.js');

/** A resolver's error, with something of its own that masking reads from `originalError`. */
class UpstreamRefusal extends Error {
  readonly status = 403;
}

function setup(options: { maxCompiled?: number; compileAfter?: number } = {}) {
  const switches = { enabled: true };
  const failures: unknown[] = [];
  const compiled = useCompiledQueries({ enabled: () => switches.enabled, onCompileFailure: (error) => failures.push(error), ...options });
  const originals: unknown[] = [];
  const schema = createSchema({
    typeDefs: /* GraphQL */ `
      type Query { item(id: ID!): Item! items: [Item!]! echo(text: String = "hi"): String! }
      type Item { id: ID! name: String! secret: String owner: Item }
      type Mutation { bump: Int! }
      type Subscription { ticks: Int! }
    `,
    resolvers: {
      Query: {
        item: (_root: unknown, args: { id: string }) => ({ id: args.id }),
        items: async () => [{ id: 'a' }, { id: 'b' }],
        echo: (_root: unknown, args: { text: string }) => args.text,
      },
      Item: {
        name: (item: { id: string }) => `item ${item.id}`,
        secret: (item: { id: string }) => {
          if (item.id === 'b') throw new UpstreamRefusal(`no access to ${item.id}`);
          return `secret ${item.id}`;
        },
        owner: async (item: { id: string }) => {
          if (item.id === 'a') throw new Error('owner unknown');
          return { id: 'owner' };
        },
      },
      Mutation: { bump: () => 1 },
      Subscription: {
        ticks: {
          subscribe: async function* () {
            yield { ticks: 1 };
          },
        },
      },
    },
  });
  // Masking as the gateway's: what a client sees depends on the original error (src/security/masking.ts).
  const yoga = createYoga({
    schema,
    plugins: [compiled as Plugin],
    logging: false,
    maskedErrors: {
      maskError: (error) => {
        const original = error instanceof GraphQLError ? error.originalError : undefined;
        originals.push(original);
        if (original instanceof UpstreamRefusal) return new GraphQLError(original.message, { nodes: (error as GraphQLError).nodes, path: (error as GraphQLError).path, extensions: { code: 'FORBIDDEN', status: original.status } });
        return error as Error;
      },
    },
  });
  const run = async (query: string, variables?: Record<string, unknown>, operationName?: string) => {
    const response = await yoga.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables, operationName }),
    });
    return (await response.json()) as { data?: unknown; errors?: Array<Record<string, unknown>> };
  };
  return { run, switches, failures, originals, compiledCount: () => compiled.compiledCount() };
}

const ITEMS = /* GraphQL */ `
  query Items { items { id name secret ...Owned } first: item(id: "b") { ... on Item { alias: secret } } }
  fragment Owned on Item { owner { id } }
`;

describe('queries executed by graphql-jit (useCompiledQueries)', () => {
  it('runs a document on the standard executor first and compiles it on its second execution, with the same answer', async () => {
    const { run, compiledCount } = setup();
    const before = jit.compilations;
    const first = await run('query One($id: ID!) { item(id: $id) { id name } echo }', { id: 'x' });
    expect(compiledCount()).toBe(0);
    expect(jit.compilations).toBe(before);
    const second = await run('query One($id: ID!) { item(id: $id) { id name } echo }', { id: 'y' });
    expect(compiledCount()).toBe(1);
    expect(jit.compilations).toBe(before + 1);
    expect(first).toEqual({ data: { item: { id: 'x', name: 'item x' }, echo: 'hi' } });
    expect(second).toEqual({ data: { item: { id: 'y', name: 'item y' }, echo: 'hi' } });
    // Compiled once: later executions, with other variables, reuse it.
    expect(await run('query One($id: ID!) { item(id: $id) { id name } echo }', { id: 'z' })).toEqual({ data: { item: { id: 'z', name: 'item z' }, echo: 'hi' } });
    expect(jit.compilations).toBe(before + 1);
  });

  it('answers with the errors graphql’s executor gives: message, locations, path, masking by the original error', async () => {
    const standard = setup();
    standard.switches.enabled = false;
    const expected = await standard.run(ITEMS);
    expect(expected.errors?.length).toBe(3);

    const compiledSetup = setup();
    await compiledSetup.run(ITEMS);
    const answer = await compiledSetup.run(ITEMS);
    expect(compiledSetup.compiledCount()).toBe(1);
    // Same data, same errors in the same order with the same locations (through an alias, an inline fragment and a
    // fragment spread), and masking saw the resolver's own error: its code and status reach the client.
    expect(answer).toEqual(expected);
    expect(answer.errors).toContainEqual(expect.objectContaining({ message: 'no access to b', extensions: { code: 'FORBIDDEN', status: 403 }, path: ['first', 'alias'] }));
    expect(answer.errors?.every((error) => Array.isArray(error['locations']) && (error['locations'] as unknown[]).length > 0)).toBe(true);
    expect(compiledSetup.originals.filter((original) => original instanceof UpstreamRefusal)).toHaveLength(4);
  });

  it('reports invalid variables as the standard executor does', async () => {
    const standard = setup();
    standard.switches.enabled = false;
    const compiledSetup = setup();
    const query = 'query One($id: ID!) { item(id: $id) { id } }';
    await compiledSetup.run(query, { id: 'warm' });
    await compiledSetup.run(query, { id: 'warm' });
    expect(compiledSetup.compiledCount()).toBe(1);
    for (const variables of [{}, { id: { nested: true } }, { id: null }]) {
      expect(await compiledSetup.run(query, variables)).toEqual(await standard.run(query, variables));
    }
  });

  it('compiles queries only: mutations and subscriptions stay on the standard executor', async () => {
    const { run, compiledCount } = setup({ compileAfter: 0 });
    const before = jit.compilations;
    for (let i = 0; i < 3; i++) expect(await run('mutation { bump }')).toEqual({ data: { bump: 1 } });
    expect(compiledCount()).toBe(0);
    expect(jit.compilations).toBe(before);
    // A document with both: the query in it is compiled, the mutation is not.
    const both = 'query Q { echo } mutation M { bump }';
    expect(await run(both, undefined, 'M')).toEqual({ data: { bump: 1 } });
    expect(await run(both, undefined, 'Q')).toEqual({ data: { echo: 'hi' } });
    expect(compiledCount()).toBe(1);
    expect(jit.compilations).toBe(before + 1);
  });

  it('keeps at most maxCompiled operations, the least recently used leaving first (and compiling again later)', async () => {
    const { run, compiledCount } = setup({ maxCompiled: 2, compileAfter: 0 });
    const before = jit.compilations;
    const queries = ['{ echo(text: "a") }', '{ echo(text: "b") }', '{ echo(text: "c") }'];
    await run(queries[0]!);
    await run(queries[1]!);
    await run(queries[0]!); // a is now the most recently used
    expect(compiledCount()).toBe(2);
    await run(queries[2]!); // b leaves
    expect(compiledCount()).toBe(2);
    expect(jit.compilations).toBe(before + 3);
    await run(queries[0]!);
    expect(jit.compilations).toBe(before + 3);
    expect(await run(queries[1]!)).toEqual({ data: { echo: 'b' } });
    expect(jit.compilations).toBe(before + 4);
    expect(compiledCount()).toBe(2);
  });

  it('leaves an operation that does not compile on the standard executor, and never tries it again', async () => {
    const { run, compiledCount, failures } = setup({ compileAfter: 0 });
    const before = jit.compilations;
    jit.failNext = 1;
    for (let i = 0; i < 3; i++) expect(await run('{ echo(text: "stays") }')).toEqual({ data: { echo: 'stays' } });
    expect(failures).toHaveLength(1);
    expect(jit.compilations).toBe(before + 1);
    expect(compiledCount()).toBe(0);
  });

  it('compiles nothing while switched off, and answers alike', async () => {
    const { run, compiledCount, switches } = setup({ compileAfter: 0 });
    switches.enabled = false;
    const before = jit.compilations;
    for (let i = 0; i < 3; i++) expect(await run('{ echo }')).toEqual({ data: { echo: 'hi' } });
    expect(compiledCount()).toBe(0);
    expect(jit.compilations).toBe(before);
    switches.enabled = true;
    expect(await run('{ echo }')).toEqual({ data: { echo: 'hi' } });
    expect(compiledCount()).toBe(1);
  });
});
