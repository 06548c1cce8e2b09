import type { HeaderReader } from './transport.js';
/**
 * Retry policy for upstream requests, as pure functions (openai-node's rules, but never for writes).
 * @see https://github.com/openai/openai-node/blob/master/src/client.ts (shouldRetry, calculateDefaultRetryTimeoutMillis)
 */

/** Statuses worth another attempt: timeouts, lock conflicts, rate limits and server errors. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

export interface RetryDecisionInput {
  method: string;
  /** Attempts already made (1 after the first failure). */
  attempt: number;
  maxRetries: number;
  /** The HTTP status, or undefined when no response arrived (network error or timeout). */
  status?: number | undefined;
  headers?: HeaderReader | undefined;
  /** The caller's explicit choice (`UpstreamRequest.retry`); by default only GET/HEAD are retried. */
  retry?: boolean | undefined;
}

export function shouldRetry(input: RetryDecisionInput): boolean {
  const { method, attempt, maxRetries, status, headers } = input;
  if (attempt > maxRetries || input.retry === false) return false;
  const idempotent = method === 'GET' || method === 'HEAD';
  // A repeated POST can create a second run; never retry one blindly.
  if (!idempotent && input.retry !== true) return false;
  const hint = headers?.get('x-should-retry');
  if (hint === 'true') return true;
  if (hint === 'false') return false;
  if (status === undefined) return true;
  return isRetryableStatus(status);
}

export interface BackoffOptions {
  /** The server's `retry-after-ms` / `retry-after` is honoured only up to this many milliseconds. */
  retryAfterCapMs: number;
  /** @default 500 */
  initialDelayMs?: number;
  /** @default 8000 */
  maxDelayMs?: number;
  /** Injected for tests. @default Math.random */
  random?: () => number;
  now?: () => number;
}

/**
 * Milliseconds the server asked us to wait (`retry-after-ms`, else `retry-after` in seconds or as an HTTP date),
 * or undefined when it did not say or said something unusable.
 */
export function parseRetryAfterMs(headers: HeaderReader | undefined, now: () => number = Date.now): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms.trim() !== '') {
    const value = Number(ms);
    if (Number.isFinite(value) && value >= 0) return Math.ceil(value);
  }
  const after = headers.get('retry-after');
  if (after !== null && after.trim() !== '') {
    const seconds = Number(after);
    if (Number.isFinite(seconds)) return seconds >= 0 ? Math.ceil(seconds * 1000) : undefined;
    const date = Date.parse(after);
    if (Number.isFinite(date)) return Math.max(0, date - now());
  }
  return undefined;
}

/** Exponential backoff: 0.5 s, 1 s, 2 s … capped at 8 s, minus up to 25% jitter. */
export function backoffDelayMs(attempt: number, options: Pick<BackoffOptions, 'initialDelayMs' | 'maxDelayMs' | 'random'> = {}): number {
  const initial = options.initialDelayMs ?? 500;
  const max = options.maxDelayMs ?? 8_000;
  const random = options.random ?? Math.random;
  const base = Math.min(initial * 2 ** Math.max(0, attempt - 1), max);
  return Math.round(base * (1 - random() * 0.25));
}

/**
 * The wait before attempt number `attempt + 1`: the server's hint when it is within the cap, else backoff.
 * Returns undefined when the server asks for a longer wait than the cap: the caller gives up at once and
 * reports the hint (RATE_LIMITED with retryAfterMs) instead of hammering a server that said "not yet".
 */
export function retryDelayMs(attempt: number, headers: HeaderReader | undefined, options: BackoffOptions): number | undefined {
  const hinted = parseRetryAfterMs(headers, options.now);
  if (hinted !== undefined) return hinted <= options.retryAfterCapMs ? hinted : undefined;
  return backoffDelayMs(attempt, options);
}
