import { describe, expect, it } from 'vitest';
import { createLoaders } from '../../src/loaders.js';
import type { UpstreamClient } from '../../src/upstream/client.js';
import { errorFromResponse } from '../../src/upstream/errors.js';

/** A fake client that records every call (the `[loader, calls]` pattern of dataloader's own tests). */
function fakeClient(overrides: Partial<UpstreamClient> = {}) {
  const calls: string[] = [];
  const notFound = () => errorFromResponse({ status: 404, body: '', requestId: undefined });
  const client = {
    request: async () => { throw new Error('not used'); },
    getRun: async (threadId: string, runId: string) => {
      calls.push(`getRun ${threadId} ${runId}`);
      if (runId === 'run_missing') throw notFound();
      if (runId === 'run_broken') throw errorFromResponse({ status: 500, body: '', requestId: 'req_1' });
      return { id: runId, thread_id: threadId } as never;
    },
    getThread: async (id: string) => { calls.push(`getThread ${id}`); return { id } as never; },
    getAssistant: async (id: string) => { calls.push(`getAssistant ${id}`); return { id } as never; },
    getMessage: async (threadId: string, id: string) => { calls.push(`getMessage ${threadId} ${id}`); return { id, thread_id: threadId } as never; },
    getRunStep: async (threadId: string, runId: string, id: string, include?: readonly string[]) => {
      calls.push(`getRunStep ${id} ${include?.join(',') ?? ''}`);
      return { id, thread_id: threadId, run_id: runId } as never;
    },
    listRuns: async (threadId: string, params?: object) => {
      calls.push(`listRuns ${threadId} ${JSON.stringify(params)}`);
      return { object: 'list', data: [{ id: 'run_a', thread_id: threadId }, { id: 'run_b', thread_id: threadId }], first_id: 'run_a', last_id: 'run_b', has_more: false } as never;
    },
    listMessages: async (threadId: string, params?: object) => {
      calls.push(`listMessages ${threadId} ${JSON.stringify(params)}`);
      return { object: 'list', data: [{ id: 'msg_a', thread_id: threadId }], first_id: 'msg_a', last_id: 'msg_a', has_more: false } as never;
    },
    listRunSteps: async (threadId: string, runId: string, params?: object, include?: readonly string[]) => {
      calls.push(`listRunSteps ${runId} ${JSON.stringify(params)} ${include?.join(',') ?? ''}`);
      return { object: 'list', data: [{ id: 'step_a', thread_id: threadId, run_id: runId }], first_id: 'step_a', last_id: 'step_a', has_more: false } as never;
    },
    listAssistants: async (params?: object) => {
      calls.push(`listAssistants ${JSON.stringify(params)}`);
      return { object: 'list', data: [{ id: 'asst_a' }, { id: 'asst_b' }], first_id: 'asst_a', last_id: 'asst_b', has_more: false } as never;
    },
    inFlight: 0,
    ...overrides,
  } as UpstreamClient;
  return { client, calls };
}

const params = { limit: 5, order: 'desc' as const };
const INCLUDE = 'step_details.tool_calls[*].file_search.results[*].content' as const;

