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
    // The failed poll re-sends the last state marked stale (not a new version); the next answer is current again.
    expect(events.seen.map((snapshot) => `${snapshot.run.status} v${snapshot.version}${snapshot.stale ? ' stale' : ''}`)).toEqual(['in_progress v1', 'in_progress v1 stale', 'completed v2']);
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

  it('tells subscribers once per outage that the state is stale, and publishes it again, unchanged, when the upstream answers', async () => {
    const down = Object.assign(new Error('down'), { extensions: { code: 'UPSTREAM_UNAVAILABLE', reason: 'network' } });
    const waiting = wireRun({ status: 'requires_action' });
    const { source, calls } = scriptedSource([waiting, down, down, down, waiting]);
    const pubsub = createLivePubSub();
    const events = collect(pubsub);
    const observers = new RunObservers({ source, pubsub, defaultPollMs: 100, outageRetryMs: 200 });
    await observers.acquire(THREAD, RUN);
    await vi.advanceTimersByTimeAsync(100 + 200 + 200);
    expect(calls()).toBe(4); // three failures in a row, 200 ms apart at most
    expect(events.seen.slice(1)).toEqual([{ run: waiting, version: 1, stale: true }]);
    await vi.advanceTimersByTimeAsync(200);
    expect(calls()).toBe(5);
    expect(events.seen.slice(1)).toEqual([{ run: waiting, version: 1, stale: true }, { run: waiting, version: 1 }]);
    await vi.advanceTimersByTimeAsync(300); // answered and unchanged again: nothing more
    expect(events.seen).toHaveLength(3);
    events.stop();
    observers.close();
  });

  it('polls for the caller its first naming subscriber gave (UPSTREAM_FORWARD_CALLER), and for nobody without one', async () => {
    const asked: Array<[string, string | undefined]> = [];
    const source: RunSource = {
      async fetchRun(threadId, runId, caller) {
        asked.push([runId, caller]);
        return { run: wireRun({ id: runId, thread_id: threadId, status: 'in_progress' }) };
      },
    };
    const observers = new RunObservers({ source, pubsub: createLivePubSub(), defaultPollMs: 100 });
    await observers.acquire(THREAD, 'run_alice', 'alice');
    // A later subscriber (an admin names nobody; another user could not have passed the access check) changes nothing.
    await observers.acquire(THREAD, 'run_alice');
    await observers.acquire(THREAD, 'run_gateway');
    await vi.advanceTimersByTimeAsync(100);
    expect(asked.filter(([run]) => run === 'run_alice').map(([, caller]) => caller)).toEqual(['alice', 'alice']);
    expect(asked.filter(([run]) => run === 'run_gateway').map(([, caller]) => caller)).toEqual([undefined, undefined]);
    observers.close();
  });

  it('polls every failing run at once when the upstream is known to answer again', async () => {
    // An open circuit names a wait far longer than the test: only the recovery can bring the next polls.
    const down = Object.assign(new Error('down'), { extensions: { code: 'UPSTREAM_UNAVAILABLE', reason: 'circuit_open', retryAfterMs: 60_000 } });
    let failing = false;
    let calls = 0;
    const source: RunSource = {
      async fetchRun(threadId, runId) {
        calls += 1;
        if (failing) throw down;
        return { run: wireRun({ id: runId, thread_id: threadId, status: 'in_progress' }) };
      },
    };
    const observers = new RunObservers({ source, pubsub: createLivePubSub(), defaultPollMs: 100, outageRetryMs: 60_000, maxBackoffMs: 60_000 });
    await observers.acquire(THREAD, 'run_one');
    await observers.acquire(THREAD, 'run_two');
    failing = true;
    await vi.advanceTimersByTimeAsync(100);
    expect(calls).toBe(4);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(calls).toBe(4);
    failing = false;
    observers.upstreamRecovered();
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toBe(6);
    expect(observers.peek(THREAD, 'run_one')?.run.status).toBe('in_progress');
    observers.close();
  });

  it('reports a run read again after failures as a recovery', async () => {
    const down = Object.assign(new Error('down'), { extensions: { code: 'UPSTREAM_UNAVAILABLE', reason: 'network' } });
    const { source } = scriptedSource([wireRun({ status: 'in_progress' }), down, wireRun({ status: 'in_progress' })]);
    const onRecovered = vi.fn();
    const observers = new RunObservers({ source, pubsub: createLivePubSub(), defaultPollMs: 100, onRecovered });
    await observers.acquire(THREAD, RUN);
    await vi.advanceTimersByTimeAsync(100);
    expect(onRecovered).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(200);
    expect(onRecovered).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(300);
    expect(onRecovered).toHaveBeenCalledTimes(1);
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
