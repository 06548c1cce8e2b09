import { describe, expect, it } from 'vitest';
import { createSchema, createYoga } from 'graphql-yoga';
import { useSharedQueryExecution } from '../../src/server/shared-execution.js';
import type { Identity } from '../../src/security/auth.js';

/** A schema whose resolvers count their calls and wait until released, so requests overlap for certain. */
function setup() {
  const calls = { item: 0, bump: 0 };
  let release: () => void = () => {};
  let gate = new Promise<void>((resolve) => (release = resolve));
  const schema = createSchema({
    typeDefs: /* GraphQL */ `
      type Query { item(id: ID!): String! whoami: String! }
      type Mutation { bump: Int! }
    `,
    resolvers: {
      Query: {
        item: async (_root: unknown, args: { id: string }) => {
          calls.item += 1;
          await gate;
          return `item ${args.id}`;
        },
        whoami: async (_root: unknown, _args: unknown, ctx: { identity: Identity }) => {
          calls.item += 1;
          await gate;
          return ctx.identity.subject;
        },
      },
      Mutation: {
        bump: async () => {
          calls.bump += 1;
          await gate;
          return calls.bump;
        },
      },
    },
  });
  const yoga = createYoga({
    schema,
    logging: false,
    context: ({ request }: { request: Request }): { identity: Identity } => ({
      identity: { subject: request.headers.get('x-subject') ?? 'anonymous', admin: false, method: 'api-key' },
    }),
    plugins: [useSharedQueryExecution()],
  });
  const post = async (query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> =>
    yoga.fetch('http://gateway/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query, variables }),
      ...(signal ? { signal } : {}),
    });
  const json = async (response: Promise<Response>) => (await response).json() as Promise<{ data?: Record<string, unknown>; errors?: unknown[] }>;
  const open = () => {
    release();
    gate = new Promise<void>((resolve) => (release = resolve));
  };
  /** Lets every request reach its resolver before the gate opens. */
  const settle = () => new Promise((resolve) => setTimeout(resolve, 20));
  return { calls, post, json, open, settle };
}

const ITEM = 'query Item($id: ID!) { item(id: $id) }';

describe('shared execution of identical concurrent queries', () => {
  it('runs one execution for a wave of identical queries, and gives each request the result', async () => {
    const { calls, post, json, open, settle } = setup();
    const responses = Array.from({ length: 20 }, (_, index) => json(post(ITEM, { id: '1' }, { 'user-agent': `client ${index}` })));
    await settle();
    open();
    const bodies = await Promise.all(responses);
    expect(calls.item).toBe(1);
    for (const body of bodies) expect(body).toEqual({ data: { item: 'item 1' } });
  });

  it('does not share across variables, identities or waves', async () => {
    const { calls, post, json, open, settle } = setup();
    const a = json(post(ITEM, { id: '1' }));
    const b = json(post(ITEM, { id: '2' }));
    const alice = json(post('{ whoami }', {}, { 'x-subject': 'alice' }));
    const bob = json(post('{ whoami }', {}, { 'x-subject': 'bob' }));
    await settle();
    open();
    expect(await Promise.all([a, b, alice, bob])).toEqual([
      { data: { item: 'item 1' } },
      { data: { item: 'item 2' } },
      { data: { whoami: 'alice' } },
      { data: { whoami: 'bob' } },
    ]);
    expect(calls.item).toBe(4);
    // A later request, after the first wave has finished, executes again (nothing is cached here).
    const later = json(post(ITEM, { id: '1' }));
    await settle();
    open();
    expect(await later).toEqual({ data: { item: 'item 1' } });
    expect(calls.item).toBe(5);
  });

  it('never shares a mutation', async () => {
    const { calls, post, json, open, settle } = setup();
    const first = json(post('mutation { bump }'));
    const second = json(post('mutation { bump }'));
    await settle();
    open();
    await Promise.all([first, second]);
    expect(calls.bump).toBe(2);
  });

  it('runs its own execution when the leader went away before the shared one ended', async () => {
    const { calls, post, json, open, settle } = setup();
    const leaderGone = new AbortController();
    const leader = post(ITEM, { id: '1' }, {}, leaderGone.signal).catch(() => undefined);
    await settle();
    const follower = json(post(ITEM, { id: '1' }));
    await settle();
    leaderGone.abort();
    open();
    await settle();
    open();
    expect(await follower).toEqual({ data: { item: 'item 1' } });
    expect(calls.item).toBe(2);
    await leader;
  });
});
