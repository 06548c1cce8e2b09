import { failureBackoffMs, retryAfterOf } from './backoff.js';
import { localCoordination, type Coordination, type Leadership } from './coordination.js';
import type { LivePubSub, RunSnapshot, RunWire } from './pubsub.js';
import { isTerminalRunStatus, runKey } from './run-status.js';

/** Where the observers read runs from: one upstream GET, with the upstream's polling hint. */
export interface RunSource {
  /** Resolves null when the run does not exist. Rejects with an error that may carry `retryAfterMs`. */
  /** `caller`: the end user named upstream for the run (UPSTREAM_FORWARD_CALLER), none for the gateway itself. */
  fetchRun(threadId: string, runId: string, caller: string | undefined): Promise<{ run: RunWire | null; pollAfterMs?: number | undefined }>;
}

export interface RunObserversOptions {
  source: RunSource;
  pubsub: LivePubSub;
  /** Who polls and how states are numbered; local (this process only) by default. */
  coordination?: Coordination;
  /** Poll interval when the upstream sends no `openai-poll-after-ms`. */
  defaultPollMs: number;
  /** Lower bound on any poll interval, whatever the upstream says. */
  minPollMs?: number;
  /** Upper bound of the back-off after upstream failures, a Retry-After included. */
  maxBackoffMs?: number;
  /** While polls fail without a hint from the upstream, the longest wait before the next try. */
  outageRetryMs?: number;
  /** How long the last state of a run nobody watches is kept for a late subscriber. */
  retainMs?: number;
  /** Called after every upstream poll (metrics), with the time from when it was due to its answer. */
  onPoll?: (outcome: 'changed' | 'unchanged' | 'error' | 'gone', lagMs: number) => void;
  /** A state could not be recorded (the coordinator is unreachable). */
  onError?: (error: unknown) => void;
  /**
   * A run whose polls were failing was read again: the upstream answers. Other pollers waiting out a back-off
   * may try at once (`upstreamRecovered`).
   */
  onRecovered?: () => void;
  /** A new state of a run was recorded and published (not a stale re-send): the thread directory's activity. */
  onChanged?: (snapshot: RunSnapshot) => void;
}

interface Observed {
  key: string;
  threadId: string;
  runId: string;
  subscribers: number;
  streams: number;
  last: RunSnapshot | undefined;
  leader: Leadership | undefined;
  timer: NodeJS.Timeout | undefined;
  polling: Promise<void> | undefined;
  /** States are recorded one after another, in the order observed. */
  recording: Promise<void>;
  /** Publish the next polled state even when it is known: a predecessor may have died before publishing it. */
  publishNext: boolean;
  failures: number;
  gone: boolean;
  retainTimer: NodeJS.Timeout | undefined;
  /** Delay the last poll asked for (upstream hint or back-off). */
  nextDelayMs: number | undefined;
  /** When the scheduled poll is due (for the poll lag). */
  dueAt: number | undefined;
  /** Who the polls are made for upstream: the first subscriber that names a caller (they all may read the run). */
  caller: string | undefined;
}

/**
 * One observer per run, shared by all its subscribers: N subscribers cost the upstream what one does.
 * An observer polls while it has subscribers, no stream feeds it and it leads (in a cluster: holds the
 * run's lease, so one instance polls each run); it stops at a terminal status and keeps the last state
 * so that a late subscriber gets it without a call.
 */
export class RunObservers {
  readonly #options: Required<Omit<RunObserversOptions, 'onPoll' | 'onError' | 'onRecovered' | 'onChanged'>> & Pick<RunObserversOptions, 'onPoll' | 'onError' | 'onRecovered' | 'onChanged'>;
  readonly #observed = new Map<string, Observed>();
  #closed = false;

  constructor(options: RunObserversOptions) {
    this.#options = { minPollMs: 50, maxBackoffMs: 10_000, outageRetryMs: 2_000, retainMs: 60_000, coordination: localCoordination, ...options };
  }

