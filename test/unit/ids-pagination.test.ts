import { describe, expect, it } from 'vitest';
import { decodeGlobalId, decodeNodeId, encodeGlobalId, messageKeyArgs, runKeyArgs, stepKeyArgs, threadIdArg } from '../../src/schema/ids.js';
import { planPage, toConnection } from '../../src/schema/pagination.js';

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return (error as { extensions?: { code?: string } }).extensions?.code;
  }
  return 'no error';
};

describe('global ids', () => {
  it('round-trips and only reads canonical encodings of our node types', () => {
    const id = encodeGlobalId('RunObject', 'thread_1:run_1');
    expect(decodeGlobalId(id)).toEqual({ typename: 'RunObject', id: 'thread_1:run_1' });
    expect(decodeGlobalId('thread_abc123')).toBeUndefined();
    expect(decodeGlobalId('run_Aa1')).toBeUndefined();
    expect(decodeGlobalId(encodeGlobalId('User', '1'))).toBeUndefined();
    expect(decodeNodeId('thread_abc')).toEqual({ typename: 'Thread', id: 'thread_abc' });
    expect(decodeNodeId('asst_abc')).toEqual({ typename: 'Assistant', id: 'asst_abc' });
    expect(code(() => decodeNodeId('run_abc'))).toBe('BAD_USER_INPUT');
  });

  it('accepts upstream or global ids in every argument, and refuses mismatches', () => {
    const thread = encodeGlobalId('Thread', 'thread_1');
    const run = encodeGlobalId('RunObject', 'thread_1:run_1');
    const step = encodeGlobalId('RunStep', 'thread_1:run_1:step_1');
    const message = encodeGlobalId('Message', 'thread_1:msg_1');
    expect(threadIdArg(thread)).toBe('thread_1');
    expect(threadIdArg('thread_1')).toBe('thread_1');
    for (const args of [{ threadId: 'thread_1', runId: 'run_1' }, { threadId: thread, runId: 'run_1' }, { threadId: 'thread_1', runId: run }, { runId: run }]) {
      expect(runKeyArgs(args)).toEqual({ threadId: 'thread_1', runId: 'run_1' });
    }
    expect(stepKeyArgs({ threadId: thread, runId: run, stepId: 'step_1' })).toEqual({ threadId: 'thread_1', runId: 'run_1', stepId: 'step_1' });
    expect(stepKeyArgs({ threadId: 'thread_1', runId: 'run_1', stepId: step })).toEqual({ threadId: 'thread_1', runId: 'run_1', stepId: 'step_1' });
    expect(messageKeyArgs({ messageId: message })).toEqual({ threadId: 'thread_1', messageId: 'msg_1' });
    expect(code(() => runKeyArgs({ threadId: 'thread_2', runId: run }))).toBe('BAD_USER_INPUT');
    expect(code(() => runKeyArgs({ threadId: 'thread_1', runId: thread }))).toBe('BAD_USER_INPUT');
    expect(code(() => runKeyArgs({ runId: 'run_1' }))).toBe('BAD_USER_INPUT');
    expect(code(() => stepKeyArgs({ threadId: 'thread_1', runId: 'run_2', stepId: step }))).toBe('BAD_USER_INPUT');
    expect(code(() => threadIdArg(''))).toBe('BAD_USER_INPUT');
    expect(code(() => threadIdArg('thread 1'))).toBe('BAD_USER_INPUT');
  });
});

describe('Relay arguments onto upstream cursors', () => {
  it('plans exactly one upstream page per connection', () => {
    expect(planPage({}).params).toEqual({ limit: 20, order: 'desc', after: undefined, before: undefined });
    expect(planPage({ first: 5, after: 'a', order: 'asc' }).params).toEqual({ limit: 5, order: 'asc', after: 'a', before: undefined });
    expect(planPage({ first: 5, before: 'b' })).toMatchObject({ params: { limit: 5, order: 'desc' }, stopAt: 'b', reversed: false });
    expect(planPage({ last: 5, before: 'b' })).toMatchObject({ params: { limit: 5, order: 'desc', before: 'b' }, reversed: false, backward: true });
    expect(planPage({ last: 5 })).toMatchObject({ params: { limit: 5, order: 'asc' }, reversed: true, backward: true });
    expect(planPage({ last: 5, after: 'a' })).toMatchObject({ params: { limit: 5, order: 'asc' }, reversed: true, stopAt: 'a' });
    expect(planPage({ last: 5, after: 'a', before: 'b', order: 'asc' })).toMatchObject({ params: { limit: 5, order: 'desc', after: 'b', before: 'a' }, reversed: true });
    for (const args of [{ first: 101 }, { last: 101 }, { first: 0 }, { first: -1 }, { first: 1, last: 1 }, { after: '' }]) {
      expect(code(() => planPage(args)), JSON.stringify(args)).toBe('BAD_USER_INPUT');
    }
    expect(planPage({ first: 100 }).params.limit).toBe(100);
  });

  it('derives pageInfo from has_more and the direction', () => {
    const page = (ids: string[], hasMore: boolean) => ({ data: ids.map((id) => ({ id })), has_more: hasMore });
    const forward = toConnection(page(['a', 'b'], true), planPage({ first: 2 }));
    expect(forward.pageInfo).toEqual({ hasNextPage: true, hasPreviousPage: false, startCursor: 'a', endCursor: 'b' });
    expect(toConnection(page(['c'], false), planPage({ first: 2, after: 'b' })).pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    const last = toConnection(page(['z', 'y'], true), planPage({ last: 2 }));
    expect(last.edges.map((e) => e.cursor)).toEqual(['y', 'z']);
    expect(last.pageInfo).toEqual({ hasNextPage: false, hasPreviousPage: true, startCursor: 'y', endCursor: 'z' });
    expect(toConnection(page(['w', 'x'], false), planPage({ last: 2, before: 'y' })).pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const cut = toConnection(page(['a', 'b', 'c'], false), planPage({ first: 3, before: 'b' }));
    expect(cut.edges.map((e) => e.cursor)).toEqual(['a']);
    expect(cut.pageInfo.hasNextPage).toBe(true);
    expect(toConnection(page([], false), planPage({ first: 3 })).pageInfo).toEqual({ hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null });
  });
});
