import { describe, expect, it } from 'vitest';
import { backoffDelayMs, isRetryableStatus, parseRetryAfterMs, retryDelayMs, shouldRetry } from '../../src/upstream/retry.js';

describe('retry policy (pure functions)', () => {
  it('retries 408, 409, 429 and 5xx only', () => {
    expect([408, 409, 429, 500, 502, 503, 599].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 403, 404, 422].some(isRetryableStatus)).toBe(false);
  });

  it('retries GETs at most maxRetries times, network errors included', () => {
    expect(shouldRetry({ method: 'GET', attempt: 1, maxRetries: 2, status: 500 })).toBe(true);
    expect(shouldRetry({ method: 'GET', attempt: 2, maxRetries: 2, status: 500 })).toBe(true);
    expect(shouldRetry({ method: 'GET', attempt: 3, maxRetries: 2, status: 500 })).toBe(false);
    expect(shouldRetry({ method: 'GET', attempt: 1, maxRetries: 2 })).toBe(true);
    expect(shouldRetry({ method: 'GET', attempt: 1, maxRetries: 0, status: 500 })).toBe(false);
    expect(shouldRetry({ method: 'GET', attempt: 1, maxRetries: 2, status: 404 })).toBe(false);
  });

  it('never retries writes unless the caller opts in, and obeys x-should-retry', () => {
    expect(shouldRetry({ method: 'POST', attempt: 1, maxRetries: 2, status: 500 })).toBe(false);
    expect(shouldRetry({ method: 'POST', attempt: 1, maxRetries: 2 })).toBe(false);
    expect(shouldRetry({ method: 'POST', attempt: 1, maxRetries: 2, status: 500, headers: new Headers({ 'x-should-retry': 'true' }) })).toBe(false);
    expect(shouldRetry({ method: 'POST', attempt: 1, maxRetries: 2, status: 500, retry: true })).toBe(true);
    expect(shouldRetry({ method: 'GET', attempt: 1, maxRetries: 2, status: 500, retry: false })).toBe(false);
    expect(shouldRetry({ method: 'GET', attempt: 1, maxRetries: 2, status: 500, headers: new Headers({ 'x-should-retry': 'false' }) })).toBe(false);
    expect(shouldRetry({ method: 'GET', attempt: 1, maxRetries: 2, status: 400, headers: new Headers({ 'x-should-retry': 'true' }) })).toBe(true);
  });

  it('backs off exponentially from 0.5 s to 8 s with at most 25% jitter', () => {
    expect([1, 2, 3, 4, 5, 6, 9].map((n) => backoffDelayMs(n, { random: () => 0 }))).toEqual([500, 1000, 2000, 4000, 8000, 8000, 8000]);
    expect(backoffDelayMs(1, { random: () => 0.999999 })).toBe(375);
    for (let i = 0; i < 100; i++) {
      const delay = backoffDelayMs(2);
      expect(delay).toBeGreaterThanOrEqual(750);
      expect(delay).toBeLessThanOrEqual(1000);
    }
  });

  it('reads retry-after-ms, then retry-after in seconds or as a date', () => {
    const now = () => Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfterMs(new Headers({ 'retry-after-ms': '250', 'retry-after': '9' }))).toBe(250);
    expect(parseRetryAfterMs(new Headers({ 'retry-after': '2' }))).toBe(2000);
    expect(parseRetryAfterMs(new Headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:03 GMT' }), now)).toBe(3000);
    expect(parseRetryAfterMs(new Headers({ 'retry-after': 'soon' }))).toBeUndefined();
    expect(parseRetryAfterMs(new Headers())).toBeUndefined();
  });

  it('honours the server hint up to the cap and gives up beyond it', () => {
    const options = { retryAfterCapMs: 5_000, random: () => 0 };
    expect(retryDelayMs(1, new Headers({ 'retry-after-ms': '1200' }), options)).toBe(1200);
    expect(retryDelayMs(1, new Headers({ 'retry-after': '60' }), options)).toBeUndefined();
    expect(retryDelayMs(2, new Headers(), options)).toBe(1000);
    expect(retryDelayMs(1, undefined, options)).toBe(500);
  });
});