  /** Runs observed for someone now (for metrics and tests). */
  get size(): number {
    let live = 0;
    for (const entry of this.#observed.values()) if (entry.subscribers > 0 || entry.streams > 0) live += 1;
    return live;
  }

  /** Runs this instance polls now. */
  get polling(): number {
    let polling = 0;
    for (const entry of this.#observed.values()) if (entry.timer !== undefined || entry.polling !== undefined) polling += 1;
    return polling;
  }

  /**
   * Registers a subscriber and returns the run's current state, or null when it does not exist.
   * The caller must `release` once for every `acquire` that did not throw.
   */
  async acquire(threadId: string, runId: string, caller?: string): Promise<RunSnapshot | null> {
    const entry = this.#entry(threadId, runId);
    entry.subscribers += 1;
    entry.caller ??= caller;
    clearTimeout(entry.retainTimer);
    try {
      const leader = this.#lead(entry);
      await leader.ready;
      // States observed before this call (a stream, a mutation) are recorded first.
      await entry.recording;
      if (!this.#fresh(entry)) {
        const { coordination } = this.#options;
        // In a cluster the instance that polls keeps the state in the store: start from it, without an upstream call.
        const stored = coordination.shared ? await coordination.current(entry.key) : undefined;
        if (stored && (!leader.leading || isTerminalRunStatus(stored.run.status))) this.#remember(entry, stored);
        else await this.#pollNow(entry, { throwOnError: true });
      }
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

  /** The current state, if this instance holds one (no upstream call). */
  peek(threadId: string, runId: string): RunSnapshot | undefined {
    return this.#observed.get(runKey(threadId, runId))?.last;
  }

  /**
   * A state seen elsewhere (a mutation's response, a stream event, a thread's run list): published when it
   * differs from the last one, so that no change is announced twice. Resolves once recorded.
   */
  observe(run: RunWire): Promise<void> {
    const entry = this.#entry(run.thread_id, run.id);
    const recorded = this.#record(entry, run, false);
    if (entry.subscribers === 0 && entry.streams === 0) this.#idle(entry);
    return recorded;
  }

  /** While a stream feeds a run, it is not polled (in a cluster: by no instance). The returned function detaches. */
  attachStream(threadId: string, runId: string): () => void {
    const entry = this.#entry(threadId, runId);
    entry.streams += 1;
    clearTimeout(entry.timer);
    entry.timer = undefined;
    clearTimeout(entry.retainTimer);
    this.#lead(entry);
    let attached = true;
    return () => {
      if (!attached) return;
      attached = false;
      entry.streams -= 1;
      if (entry.streams > 0) return;
      // The stream may have ended early (requires_action) or broken: polling takes over at once,
      // unless the states it recorded (in order, after this) say the run is over.
      void entry.recording.then(() => {
        if (entry.streams > 0) return;
        if (entry.subscribers > 0) this.#schedule(entry, 0);
        else this.#idle(entry);
      });
    };
  }

  /**
   * The upstream answers again (a poll here or elsewhere succeeded after failures, or the upstream client says so):
   * every run waiting out a failure back-off is polled at once instead.
   */
  upstreamRecovered(): void {
    for (const entry of this.#observed.values()) {
      if (entry.failures === 0 || entry.timer === undefined) continue;
      clearTimeout(entry.timer);
      entry.timer = undefined;
      this.#schedule(entry, 0);
    }
  }

  /** Stops every poller and gives up every lease. */
  async close(): Promise<void> {
    this.#closed = true;
    const leaders: Array<Promise<void>> = [];
    for (const entry of this.#observed.values()) {
      clearTimeout(entry.timer);
      clearTimeout(entry.retainTimer);
      if (entry.leader) leaders.push(entry.leader.stop());
    }
    this.#observed.clear();
    await Promise.all(leaders);
  }

  #entry(threadId: string, runId: string): Observed {
    const key = runKey(threadId, runId);
    let entry = this.#observed.get(key);
    if (!entry) {
      entry = {
        key,
        threadId,
        runId,
        subscribers: 0,
        streams: 0,
        last: undefined,
        leader: undefined,
        timer: undefined,
        polling: undefined,
        recording: Promise.resolve(),
        publishNext: false,
        failures: 0,
        gone: false,
        retainTimer: undefined,
        nextDelayMs: undefined,
        dueAt: undefined,
        caller: undefined,
      };
      this.#observed.set(key, entry);
    }
    return entry;
  }

  #lead(entry: Observed): Leadership {
    entry.leader ??= this.#options.coordination.lead(`run:${entry.key}`, {
      onLead: () => {
        entry.publishNext = true;
        this.#schedule(entry, 0);
      },
      onLose: () => {
        clearTimeout(entry.timer);
        entry.timer = undefined;
      },
    });
    return entry.leader;
  }

