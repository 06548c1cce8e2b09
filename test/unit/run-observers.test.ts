import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLivePubSub, type RunSnapshot, type RunWire } from '../../src/live/pubsub.js';
import { RunObservers, type RunSource } from '../../src/live/run-observers.js';
import { runKey } from '../../src/live/run-status.js';
import { wireRun } from '../helpers/wire-fixtures.js';

const THREAD = 'thread_fixture00000000000001';
const RUN = 'run_fixture000000000000000001';

/** A scripted upstream: each GET returns the next state (the last one repeats). */
function scriptedSource(states: Array<RunWire | null | Error>, pollAfterMs?: number) {
  let calls = 0;
  const source: RunSource = {
    async fetchRun() {
      const state = states[Math.min(calls, states.length - 1)];
      calls += 1;
      if (state instanceof Error) throw state;
      return { run: state ?? null, pollAfterMs };
    },
  };
  return { source, calls: () => calls };
}

function collect(pubsub: ReturnType<typeof createLivePubSub>) {
  const seen: RunSnapshot[] = [];
  const iterator = pubsub.subscribe('runUpdated', runKey(THREAD, RUN));
  void (async () => {
    for await (const snapshot of iterator) seen.push(snapshot);
  })();
  return { seen, stop: () => void iterator.return() };
}

describe('RunObservers', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('shares one upstream poller among all subscribers and publishes each change once', async () => {
    const { source, calls } = scriptedSource([
      wireRun({ status: 'queued' }),
      wireRun({ status: 'queued' }),
      wireRun({ status: 'in_progress', started_at: 1 }),
      wireRun({ status: 'completed', started_at: 1, completed_at: 2, expires_at: null }),
    ]);
    const pubsub = createLivePubSub();
    const observers = new RunObservers({ source, pubsub, defaultPollMs: 100 });
    const events = collect(pubsub);

    const first = await Promise.all(Array.from({ length: 100 }, () => observers.acquire(THREAD, RUN)));
    expect(calls()).toBe(1);
    expect(new Set(first.map((snapshot) => snapshot?.run.status))).toEqual(new Set(['queued']));

    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls()).toBe(4); // stops at the terminal status
    expect(events.seen.map((snapshot) => snapshot.run.status)).toEqual(['queued', 'in_progress', 'completed']);
    expect(events.seen.map((snapshot) => snapshot.version)).toEqual([1, 2, 3]);

    // A late subscriber of a finished run gets its state without an upstream call.
    const late = await observers.acquire(THREAD, RUN);
    expect(late?.run.status).toBe('completed');
    expect(calls()).toBe(4);
    events.stop();
    observers.close();
  });

  it('stops polling when the last subscriber leaves', async () => {
    const { source, calls } = scriptedSource([wireRun({ status: 'in_progress' })]);
    const observers = new RunObservers({ source, pubsub: createLivePubSub(), defaultPollMs: 100 });
    await observers.acquire(THREAD, RUN);
    await observers.acquire(THREAD, RUN);
    await vi.advanceTimersByTimeAsync(250);
    const whileWatched = calls();
    expect(whileWatched).toBe(3);
    observers.release(THREAD, RUN);
    await vi.advanceTimersByTimeAsync(250); // polls at 300, 400, 500: one subscriber is left
    expect(calls()).toBe(6);
    observers.release(THREAD, RUN);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls()).toBe(6);
    expect(observers.size).toBe(0);
    observers.close();
  });

  it('waits what the upstream asks (openai-poll-after-ms)', async () => {
    const { source, calls } = scriptedSource([wireRun({ status: 'in_progress' })], 500);
    const observers = new RunObservers({ source, pubsub: createLivePubSub(), defaultPollMs: 100 });
    await observers.acquire(THREAD, RUN);
    await vi.advanceTimersByTimeAsync(100); // first scheduled poll uses the default
    expect(calls()).toBe(2);
    await vi.advanceTimersByTimeAsync(499);
    expect(calls()).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls()).toBe(3);
    observers.close();
  });

  it('backs off on upstream failures, honouring retryAfterMs, and keeps going', async () => {
    const rateLimited = Object.assign(new Error('rate limited'), { extensions: { code: 'RATE_LIMITED', retryAfterMs: 2_000 } });
    const { source, calls } = scriptedSource([wireRun({ status: 'in_progress' }), rateLimited, wireRun({ status: 'completed', expires_at: null })]);
    const pubsub = createLivePubSub();
    const events = collect(pubsub);
    const observers = new RunObservers({ source, pubsub, defaultPollMs: 100 });
    await observers.acquire(THREAD, RUN);
    await vi.advanceTimersByTimeAsync(100);
    expect(calls()).toBe(2); // the 429
    await vi.advanceTimersByTimeAsync(1_900);
    expect(calls()).toBe(2);
    await vi.advanceTimersByTimeAsync(100);
    expect(calls()).toBe(3);
    expect(events.seen.map((snapshot) => snapshot.run.status)).toEqual(['in_progress', 'completed']);
    events.stop();
    observers.close();
  });

  it('does not poll while a stream feeds the run, and takes over when it ends', async () => {
    const { source, calls } = scriptedSource([wireRun({ status: 'completed', expires_at: null })]);
    const pubsub = createLivePubSub();
    const events = collect(pubsub);
    const observers = new RunObservers({ source, pubsub, defaultPollMs: 100 });
    const detach = observers.attachStream(THREAD, RUN);
    observers.observe(wireRun({ status: 'queued' }));
    const current = await observers.acquire(THREAD, RUN);
    expect(current?.run.status).toBe('queued');
    expect(calls()).toBe(0);
    observers.observe(wireRun({ status: 'in_progress' }));
    observers.observe(wireRun({ status: 'in_progress' })); // the same state again: not published
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls()).toBe(0);
    detach();
    await vi.advanceTimersByTimeAsync(10);
    expect(calls()).toBe(1);
    expect(events.seen.map((snapshot) => snapshot.run.status)).toEqual(['queued', 'in_progress', 'completed']);
    events.stop();
    observers.close();
  });

  it('answers null for an unknown run and holds nothing for it', async () => {
    const { source } = scriptedSource([null]);
    const observers = new RunObservers({ source, pubsub: createLivePubSub(), defaultPollMs: 100 });
    expect(await observers.acquire(THREAD, RUN)).toBeNull();
    expect(observers.size).toBe(0);
    observers.close();
  });
});
