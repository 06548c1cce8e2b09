import { describe, expect, it } from 'vitest';
import { createSchema, createYoga } from 'graphql-yoga';
import type { Plugin } from 'graphql-yoga';
import { useSharedQueryExecution } from '../../src/server/shared-execution.js';
import type { Identity } from '../../src/security/auth.js';
import { ClientInterest } from '../../src/upstream/interest.js';
import { adjustableClock, nextTurn, waitUntil } from '../helpers/wait.js';

/** A schema whose resolvers count their calls and wait until released, so requests overlap for certain. */
interface Reuse {
  maxAgeMs: number;
  generation: number;
  /** When the upstream answers each execution reads began (what the read cache reports). */
  answersFrom: () => number;
  /** The plugin's clock. */
  now?: () => number;
}

function setup(reuse?: Reuse) {
  const calls = { item: 0, bump: 0 };
  let arrived = 0;
  let settled = 0;
  let release: () => void = () => {};
  let gate = new Promise<void>((resolve) => (release = resolve));
  interface TestContext {
    interest: ClientInterest;
    identity: Identity;
    freshness: { oldestAnswerAt: number; generation: number };
  }
  const schema = createSchema<TestContext>({
    typeDefs: /* GraphQL */ `
      type Query { item(id: ID!): String! whoami: String! }
      type Mutation { bump: Int! }
    `,
    resolvers: {
      Query: {
        item: async (_root: unknown, args: { id: string }, ctx: TestContext) => {
          calls.item += 1;
          ctx.freshness.oldestAnswerAt = Math.min(ctx.freshness.oldestAnswerAt, reuse?.answersFrom() ?? Number.POSITIVE_INFINITY);
          await gate;
          // What the gateway's reads do when every client waiting for them has gone.
          if (ctx.interest.signal.aborted) throw new Error('cancelled');
          if (args.id === 'broken') throw new Error('broken item');
          return `item ${args.id}`;
        },
        whoami: async (_root: unknown, _args: unknown, ctx: TestContext) => {
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
    context: ({ request }: { request: Request }): TestContext => ({
      interest: new ClientInterest(request.signal),
      identity: { subject: request.headers.get('x-subject') ?? 'anonymous', admin: false, method: 'api-key' },
      freshness: { oldestAnswerAt: Number.POSITIVE_INFINITY, generation: reuse?.generation ?? 0 },
    }),
    plugins: [
      // Before the sharing plugin: sees every request reach execution, shared or not.
      { onExecute: () => void (arrived += 1) } satisfies Plugin,
      useSharedQueryExecution(reuse ? { maxAgeMs: () => reuse.maxAgeMs, generation: () => reuse.generation, ...(reuse.now ? { now: reuse.now } : {}) } : {}),
    ],
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
  /** Waits until `requests` more requests have reached execution (and joined or started one) before the gate opens. */
  const settle = async (requests: number) => {
    await waitUntil(() => arrived - settled >= requests);
    settled += requests;
    await nextTurn();
  };
  /** Counts requests that were answered without waiting at the gate (served from a finished result). */
  const answeredWithoutGate = (requests: number) => void (settled += requests);
  return { calls, post, json, open, settle, answeredWithoutGate };
}

const ITEM = 'query Item($id: ID!) { item(id: $id) }';

describe('shared execution of identical concurrent queries', () => {
  it('runs one execution for a wave of identical queries, and gives each request the result', async () => {
    const { calls, post, json, open, settle } = setup();
    const responses = Array.from({ length: 20 }, (_, index) => json(post(ITEM, { id: '1' }, { 'user-agent': `client ${index}` })));
    await settle(20);
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
    await settle(4);
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
    await settle(1);
    open();
    expect(await later).toEqual({ data: { item: 'item 1' } });
    expect(calls.item).toBe(5);
  });

  it('never shares a mutation', async () => {
    const { calls, post, json, open, settle } = setup();
    const first = json(post('mutation { bump }'));
    const second = json(post('mutation { bump }'));
    await settle(2);
    open();
    await Promise.all([first, second]);
    expect(calls.bump).toBe(2);
  });

  it('goes on for the clients that stay when the one that started it leaves', async () => {
    const { calls, post, json, open, settle } = setup();
    const leaderGone = new AbortController();
    const leader = post(ITEM, { id: '1' }, {}, leaderGone.signal).catch(() => undefined);
    await settle(1);
    const follower = json(post(ITEM, { id: '1' }));
    await settle(1);
    leaderGone.abort();
    open();
    // Were the follower to run its own execution, it would pass this second gate.
    await nextTurn();
    open();
    expect(await follower).toEqual({ data: { item: 'item 1' } });
    expect(calls.item).toBe(1);
    await leader;
  });

  it('shares a result with errors too (graphql puts field errors in the result)', async () => {
    const { calls, post, json, open, settle } = setup();
    const first = json(post(ITEM, { id: 'broken' }));
    const second = json(post(ITEM, { id: 'broken' }));
    await settle(2);
    open();
    expect((await first).errors).toHaveLength(1);
    expect((await second).errors).toHaveLength(1);
    // Errors are results too (graphql reports them in the result): shared, not re-run.
    expect(calls.item).toBe(1);
  });
});

describe('reuse of finished results (with a read cache)', () => {
  const released = async (setupResult: ReturnType<typeof setup>, query: string, variables: Record<string, unknown> = {}) => {
    const response = setupResult.json(setupResult.post(query, variables));
    await setupResult.settle(1);
    setupResult.open();
    return response;
  };

  it('answers identical queries from a finished result while its upstream answers are younger than the maximum age', async () => {
    const clock = adjustableClock();
    const reuse: Reuse = { maxAgeMs: 300, generation: 0, answersFrom: clock.now, now: clock.now };
    const ctx = setup(reuse);
    expect(await released(ctx, ITEM, { id: '1' })).toEqual({ data: { item: 'item 1' } });
    for (let i = 0; i < 5; i++) expect(await ctx.json(ctx.post(ITEM, { id: '1' }))).toEqual({ data: { item: 'item 1' } });
    ctx.answeredWithoutGate(5);
    expect(ctx.calls.item).toBe(1);
    // Other variables are another result.
    await released(ctx, ITEM, { id: '2' });
    expect(ctx.calls.item).toBe(2);
    clock.advance(320);
    await released(ctx, ITEM, { id: '1' });
    expect(ctx.calls.item).toBe(3);
  });

  it('counts the age from the oldest upstream answer the result was made from', async () => {
    // The execution read answers that were already 250 ms old: its result may serve for 50 ms more at most.
    const clock = adjustableClock();
    const reuse: Reuse = { maxAgeMs: 300, generation: 0, answersFrom: () => clock.now() - 250, now: clock.now };
    const ctx = setup(reuse);
    await released(ctx, ITEM, { id: '1' });
    clock.advance(80);
    await released(ctx, ITEM, { id: '1' });
    expect(ctx.calls.item).toBe(2);
  });

  it('stops after a write (a new generation) and never keeps a result with errors', async () => {
    const reuse: Reuse = { maxAgeMs: 5_000, generation: 0, answersFrom: () => Date.now() };
    const ctx = setup(reuse);
    await released(ctx, ITEM, { id: '1' });
    reuse.generation += 1;
    await released(ctx, ITEM, { id: '1' });
    expect(ctx.calls.item).toBe(2);
    const failed = await released(ctx, ITEM, { id: 'broken' });
    expect(failed.errors).toHaveLength(1);
    await released(ctx, ITEM, { id: 'broken' });
    expect(ctx.calls.item).toBe(4);
  });

  it('without a read cache nothing finished is reused', async () => {
    const reuse: Reuse = { maxAgeMs: 0, generation: 0, answersFrom: () => Date.now() };
    const ctx = setup(reuse);
    await released(ctx, ITEM, { id: '1' });
    await released(ctx, ITEM, { id: '1' });
    expect(ctx.calls.item).toBe(2);
  });
});

describe('ClientInterest', () => {
  it('aborts when every client that joined has gone, not before', () => {
    const a = new AbortController();
    const b = new AbortController();
    const interest = new ClientInterest(a.signal);
    interest.add(b.signal);
    a.abort();
    expect(interest.signal.aborted).toBe(false);
    b.abort();
    expect(interest.signal.aborted).toBe(true);
  });

  it('never aborts once a client without a signal joined', () => {
    const a = new AbortController();
    const interest = new ClientInterest(a.signal);
    interest.add(undefined);
    a.abort();
    expect(interest.signal.aborted).toBe(false);
  });

  it('is aborted from the start when its first client has already gone', () => {
    const a = new AbortController();
    a.abort();
    expect(new ClientInterest(a.signal).signal.aborted).toBe(true);
  });
});
