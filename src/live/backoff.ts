/** What a poller's next wait after failed polls depends on. */
export interface FailureBackoff {
  /** Failed polls in a row, this one included (1 or more). */
  failures: number;
  /** The poller's interval while the upstream answers. */
  intervalMs: number;
  /** Cap of the exponential part: while failing without a hint, polls are at most this far apart. */
  outageRetryMs: number;
  /** Cap of any wait, a hint included. */
  maxBackoffMs: number;
  /** A wait the upstream named (Retry-After, an open circuit's cooldown). */
  hintMs?: number | undefined;
}

/**
 * The wait before the next poll after a failure: the interval doubled per failure, but no longer than
 * `outageRetryMs` (never below the interval itself), so that an outage ends for subscribers soon after the
 * upstream answers again; longer only when the upstream asks for it, up to `maxBackoffMs`.
 */
export function failureBackoffMs(input: FailureBackoff): number {
  const exponential = Math.max(input.intervalMs, Math.min(input.outageRetryMs, input.intervalMs * 2 ** Math.min(input.failures, 10)));
  return Math.min(input.maxBackoffMs, Math.max(input.hintMs ?? 0, exponential));
}

/** `retryAfterMs` of an upstream error (on the error itself or in its GraphQL extensions), if any. */
export function retryAfterOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const direct = (error as { retryAfterMs?: unknown }).retryAfterMs;
  const extensions = (error as { extensions?: { retryAfterMs?: unknown } }).extensions?.retryAfterMs;
  const value = typeof direct === 'number' ? direct : extensions;
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
