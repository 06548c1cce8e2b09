import { describe, expect, it } from 'vitest';
import { failureBackoffMs } from '../../src/live/backoff.js';

describe('failureBackoffMs', () => {
  const base = { intervalMs: 1_000, outageRetryMs: 2_000, maxBackoffMs: 10_000 };

  it('doubles the interval per failure up to the outage retry cap', () => {
    expect([1, 2, 3, 10, 50].map((failures) => failureBackoffMs({ ...base, failures }))).toEqual([2_000, 2_000, 2_000, 2_000, 2_000]);
    expect([1, 2, 3, 4].map((failures) => failureBackoffMs({ ...base, outageRetryMs: 5_000, failures }))).toEqual([2_000, 4_000, 5_000, 5_000]);
  });

  it('never polls faster than the interval while failing', () => {
    expect(failureBackoffMs({ ...base, intervalMs: 5_000, failures: 1 })).toBe(5_000);
  });

  it('waits what the upstream asks, up to the back-off cap', () => {
    expect(failureBackoffMs({ ...base, failures: 1, hintMs: 4_500 })).toBe(4_500);
    expect(failureBackoffMs({ ...base, failures: 1, hintMs: 60_000 })).toBe(10_000);
    expect(failureBackoffMs({ ...base, failures: 1, hintMs: 0 })).toBe(2_000);
  });
});
