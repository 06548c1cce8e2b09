import { isTerminalRunStatus, runKey } from './run-status.js';
import type { LivePubSub, RunSnapshot, RunWire } from './pubsub.js';

/** Where the observers read runs from: one upstream GET, with the upstream's polling hint. */
export interface RunSource {
  /** Resolves null when the run does not exist. Rejects with an error that may carry `retryAfterMs`. */
  fetchRun(threadId: string, runId: string): Promise<{ run: RunWire | null; pollAfterMs?: number | undefined }>;
}

export interface RunObserversOptions {
  source: RunSource;
  pubsub: LivePubSub;
  /** Poll interval when the upstream sends no `openai-poll-after-ms`. */
  defaultPollMs: number;
  /** Lower bound on any poll interval, whatever the upstream says. */
  minPollMs?: number;
  /** Upper bound of the back-off after upstream failures. */
  maxBackoffMs?: number;
  /** How long the last state of a run nobody watches is kept for a late subscriber. */
  retainMs?: number;
  /** Called after every upstream poll (metrics). */
  onPoll?: (outcome: 'changed' | 'unchanged' | 'error' | 'gone') => void;
}

interface Observed {
  key: string;
  threadId: string;
  runId: string;
  subscribers: number;
  streams: number;
  last: RunSnapshot | undefined;
  fingerprint: string | undefined;
  version: number;
  timer: NodeJS.Timeout | undefined;
  polling: Promise<void> | undefined;
  failures: number;
  gone: boolean;
  retainTimer: NodeJS.Timeout | undefined;
  /** Delay the last poll asked for (upstream hint or back-off). */
  nextDelayMs: number | undefined;
}

export class RunNotFoundError extends Error {
  override name = 'RunNotFoundError';
}

/**
 * One observer per run for the whole process, shared by all its subscribers: N subscribers cost the
 * upstream what one does. An observer polls while it has subscribers and no stream feeds it, stops
 * at a terminal status, and keeps the last state so that a late subscriber gets it without a call.
 */
export class RunObservers {
  readonly #options: Required<Omit<RunObserversOptions, 'onPoll'>> & Pick<RunObserversOptions, 'onPoll'>;
  readonly #observed = new Map<string, Observed>();
  #closed = false;

  constructor(options: RunObserversOptions) {
    this.#options = { minPollMs: 50, maxBackoffMs: 10_000, retainMs: 60_000, ...options };
  }

  /** Live observers (for metrics and tests). */
  get size(): number {
    let polling = 0;
    for (const entry of this.#observed.values()) if (entry.subscribers > 0 || entry.streams > 0) polling += 1;
    return polling;
  }

  /**
   * Registers a subscriber and returns the run's current state, or null when it does not exist.
   * The caller must `release` once for every `acquire` that did not throw.
   */
  async acquire(threadId: string, runId: string): Promise<RunSnapshot | null> {
    const entry = this.#entry(threadId, runId);
    entry.subscribers += 1;
    clearTimeout(entry.retainTimer);
    try {
      const fresh = entry.last !== undefined && (isTerminalRunStatus(entry.last.run.status) || entry.timer !== undefined || entry.polling !== undefined || entry.streams > 0);
      if (!fresh) await this.#pollNow(entry, { throwOnError: true });
      if (entry.gone || entry.last === undefined) {
        this.release(threadId, runId);
        return null;
      }
      this.#schedule(entry, this.#options.defaultPollMs);
      return entry.last;
    } catch (error) {
      this.release(threadId, runId);
      throw error;
    }
  }

  release(threadId: string, runId: string): void {
    const entry = this.#observed.get(runKey(threadId, runId));
    if (!entry || entry.subscribers === 0) return;
    entry.subscribers -= 1;
    if (entry.subscribers === 0 && entry.streams === 0) this.#idle(entry);
  }

  /** The current state, if an observer holds one (no upstream call). */
  peek(threadId: string, runId: string): RunSnapshot | undefined {
    return this.#observed.get(runKey(threadId, runId))?.last;
  }

  /**
   * A state seen elsewhere (a mutation's response, a stream event): published when it differs from
   * the last one, so stream readers and pollers never announce the same change twice.
   */
  observe(run: RunWire): RunSnapshot {
    const entry = this.#entry(run.thread_id, run.id);
    this.#update(entry, run);
    if (entry.subscribers === 0 && entry.streams === 0) this.#idle(entry);
    return entry.last!;
  }

  /** While a stream feeds a run, its observer does not poll. The returned function detaches. */
  attachStream(threadId: string, runId: string): () => void {
    const entry = this.#entry(threadId, runId);
    entry.streams += 1;
    clearTimeout(entry.timer);
    entry.timer = undefined;
    clearTimeout(entry.retainTimer);
    let attached = true;
    return () => {
      if (!attached) return;
      attached = false;
      entry.streams -= 1;
      if (entry.streams > 0) return;
      // The stream may have ended early (requires_action) or broken: polling takes over at once.
      if (entry.subscribers > 0) this.#schedule(entry, 0);
      else this.#idle(entry);
    };
  }

  close(): void {
    this.#closed = true;
    for (const entry of this.#observed.values()) {
      clearTimeout(entry.timer);
      clearTimeout(entry.retainTimer);
    }
    this.#observed.clear();
  }

  #entry(threadId: string, runId: string): Observed {
    const key = runKey(threadId, runId);
    let entry = this.#observed.get(key);
    if (!entry) {
      entry = { key, threadId, runId, subscribers: 0, streams: 0, last: undefined, fingerprint: undefined, version: 0, timer: undefined, polling: undefined, failures: 0, gone: false, retainTimer: undefined, nextDelayMs: undefined };
      this.#observed.set(key, entry);
    }
    return entry;
  }

