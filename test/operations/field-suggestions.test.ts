import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRunsApi, type RunsApi } from '../../src/runs-api/index.js';
import { startStack, type Stack } from '../helpers/stack.js';

/** "Did you mean …?" helps in development (GraphiQL shows it); elsewhere it would spell out the schema to anyone. */
let api: RunsApi;
const stacks: Record<'development' | 'production' | 'test', Stack> = {} as never;
beforeAll(async () => {
  api = await startRunsApi({ port: 0, stepMs: 25, demoData: false });
  for (const nodeEnv of ['development', 'production', 'test'] as const) {
    stacks[nodeEnv] = await startStack({ api, env: { NODE_ENV: nodeEnv, GATEWAY_AUTH: 'none' } });
  }
});
afterAll(async () => {
  await Promise.all(Object.values(stacks).map((stack) => stack.close()));
  await api?.close();
});

const typo = (stack: Stack) => stack.query('{ threa(id: "thread_x") { threadId } }');

describe('field suggestions', () => {
  it('are given in development', async () => {
    const answer = await typo(stacks.development);
    expect(answer.errors?.[0]?.message).toMatch(/Cannot query field "threa" on type "Query"\. Did you mean "thread"/);
  });

  it('are hidden in production and in tests, with the error itself kept', async () => {
    for (const stack of [stacks.production, stacks.test]) {
      const answer = await typo(stack);
      expect(answer.errors?.[0]?.message).toMatch(/Cannot query field "threa" on type "Query"/);
      expect(answer.errors?.[0]?.message).not.toMatch(/Did you mean|"thread"/);
    }
  });
});
