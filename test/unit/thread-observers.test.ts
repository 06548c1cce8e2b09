import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLivePubSub, type RunSnapshot, type RunWire } from '../../src/live/pubsub.js';
import { RunObservers } from '../../src/live/run-observers.js';
import { ThreadObservers } from '../../src/live/thread-observers.js';
import { wireRun } from '../helpers/wire-fixtures.js';

const THREAD = 'thread_fixture00000000000001';

describe('ThreadObservers', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('polls one list per thread for all subscribers and publishes new runs and changes once', async () => {
    const a = wireRun({ id: 'run_a', status: 'completed', expires_at: null });
    const b = wireRun({ id: 'run_b', status: 'in_progress' });
    const pages: RunWire[][] = [[b, a], [b, a], [wireRun({ id: 'run_c' }), { ...b, status: 'completed', expires_at: null }, a]];
    let calls = 0;
    const pubsub = createLivePubSub();
    const runs = new RunObservers({ pubsub, defaultPollMs: 1_000, source: { fetchRun: async () => ({ run: null }) } });
    const threads = new ThreadObservers({ runs, pollMs: 100, source: { listRecentRuns: async () => pages[Math.min(calls++, pages.length - 1)]! } });
    const seen: RunSnapshot[] = [];
    const iterator = pubsub.subscribe('threadRunUpdated', THREAD);
    void (async () => { for await (const s of iterator) seen.push(s); })();

    const live = await Promise.all(Array.from({ length: 20 }, () => threads.acquire(THREAD)));
    expect(live[0]?.map((run) => run.id)).toEqual(['run_b']);
    expect(calls).toBe(1);
    await vi.advanceTimersByTimeAsync(0);
    expect(seen.map((s) => `${s.run.id}:${s.run.status}`)).toEqual(['run_a:completed', 'run_b:in_progress']);
    seen.length = 0;
    await vi.advanceTimersByTimeAsync(100);
    await vi.advanceTimersByTimeAsync(100);
    expect(calls).toBe(3);
    expect(seen.map((s) => `${s.run.id}:${s.run.status}`)).toEqual(['run_b:completed', 'run_c:queued']);

    for (let i = 0; i < 20; i += 1) threads.release(THREAD);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toBe(3);
    expect(threads.size).toBe(0);
    void iterator.return();
    runs.close();
  });

  it('answers null for an unknown thread', async () => {
    const runs = new RunObservers({ pubsub: createLivePubSub(), defaultPollMs: 1_000, source: { fetchRun: async () => ({ run: null }) } });
    const threads = new ThreadObservers({ runs, pollMs: 100, source: { listRecentRuns: async () => null } });
    expect(await threads.acquire(THREAD)).toBeNull();
    expect(threads.size).toBe(0);
    runs.close();
  });

  it('sends the moving runs again marked stale when the list fails, and current when it answers again', async () => {
    const down = Object.assign(new Error('down'), { extensions: { code: 'UPSTREAM_UNAVAILABLE', reason: 'network' } });
    const done = wireRun({ id: 'run_done', status: 'completed', expires_at: null });
    const waiting = wireRun({ id: 'run_waiting', status: 'requires_action' });
    const script: Array<RunWire[] | Error> = [[waiting, done], down, down, [waiting, done]];
    let calls = 0;
    const pubsub = createLivePubSub();
    const runs = new RunObservers({ pubsub, defaultPollMs: 1_000, source: { fetchRun: async () => ({ run: null }) } });
    const onRecovered = vi.fn();
    const threads = new ThreadObservers({
      runs,
      pubsub,
      pollMs: 100,
      outageRetryMs: 100,
      onRecovered,
      source: {
        async listRecentRuns() {
          const page = script[Math.min(calls++, script.length - 1)]!;
          if (page instanceof Error) throw page;
          return page;
        },
      },
    });
    const seen: RunSnapshot[] = [];
    const iterator = pubsub.subscribe('threadRunUpdated', THREAD);
    void (async () => { for await (const s of iterator) seen.push(s); })();
    await threads.acquire(THREAD);
    await vi.advanceTimersByTimeAsync(0);
    seen.length = 0;
    await vi.advanceTimersByTimeAsync(100 + 100);
    expect(calls).toBe(3);
    // Once per outage, the finished run not at all.
    expect(seen).toEqual([{ run: waiting, version: 1, stale: true }]);
    await vi.advanceTimersByTimeAsync(100);
    expect(calls).toBe(4);
    expect(onRecovered).toHaveBeenCalledTimes(1);
    expect(seen.slice(1)).toEqual([{ run: waiting, version: 1 }]);
    threads.release(THREAD);
    void iterator.return();
    runs.close();
  });
});