  #update(entry: Observed, run: RunWire): void {
    entry.gone = false;
    // Whole-object comparison: any field of the run (status, required action, usage, metadata…) is a change.
    const fingerprint = JSON.stringify(run);
    if (fingerprint === entry.fingerprint) return;
    entry.fingerprint = fingerprint;
    entry.version += 1;
    entry.last = { run, version: entry.version };
    this.#options.pubsub.publish('runUpdated', entry.key, entry.last);
    this.#options.pubsub.publish('threadRunUpdated', entry.threadId, entry.last);
  }

  #pollNow(entry: Observed, { throwOnError }: { throwOnError: boolean }): Promise<void> {
    // Concurrent callers share one upstream GET.
    entry.polling ??= (async () => {
      try {
        const { run, pollAfterMs } = await this.#options.source.fetchRun(entry.threadId, entry.runId);
        entry.failures = 0;
        if (run === null) {
          entry.gone = true;
          this.#options.onPoll?.('gone');
          if (entry.last) this.#options.pubsub.publish('runUpdated', entry.key, { ...entry.last, version: ++entry.version, gone: true });
          return;
        }
        const before = entry.version;
        this.#update(entry, run);
        this.#options.onPoll?.(entry.version === before ? 'unchanged' : 'changed');
        entry.nextDelayMs = pollAfterMs;
      } catch (error) {
        entry.failures += 1;
        this.#options.onPoll?.('error');
        entry.nextDelayMs = this.#backoff(entry, error);
        if (throwOnError) throw error;
      } finally {
        entry.polling = undefined;
      }
    })();
    return entry.polling;
  }

  #backoff(entry: Observed, error: unknown): number {
    const hinted = retryAfterOf(error);
    const exponential = Math.min(this.#options.maxBackoffMs, this.#options.defaultPollMs * 2 ** Math.min(entry.failures, 10));
    return Math.min(this.#options.maxBackoffMs, Math.max(hinted ?? 0, exponential));
  }

  #schedule(entry: Observed, delayMs: number): void {
    if (this.#closed || entry.timer !== undefined || entry.polling !== undefined) return;
    if (entry.subscribers === 0 || entry.streams > 0 || entry.gone) return;
    if (entry.last && isTerminalRunStatus(entry.last.run.status)) return;
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      void this.#pollNow(entry, { throwOnError: false }).then(() => {
        const next = entry.nextDelayMs ?? this.#options.defaultPollMs;
        entry.nextDelayMs = undefined;
        this.#schedule(entry, Math.max(this.#options.minPollMs, next));
      });
    }, delayMs);
  }

  #idle(entry: Observed): void {
    clearTimeout(entry.timer);
    entry.timer = undefined;
    clearTimeout(entry.retainTimer);
    entry.retainTimer = setTimeout(() => {
      if (entry.subscribers === 0 && entry.streams === 0) this.#observed.delete(entry.key);
    }, this.#options.retainMs);
    entry.retainTimer.unref();
  }
}

function retryAfterOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const direct = (error as { retryAfterMs?: unknown }).retryAfterMs;
  const extensions = (error as { extensions?: { retryAfterMs?: unknown } }).extensions?.retryAfterMs;
  const value = typeof direct === 'number' ? direct : extensions;
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
