import type { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { withCallBudget } from '../../src/security/budget.js';
import type { UpstreamClient } from '../../src/upstream/client.js';

/** Just what the budget's view calls; every read answers with its own promise, or throws when told to. */
function fakeClient(options: { throwing?: boolean } = {}) {
  const answers: Array<Promise<unknown>> = [];
  const answer = () => {
    if (options.throwing) throw new Error('thrown, not rejected');
    const promise = Promise.resolve({ status: 200 });
    answers.push(promise);
    return promise;
  };
  const client = { getRun: answer, listRuns: answer, request: answer, stream: answer } as unknown as UpstreamClient;
  client.withReadCache = () => client;
  client.withClientSignal = () => client;
  return { client, answers };
}

describe('the upstream-call budget of an operation', () => {
  it("hands on the client's own promise for each call within the budget, counting every kind of call once", async () => {
    const { client, answers } = fakeClient();
    const budgeted = withCallBudget(client, 4);
    const calls = [budgeted.getRun('thread_1', 'run_1'), budgeted.listRuns('thread_1'), budgeted.request({ method: 'GET', route: '/x', path: '/x' } as never), budgeted.withReadCache(1000).stream({} as never)];
    expect(calls).toEqual(answers);
    for (const [index, call] of calls.entries()) expect(call).toBe(answers[index]);
    expect(budgeted.calls).toBe(4);
  });

  it('past the budget, every call rejects with the same UPSTREAM_BUDGET_EXCEEDED error and nothing is sent', async () => {
    const { client, answers } = fakeClient();
    const budgeted = withCallBudget(client, 1);
    await budgeted.getRun('thread_1', 'run_1');
    const refusals = [budgeted.getRun('thread_1', 'run_2'), budgeted.request({} as never), budgeted.withClientSignal({} as never).stream({} as never)];
    const errors = (await Promise.allSettled(refusals)).map((outcome) => (outcome.status === 'rejected' ? (outcome.reason as GraphQLError) : undefined));
    expect(errors[0]?.extensions['code']).toBe('UPSTREAM_BUDGET_EXCEEDED');
    expect(errors[1]).toBe(errors[0]);
    expect(errors[2]).toBe(errors[0]);
    expect(answers).toHaveLength(1);
    expect(budgeted.calls).toBe(1);
  });

  it('a client that throws instead of rejecting still gives a rejected promise, never a synchronous throw', async () => {
    const budgeted = withCallBudget(fakeClient({ throwing: true }).client, 10);
    for (const call of [() => budgeted.getRun('thread_1', 'run_1'), () => budgeted.request({} as never), () => budgeted.stream({} as never)]) {
      let pending: Promise<unknown> | undefined;
      expect(() => {
        pending = call();
      }).not.toThrow();
      await expect(pending).rejects.toThrow('thrown, not rejected');
    }
  });
});