  /** The state held here is current: final, or kept current by this instance's poller or stream. */
  #fresh(entry: Observed): boolean {
    if (entry.last === undefined) return false;
    if (isTerminalRunStatus(entry.last.run.status)) return true;
    return entry.leader?.leading === true && (entry.timer !== undefined || entry.polling !== undefined || entry.streams > 0);
  }

  #remember(entry: Observed, snapshot: RunSnapshot): void {
    if (entry.last === undefined || snapshot.version > entry.last.version) entry.last = snapshot;
    entry.gone = snapshot.gone === true;
  }

  #record(entry: Observed, run: RunWire, gone: boolean, forcePublish = false): Promise<void> {
    entry.recording = entry.recording.then(async () => {
      try {
        const { snapshot, changed } = await this.#options.coordination.advance(entry.key, run, entry.last, gone);
        this.#remember(entry, snapshot);
        if (changed || forcePublish) {
          this.#options.pubsub.publish('runUpdated', entry.key, snapshot);
          this.#options.pubsub.publish('threadRunUpdated', entry.threadId, snapshot);
          if (changed) this.#options.onChanged?.(snapshot);
        }
      } catch (error) {
        this.#options.onError?.(error);
        throw error;
      }
    });
    const recorded = entry.recording;
    // The chain goes on after a failure; the caller of this record sees it.
    entry.recording = recorded.catch(() => undefined);
    return recorded;
  }

  #pollNow(entry: Observed, { throwOnError }: { throwOnError: boolean }): Promise<void> {
    // Concurrent callers share one upstream GET.
    entry.polling ??= (async () => {
      const dueAt = entry.dueAt ?? Date.now();
      entry.dueAt = undefined;
      const lag = () => Date.now() - dueAt;
      try {
        const { run, pollAfterMs } = await this.#options.source.fetchRun(entry.threadId, entry.runId, entry.caller);
        const recovered = entry.failures > 0;
        entry.failures = 0;
        // After an outage the current state goes out even when unchanged: subscribers that were told the state is
        // stale hear that it is current again.
        const publish = entry.publishNext || recovered;
        entry.publishNext = false;
        if (recovered) this.#options.onRecovered?.();
        if (run === null) {
          this.#options.onPoll?.('gone', lag());
          if (entry.last) await this.#record(entry, entry.last.run, true);
          entry.gone = true;
          return;
        }
        const before = entry.last?.version;
        await this.#record(entry, run, false, publish);
        this.#options.onPoll?.(entry.last?.version === before ? 'unchanged' : 'changed', lag());
        entry.nextDelayMs = pollAfterMs;
      } catch (error) {
        entry.failures += 1;
        this.#options.onPoll?.('error', lag());
        entry.nextDelayMs = this.#backoff(entry, error);
        if (entry.failures === 1) this.#announceStale(entry);
        if (throwOnError) throw error;
      } finally {
        entry.polling = undefined;
      }
    })();
    return entry.polling;
  }

  #backoff(entry: Observed, error: unknown): number {
    const { defaultPollMs, outageRetryMs, maxBackoffMs } = this.#options;
    return failureBackoffMs({ failures: entry.failures, intervalMs: defaultPollMs, outageRetryMs, maxBackoffMs, hintMs: retryAfterOf(error) });
  }

  /**
   * The first failed poll of an outage: subscribers get the last state again, marked stale (they would otherwise
   * hear nothing until the upstream is back). Not recorded: it is no new state.
   */
  #announceStale(entry: Observed): void {
    const last = entry.last;
    if (last === undefined || entry.gone || entry.subscribers === 0 || isTerminalRunStatus(last.run.status)) return;
    const stale: RunSnapshot = { run: last.run, version: last.version, stale: true };
    this.#options.pubsub.publish('runUpdated', entry.key, stale);
    this.#options.pubsub.publish('threadRunUpdated', entry.threadId, stale);
  }

  #schedule(entry: Observed, delayMs: number): void {
    if (this.#closed || entry.timer !== undefined || entry.polling !== undefined) return;
    if (entry.subscribers === 0 || entry.streams > 0 || entry.gone || entry.leader?.leading !== true) return;
    if (entry.last && isTerminalRunStatus(entry.last.run.status)) return;
    entry.dueAt = Date.now() + delayMs;
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
      if (entry.subscribers > 0 || entry.streams > 0) return;
      this.#observed.delete(entry.key);
      void entry.leader?.stop();
    }, this.#options.retainMs);
    entry.retainTimer.unref();
    // Nobody watches: another instance may poll it for its own subscribers.
    if (entry.leader && entry.subscribers === 0 && entry.streams === 0 && this.#options.coordination.shared) {
      const leader = entry.leader;
      entry.leader = undefined;
      void leader.stop();
    }
  }
}
