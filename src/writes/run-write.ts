import { GraphQLError } from 'graphql';
import { invalidInput } from './errors.js';
import type { IdempotencyStore, StoredError, WriteOutcome } from './idempotency.js';

export interface WriteOptions<T> {
  /** Sends the write upstream, once. Its result must be JSON (it is stored for repeats). */
  send: () => Promise<T>;
  /** Without a key the write is simply sent. */
  idempotency?: {
    store: IdempotencyStore;
    /** From `idempotencyStoreKey()`: scoped by subject and mutation. */
    key: string;
    /** From `requestFingerprint()`. */
    fingerprint: string;
    ttlMs: number;
    /** GraphQL path of the key, named in the mismatch error. @default 'input.idempotencyKey' */
    field?: string;
  };
  /** Whether a failure may have been applied upstream. @default `outcomeUnknown` */
  isOutcomeUnknown?: (error: unknown) => boolean;
}

export interface WriteResult<T> {
  value: T;
  /** True when the value is the stored result of an earlier (or concurrent) request with the same key. */
  replayed: boolean;
}

/** Codes of upstream answers that reject a write: nothing was applied, so sending it again is safe. */
const REJECTED = new Set(['BAD_USER_INPUT', 'CONFLICT', 'NOT_FOUND', 'RATE_LIMITED', 'UPSTREAM_UNAUTHORIZED', 'FORBIDDEN', 'UNAUTHENTICATED']);

/**
 * True when a write that failed may still have happened upstream: no answer (timeout, dropped connection), a 5xx,
 * or an error this module does not know. Only an explicit rejection by the upstream (a 4xx) counts as not applied.
 */
export function outcomeUnknown(error: unknown): boolean {
  if (!(error instanceof GraphQLError)) return true;
  // Refused or shed by the gateway before anything was sent (circuit open, overloaded).
  if ((error as { neverSent?: unknown }).neverSent === true) return false;
  const code = error.extensions['code'];
  if (typeof code === 'string' && REJECTED.has(code)) return false;
  const status = (error as { status?: unknown }).status ?? error.extensions['upstreamStatus'];
  if (typeof status === 'number') return status >= 500 || status === 408;
  return true;
}

/**
 * Runs one upstream write, never sending it twice for one idempotency key:
 * no key → `send()`; a new key → `send()` and record the outcome; a repeat → the recorded outcome, or the outcome of
 * the request still in flight. See `idempotency.ts` for what is remembered after a failure.
 */
export async function runWrite<T>(options: WriteOptions<T>): Promise<WriteResult<T>> {
  const { send, idempotency } = options;
  if (!idempotency) return { value: await send(), replayed: false };
  const { store, key, fingerprint, ttlMs } = idempotency;
  const isUnknown = options.isOutcomeUnknown ?? outcomeUnknown;

  let begun;
  try {
    begun = await store.begin<T>(key, fingerprint, ttlMs);
  } catch (error) {
    // Fail closed: without the store a repeat could not be recognised, and a duplicate run is worse than an error.
    throw new GraphQLError('The idempotency store is unavailable; the write was not sent. Retry later, or without idempotencyKey.', {
      // No `originalError`: yoga would mask the error as unexpected, and the client needs the code.
      extensions: { code: 'UPSTREAM_UNAVAILABLE', reason: 'idempotency_unavailable' },
    });
  }
  switch (begun.kind) {
    case 'mismatch': {
      const field = idempotency.field ?? 'input.idempotencyKey';
      throw invalidInput([{ field, message: `${field} was already used for a different request; use a new key for a new request` }]);
    }
    case 'done':
      return replay(begun.outcome);
    case 'in_flight':
      return replay(await begun.wait);
    case 'new':
      break;
  }

  let value: T;
  try {
    value = await send();
  } catch (error) {
    const outcome: WriteOutcome<T> = { ok: false, error: toStored(error) };
    // The store failing here must not hide the write's own error.
    if (isUnknown(error)) await store.complete(key, begun.token, outcome).catch(() => undefined);
    else await store.release(key, begun.token, outcome).catch(() => undefined);
    throw error;
  }
  // The write happened: the caller gets its result even if the store cannot record it.
  await store.complete(key, begun.token, { ok: true, value }).catch(() => undefined);
  return { value, replayed: false };
}

function replay<T>(outcome: WriteOutcome<T>): WriteResult<T> {
  if (outcome.ok) return { value: outcome.value, replayed: true };
  throw new GraphQLError(outcome.error.message, { extensions: { ...outcome.error.extensions, idempotentReplay: true } });
}

function toStored(error: unknown): StoredError {
  if (error instanceof GraphQLError) return { message: error.message, extensions: { ...error.extensions } };
  // Unknown errors are masked for clients anyway; store nothing of their text.
  return { message: 'The write failed and its outcome is unknown.', extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}
