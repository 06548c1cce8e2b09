import { afterEach, describe, expect, it } from 'vitest';
import { createLivePubSub, type MessageDeltaEvent, type RunSnapshot } from '../../src/live/pubsub.js';
import { RunObservers } from '../../src/live/run-observers.js';
import { runKey } from '../../src/live/run-status.js';
import { followRunStream } from '../../src/live/run-stream.js';
import { wireRun } from '../helpers/wire-fixtures.js';
import { waitUntil } from '../helpers/wait.js';

const run = wireRun();
const KEY = runKey(run.thread_id, run.id);

function sse(events: Array<[string, unknown]>, { end = true } = {}): { body: ReadableStream<Uint8Array>; push: (event: string, data: unknown) => void; close: () => void } {
  const encoder = new TextEncoder();
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
      for (const [event, data] of events) c.enqueue(encoder.encode(`event: ${event}\ndata: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`));
      if (end) c.close();
    },
  });
  return {
    body,
    push: (event, data) => controller.enqueue(encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)),
    close: () => controller.close(),
  };
}

const delta = (text: string, index = 0) => ({ id: 'msg_1', object: 'thread.message.delta', delta: { content: [{ index, type: 'text', text: { value: text } }] } });

describe('followRunStream', () => {
  let observers: RunObservers | undefined;
  afterEach(() => observers?.close());

  it('publishes each run state once and the message text deltas, then detaches', async () => {
    const pubsub = createLivePubSub();
    const fetched: string[] = [];
    observers = new RunObservers({ pubsub, defaultPollMs: 10_000, source: { fetchRun: async () => (fetched.push('GET'), { run: null }) } });
    const states: RunSnapshot[] = [];
    const deltas: Array<MessageDeltaEvent | { done: true }> = [];
    const runIterator = pubsub.subscribe('runUpdated', KEY);
    const deltaIterator = pubsub.subscribe('runMessageDelta', KEY);
    void (async () => { for await (const s of runIterator) states.push(s); })();
    void (async () => { for await (const d of deltaIterator) deltas.push(d); })();

    const stream = sse([
      ['thread.run.created', run],
      ['thread.run.queued', run],
      ['thread.run.in_progress', { ...run, status: 'in_progress' }],
      ['thread.run.step.created', { id: 'step_1' }],
      ['thread.message.delta', delta('Hel')],
      ['thread.message.delta', delta('lo')],
      ['thread.run.completed', { ...run, status: 'completed' }],
      ['done', '[DONE]'],
    ]);
    const followed = followRunStream({ body: stream.body, observers, pubsub, idleTimeoutMs: 1_000 });
    expect((await followed.created).id).toBe(run.id);
    expect((await followed.finished)?.status).toBe('completed');
    // The subscribers' iterators take what was published once they are next scheduled.
    await waitUntil(() => states.length === 3 && deltas.length === 3, 1_000);
    expect(states.map((s) => s.run.status)).toEqual(['queued', 'in_progress', 'completed']);
    expect(deltas).toEqual([{ messageId: 'msg_1', text: 'Hel', index: 0 }, { messageId: 'msg_1', text: 'lo', index: 0 }, { done: true }]);
    expect(fetched).toEqual([]);
    void runIterator.return();
    void deltaIterator.return();
  });

  it('hands a stalled stream over to polling, so the terminal state still arrives', async () => {
    const pubsub = createLivePubSub();
    let polls = 0;
    observers = new RunObservers({
      pubsub,
      defaultPollMs: 20,
      source: { fetchRun: async () => (polls++, { run: { ...run, status: 'completed' as const } }) },
    });
    const stream = sse([['thread.run.created', run]], { end: false });
    let aborted = false;
    const followed = followRunStream({ body: stream.body, observers, pubsub, idleTimeoutMs: 50, abort: () => (aborted = true) });
    await followed.created;
    const current = await observers.acquire(run.thread_id, run.id);
    expect(current?.run.status).toBe('queued');
    expect(polls).toBe(0);
    expect((await followed.finished)?.status).toBe('queued');
    expect(aborted).toBe(true);
    // Polling takes over (every 20 ms) until the terminal state.
    await waitUntil(() => observers!.peek(run.thread_id, run.id)?.run.status === 'completed', 2_000);
    expect(polls).toBeGreaterThan(0);
    expect(observers.peek(run.thread_id, run.id)?.run.status).toBe('completed');
  });

  it('rejects `created` when the stream breaks before the run exists', async () => {
    const pubsub = createLivePubSub();
    observers = new RunObservers({ pubsub, defaultPollMs: 20, source: { fetchRun: async () => ({ run: null }) } });
    const followed = followRunStream({ body: sse([['error', { message: 'boom' }]]).body, observers, pubsub, idleTimeoutMs: 50 });
    await expect(followed.created).rejects.toThrow();
    expect(await followed.finished).toBeUndefined();
  });
});