describe('per-request loaders', () => {
  it('fetches each key once, keyed by thread and run, concurrently', async () => {
    const { client, calls } = fakeClient();
    const loaders = createLoaders(client);
    const results = await Promise.all([
      loaders.run.load({ threadId: 'thread_1', runId: 'run_1' }),
      loaders.run.load({ threadId: 'thread_1', runId: 'run_1' }),
      loaders.run.load({ threadId: 'thread_2', runId: 'run_1' }),
      loaders.run.load({ threadId: 'thread_1', runId: 'run_2' }),
    ]);
    expect(results.map((r) => r?.id)).toEqual(['run_1', 'run_1', 'run_1', 'run_2']);
    expect(calls.sort()).toEqual(['getRun thread_1 run_1', 'getRun thread_1 run_2', 'getRun thread_2 run_1']);
    await loaders.run.load({ threadId: 'thread_1', runId: 'run_1' });
    expect(calls).toHaveLength(3);
  });

  it('gives one result or Error per key: 404 → null, other failures → that key only', async () => {
    const { client } = fakeClient();
    const loaders = createLoaders(client);
    const results = await loaders.run.loadMany([
      { threadId: 't', runId: 'run_ok' },
      { threadId: 't', runId: 'run_missing' },
      { threadId: 't', runId: 'run_broken' },
    ]);
    expect(results[0]).toMatchObject({ id: 'run_ok' });
    expect(results[1]).toBeNull();
    expect(results[2]).toBeInstanceOf(Error);
    expect((results[2] as Error & { extensions: object }).extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
  });

  it('primes item loaders from list pages, steps under the include they were listed with', async () => {
    const { client, calls } = fakeClient();
    const loaders = createLoaders(client);
    await loaders.runsPage.load({ threadId: 'thread_1', params });
    await loaders.assistantsPage.load({ params });
    await loaders.messagesPage.load({ threadId: 'thread_1', runId: 'run_a', params });
    await loaders.stepsPage.load({ threadId: 'thread_1', runId: 'run_a', params, include: [INCLUDE] });
    calls.length = 0;
    await loaders.run.load({ threadId: 'thread_1', runId: 'run_b' });
    await loaders.assistant.load('asst_b');
    await loaders.message.load({ threadId: 'thread_1', messageId: 'msg_a' });
    await loaders.step.load({ threadId: 'thread_1', runId: 'run_a', stepId: 'step_a', include: [INCLUDE] });
    expect(calls).toEqual([]);
    await loaders.step.load({ threadId: 'thread_1', runId: 'run_a', stepId: 'step_a' }); // without the content: not the same value
    expect(calls).toEqual(['getRunStep step_a ']);
  });

  it('shares one page call between identical connection arguments, not between different ones', async () => {
    const { client, calls } = fakeClient();
    const loaders = createLoaders(client);
    await Promise.all([
      loaders.runsPage.load({ threadId: 'thread_1', params }),
      loaders.runsPage.load({ threadId: 'thread_1', params: { ...params } }),
      loaders.runsPage.load({ threadId: 'thread_1', params: { ...params, after: 'run_a' } }),
      loaders.messagesPage.load({ threadId: 'thread_1', params }),
      loaders.messagesPage.load({ threadId: 'thread_1', runId: 'run_a', params }),
    ]);
    expect(calls).toHaveLength(4);
    expect(new Set(calls)).toEqual(new Set([
      'listMessages thread_1 {"limit":5,"order":"desc"}',
      'listMessages thread_1 {"limit":5,"order":"desc","run_id":"run_a"}',
      'listRuns thread_1 {"limit":5,"order":"desc"}',
      'listRuns thread_1 {"limit":5,"order":"desc","after":"run_a"}',
    ]));
  });

  it('keeps page errors as errors (a page of an existing parent is never null)', async () => {
    const { client } = fakeClient({ listRuns: async () => { throw errorFromResponse({ status: 404, body: '', requestId: undefined }); } });
    const loaders = createLoaders(client);
    await expect(loaders.runsPage.load({ threadId: 'thread_1', params })).rejects.toMatchObject({ extensions: { code: 'NOT_FOUND' } });
  });

  it('can be turned off: every load calls the client', async () => {
    const { client, calls } = fakeClient();
    const loaders = createLoaders(client, { enabled: false });
    await Promise.all([loaders.assistant.load('asst_1'), loaders.assistant.load('asst_1')]);
    await loaders.assistantsPage.load({ params });
    await loaders.assistant.load('asst_a');
    expect(calls).toEqual(['getAssistant asst_1', 'getAssistant asst_1', 'listAssistants {"limit":5,"order":"desc"}', 'getAssistant asst_a']);
  });

  it('is fresh per request', async () => {
    const { client, calls } = fakeClient();
    await createLoaders(client).thread.load('thread_1');
    await createLoaders(client).thread.load('thread_1');
    expect(calls).toEqual(['getThread thread_1', 'getThread thread_1']);
  });
});
