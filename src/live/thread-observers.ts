import { failureBackoffMs, retryAfterOf } from './backoff.js';
import { localCoordination, type Coordination, type Leadership } from './coordination.js';
import type { LivePubSub, RunSnapshot, RunWire } from './pubsub.js';
import type { RunObservers } from './run-observers.js';
import { isTerminalRunStatus } from './run-status.js';

/** Where thread observers read from: the newest page of a thread's runs. */
export interface ThreadRunsSource {
  /** Newest first; resolves null when the thread does not exist. */
  /** `caller`: the end user named upstream for the thread (UPSTREAM_FORWARD_CALLER), none for the gateway itself. */
  listRecentRuns(threadId: string, caller: string | undefined): Promise<RunWire[] | null>;
}

export interface ThreadObserversOptions {
  source: ThreadRunsSource;
  runs: RunObservers;
  /** Who polls which thread; local (this process only) by default. */
  coordination?: Coordination;
  pollMs: number;
  maxBackoffMs?: number;
  /** While list polls fail without a hint from the upstream, the longest wait before the next try. */
  outageRetryMs?: number;
  /** Where thread subscribers hear that the runs they watch are stale, and current again. Without it they are not told. */
  pubsub?: LivePubSub;
  onPoll?: (outcome: 'ok' | 'error' | 'gone') => void;
  /** A thread whose list polls were failing was read again: the upstream answers. */
  onRecovered?: () => void;
}

interface ObservedThread {
  threadId: string;
  subscribers: number;
  timer: NodeJS.Timeout | undefined;
  failures: number;
  leader: Leadership | undefined;
  /** The newest page seen (or being fetched): later subscribers start from it without a call. */
  page: Promise<RunWire[] | null> | undefined;
  /** The newest page read, kept through failures: what an outage announces as stale. */
  lastRuns: RunWire[] | undefined;
  /** Who the polls are made for upstream: the first subscriber that names a caller. */
  caller: string | undefined;
}

/**
 * One list poller per thread for the whole process, shared by all `threadRunsUpdated` subscribers.
 * Each page of runs is fed to the run observers, which publish a run only when it changed, so a
 * new run and every change of a recent run reach the thread's subscribers once.
 * Only the newest page (20 runs) is watched: a run that 20 newer runs have pushed off it is not.
 */
export class ThreadObservers {
  readonly #options: ThreadObserversOptions;
  readonly #observed = new Map<string, ObservedThread>();

  constructor(options: ThreadObserversOptions) {
    this.#options = options;
  }

  get size(): number {
    return this.#observed.size;
  }

