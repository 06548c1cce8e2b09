import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { attemptSignal } from '../../src/upstream/request.js';

/** The per-attempt signal of the request core: one timer and one controller in place of AbortSignal.timeout + any. */
describe('attemptSignal', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('aborts when its timeout passes, and says it timed out', () => {
    const attempt = attemptSignal(5, undefined);
    vi.advanceTimersByTime(4);
    expect(attempt.signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(attempt.signal.aborted).toBe(true);
    expect(attempt.timedOut()).toBe(true);
    expect((attempt.signal.reason as DOMException).name).toBe('TimeoutError');
    attempt.release();
  });

  it("aborts with the caller's reason when the caller's signal aborts, and did not time out", () => {
    const caller = new AbortController();
    const attempt = attemptSignal(60_000, caller.signal);
    caller.abort(new Error('client left'));
    expect(attempt.signal.aborted).toBe(true);
    expect((attempt.signal.reason as Error).message).toBe('client left');
    expect(attempt.timedOut()).toBe(false);
    attempt.release();
  });

  it('starts aborted when the caller has already gone', () => {
    const caller = new AbortController();
    caller.abort();
    const attempt = attemptSignal(60_000, caller.signal);
    expect(attempt.signal.aborted).toBe(true);
    attempt.release();
  });

  it('once released, neither its timer nor the caller can abort it (nothing is left listening)', () => {
    const caller = new AbortController();
    const attempt = attemptSignal(5, caller.signal);
    attempt.release();
    caller.abort();
    vi.advanceTimersByTime(50);
    expect(vi.getTimerCount()).toBe(0);
    expect(attempt.signal.aborted).toBe(false);
    expect(attempt.timedOut()).toBe(false);
  });
});
