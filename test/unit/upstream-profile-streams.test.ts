import { afterEach, describe, expect, it } from 'vitest';
import { createLivePubSub, type RunSnapshot } from '../../src/live/pubsub.js';
import { RunObservers } from '../../src/live/run-observers.js';
import { runKey } from '../../src/live/run-status.js';
import { followRunStream } from '../../src/live/run-stream.js';
import { wireRun } from '../helpers/wire-fixtures.js';
import { waitUntil } from '../helpers/wait.js';

const run = wireRun();
const KEY = runKey(run.thread_id, run.id);

/** Raw event-stream text as a look-alike writes it; `keepOpen` leaves the connection open after the last frame. */
function rawStream(frames: string[], { keepOpen = false } = {}): { body: ReadableStream<Uint8Array>; cancelled: () => boolean } {
  let wasCancelled = false;
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const frame of frames) controller.enqueue(encoder.encode(frame));
      if (!keepOpen) controller.close();
    },
    cancel() {
      wasCancelled = true;
    },
  });
  return { body, cancelled: () => wasCancelled };
}

const frame = (event: string | undefined, data: unknown) => `${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;

describe("tolerant reader: look-alikes' event streams", () => {
  let observers: RunObservers | undefined;
  afterEach(() => observers?.close());

  function follow(body: ReadableStream<Uint8Array>) {
    const pubsub = createLivePubSub();
    observers = new RunObservers({ pubsub, defaultPollMs: 10_000, source: { fetchRun: async () => ({ run: null }) } });
    const states: RunSnapshot[] = [];
    const iterator = pubsub.subscribe('runUpdated', KEY);
    void (async () => {
      for await (const state of iterator) states.push(state);
    })();
    return { followed: followRunStream({ body, observers, pubsub, idleTimeoutMs: 5_000 }), states };
  }

  it('a stream that just ends after the terminal run (astra, open-assistant-api: no done) is read to its end', async () => {
    const { followed, states } = follow(rawStream([frame('thread.run.created', run), frame('thread.run.completed', { ...run, status: 'completed' })]).body);
    expect((await followed.created).id).toBe(run.id);
    expect((await followed.finished)?.status).toBe('completed');
    await waitUntil(() => states.length === 2, 1_000);
  });

  it('a JSON-quoted data-only "[DONE]" (cogitator) ends the stream even while the connection stays open', async () => {
    const stream = rawStream([frame('thread.run.created', run), frame('thread.run.requires_action', { ...run, status: 'requires_action' }), frame(undefined, '"[DONE]"')], { keepOpen: true });
    const { followed } = follow(stream.body);
    const started = performance.now();
    expect((await followed.finished)?.status).toBe('requires_action');
    // Ended by the terminator, not by the 5 s idle timeout.
    expect(performance.now() - started).toBeLessThan(2_000);
    await waitUntil(() => stream.cancelled(), 1_000);
  });

  it('a bare data-only [DONE] ends it too', async () => {
    const stream = rawStream([frame('thread.run.created', run), frame(undefined, '[DONE]')], { keepOpen: true });
    const { followed } = follow(stream.body);
    const started = performance.now();
    expect((await followed.finished)?.id).toBe(run.id);
    expect(performance.now() - started).toBeLessThan(2_000);
    await waitUntil(() => stream.cancelled(), 1_000);
  });
});