  /** Registers a subscriber; resolves the thread's live (non-terminal) recent runs, or null for an unknown thread. */
  async acquire(threadId: string, caller?: string): Promise<RunWire[] | null> {
    let entry = this.#observed.get(threadId);
    if (!entry) {
      entry = { threadId, subscribers: 0, timer: undefined, failures: 0, leader: undefined, page: undefined, lastRuns: undefined, caller: undefined };
      const created = entry;
      // In a cluster one instance polls each thread's list; the others hear its runs through the pubsub.
      entry.leader = (this.#options.coordination ?? localCoordination).lead(`thread:${threadId}`, {
        onLead: () => this.#schedule(created, 0),
        onLose: () => clearTimeout(created.timer),
      });
      this.#observed.set(threadId, entry);
    }
    entry.subscribers += 1;
    entry.caller ??= caller;
    try {
      if (!entry.page) {
        const page = this.#options.source.listRecentRuns(threadId, entry.caller);
        entry.page = page;
        const runs = await page.catch((error: unknown) => {
          if (entry?.page === page) entry.page = undefined;
          throw error;
        });
        if (runs !== null) {
          entry.lastRuns = runs;
          for (const run of [...runs].reverse()) this.#options.runs.observe(run);
        }
      }
      const runs = await entry.page;
      if (runs === null) {
        this.release(threadId);
        return null;
      }
      if (entry.timer === undefined) this.#schedule(entry, this.#options.pollMs);
      return runs.filter((run) => !isTerminalRunStatus(run.status));
    } catch (error) {
      this.release(threadId);
      throw error;
    }
  }

  release(threadId: string): void {
    const entry = this.#observed.get(threadId);
    if (!entry) return;
    entry.subscribers -= 1;
    if (entry.subscribers > 0) return;
    entry.subscribers = 0;
    clearTimeout(entry.timer);
    this.#observed.delete(threadId);
    void entry.leader?.stop();
  }

  /** The upstream answers again: every thread waiting out a failure back-off is polled at once instead. */
  upstreamRecovered(): void {
    for (const entry of this.#observed.values()) {
      if (entry.failures === 0 || entry.timer === undefined || entry.subscribers === 0) continue;
      this.#schedule(entry, 0);
    }
  }

  async close(): Promise<void> {
    const leaders = [...this.#observed.values()].map((entry) => {
      clearTimeout(entry.timer);
      return entry.leader?.stop();
    });
    this.#observed.clear();
    await Promise.all(leaders);
  }

  #schedule(entry: ObservedThread, delayMs: number): void {
    clearTimeout(entry.timer);
    if (entry.leader?.leading !== true) return;
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      void this.#poll(entry);
    }, delayMs);
  }

  async #poll(entry: ObservedThread): Promise<void> {
    let delay = this.#options.pollMs;
    try {
      const runs = await this.#options.source.listRecentRuns(entry.threadId, entry.caller);
      const recovered = entry.failures > 0;
      entry.failures = 0;
      if (recovered) this.#options.onRecovered?.();
      if (runs === null) {
        this.#options.onPoll?.('gone');
      } else {
        this.#options.onPoll?.('ok');
        entry.page = Promise.resolve(runs);
        entry.lastRuns = runs;
        // Oldest first, so that subscribers see new runs in creation order.
        const recorded = [...runs].reverse().map((run) => this.#options.runs.observe(run));
        if (recovered) await this.#announceCurrent(entry, runs, recorded);
      }
    } catch (error) {
      entry.failures += 1;
      this.#options.onPoll?.('error');
      // A later subscriber must not start from a page that failed.
      entry.page = undefined;
      if (entry.failures === 1) this.#announceStale(entry);
      const { pollMs, maxBackoffMs = 10_000, outageRetryMs = 2_000 } = this.#options;
      delay = failureBackoffMs({ failures: entry.failures, intervalMs: pollMs, outageRetryMs, maxBackoffMs, hintMs: retryAfterOf(error) });
    }
    if (this.#observed.get(entry.threadId) === entry && entry.subscribers > 0) this.#schedule(entry, delay);
  }

  /** The first failed list poll of an outage: the thread's moving runs go out again, marked stale. */
  #announceStale(entry: ObservedThread): void {
    const { pubsub, runs } = this.#options;
    if (!pubsub || !entry.lastRuns) return;
    for (const listed of entry.lastRuns) {
      const known = runs.peek(entry.threadId, listed.id);
      const run = known?.run ?? listed;
      if (known?.gone || isTerminalRunStatus(run.status)) continue;
      pubsub.publish('threadRunUpdated', entry.threadId, { run, version: known?.version ?? 0, stale: true });
    }
  }

  /** After an outage, the moving runs' current states go out even when unchanged: stale ones are current again. */
  async #announceCurrent(entry: ObservedThread, listed: RunWire[], recorded: Array<Promise<void>>): Promise<void> {
    const { pubsub, runs } = this.#options;
    if (!pubsub) return;
    await Promise.allSettled(recorded);
    for (const run of listed) {
      const known: RunSnapshot | undefined = runs.peek(entry.threadId, run.id);
      if (known && !known.gone && !isTerminalRunStatus(known.run.status)) pubsub.publish('threadRunUpdated', entry.threadId, known);
    }
  }
}
