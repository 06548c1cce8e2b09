import { localCoordination, type Coordination, type Leadership } from './coordination.js';
import type { RunWire } from './pubsub.js';
import type { RunObservers } from './run-observers.js';
import { isTerminalRunStatus } from './run-status.js';

/** Where thread observers read from: the newest page of a thread's runs. */
export interface ThreadRunsSource {
  /** Newest first; resolves null when the thread does not exist. */
  listRecentRuns(threadId: string): Promise<RunWire[] | null>;
}

export interface ThreadObserversOptions {
  source: ThreadRunsSource;
  runs: RunObservers;
  /** Who polls which thread; local (this process only) by default. */
  coordination?: Coordination;
  pollMs: number;
  maxBackoffMs?: number;
  onPoll?: (outcome: 'ok' | 'error' | 'gone') => void;
}

interface ObservedThread {
  threadId: string;
  subscribers: number;
  timer: NodeJS.Timeout | undefined;
  failures: number;
  leader: Leadership | undefined;
  /** The newest page seen (or being fetched): later subscribers start from it without a call. */
  page: Promise<RunWire[] | null> | undefined;
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
  async acquire(threadId: string): Promise<RunWire[] | null> {
    let entry = this.#observed.get(threadId);
    if (!entry) {
      entry = { threadId, subscribers: 0, timer: undefined, failures: 0, leader: undefined, page: undefined };
      const created = entry;
      // In a cluster one instance polls each thread's list; the others hear its runs through the pubsub.
      entry.leader = (this.#options.coordination ?? localCoordination).lead(`thread:${threadId}`, {
        onLead: () => this.#schedule(created, 0),
        onLose: () => clearTimeout(created.timer),
      });
      this.#observed.set(threadId, entry);
    }
    entry.subscribers += 1;
    try {
      if (!entry.page) {
        const page = this.#options.source.listRecentRuns(threadId);
        entry.page = page;
        const runs = await page.catch((error: unknown) => {
          if (entry?.page === page) entry.page = undefined;
          throw error;
        });
        if (runs !== null) for (const run of [...runs].reverse()) this.#options.runs.observe(run);
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
    entry.timer = setTimeout(() => void this.#poll(entry), delayMs);
  }

  async #poll(entry: ObservedThread): Promise<void> {
    let delay = this.#options.pollMs;
    try {
      const runs = await this.#options.source.listRecentRuns(entry.threadId);
      entry.failures = 0;
      if (runs === null) {
        this.#options.onPoll?.('gone');
      } else {
        this.#options.onPoll?.('ok');
        entry.page = Promise.resolve(runs);
        // Oldest first, so that subscribers see new runs in creation order.
        for (const run of [...runs].reverse()) this.#options.runs.observe(run);
      }
    } catch {
      entry.failures += 1;
      this.#options.onPoll?.('error');
      // A later subscriber must not start from a page that failed.
      entry.page = undefined;
      delay = Math.min(this.#options.maxBackoffMs ?? 10_000, this.#options.pollMs * 2 ** Math.min(entry.failures, 10));
    }
    if (this.#observed.get(entry.threadId) === entry && entry.subscribers > 0) this.#schedule(entry, delay);
  }
}
