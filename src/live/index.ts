import type { LiveConfig } from '../config.js';
import type { Metrics } from '../observability/metrics.js';
import type { Schemas } from '../spec/index.js';
import type { UpstreamClient, UpstreamStream } from '../upstream/client.js';
import { isNotFound } from '../upstream/errors.js';
import { createLivePubSub, type LivePubSub, type LiveTopics, type MessageDeltaEvent, type RunSnapshot, type RunWire } from './pubsub.js';
import { localCoordination, type Coordination } from './coordination.js';
import { RunObservers } from './run-observers.js';
import { followRunStream, type FollowedRunStream } from './run-stream.js';
import { ThreadObservers } from './thread-observers.js';
import type { PubSubEventTarget } from 'graphql-yoga';

import { isTerminalRunStatus, runKey } from './run-status.js';

export { isTerminalRunStatus, runKey };
export { isStale, staleView } from './stale.js';
export type { LivePubSub, MessageDeltaEvent, RunSnapshot, RunWire } from './pubsub.js';
export { publishViewerThreadEvent, viewerThreadsTopic, type ViewerThreadEvent } from './viewer-threads.js';

/** The live machinery of one gateway instance: pubsub, one observer per run and per thread, stream readers. */
export interface LiveServices {
  pubsub: LivePubSub;
  runs: RunObservers;
  threads: ThreadObservers;
  /** Reads a run's upstream event stream in the background (runs created through the gateway). */
  follow(stream: UpstreamStream): FollowedRunStream;
  /**
   * The text streamed so far for a run's messages (runs followed here), so that a subscriber joining
   * mid-message starts from it. Read it right after subscribing to `runMessageDelta`, in the same tick.
   */
  streamedText(runKey: string): MessageDeltaEvent[];
  /** Streams being read now. */
  readonly streams: number;
  /**
   * Whether the transport between instances works (always, in one process). When it breaks,
   * subscriptions end with an error rather than wait for events that cannot come.
   */
  readonly health: LiveHealth;
  /** Called when the live services close (shutdown). Returns a remover. */
  onClose(listener: () => void): () => void;
  /**
   * Called once when the server starts going away (`goAway`, or `close` without it): open subscriptions end with
   * a SHUTTING_DOWN error, so that a client tells a stop from the end of its run. Returns a remover.
   */
  onGoingAway(listener: () => void): () => void;
  /** The server is going away: tells every open subscription (the pollers keep running until `close`). */
  goAway(): void;
  /**
   * The upstream answers again: pollers waiting out a failure back-off poll at once. The observers call it
   * themselves when one of their polls succeeds after failures; the composition root may also connect the upstream
   * client's own news of recovery (e.g. its circuit closing) to it.
   */
  upstreamRecovered(): void;
  /** Ends open subscriptions (`goAway`), stops pollers and streams and gives up every lease. */
  close(): Promise<void>;
}

export interface LiveHealth {
  available(): boolean;
  /** Called when the transport breaks; returns a function that removes the listener. */
  onDown(listener: () => void): () => void;
}

const alwaysAvailable: LiveHealth = { available: () => true, onDown: () => () => undefined };

export interface LiveServicesOptions {
  upstream: UpstreamClient;
  config: LiveConfig;
  metrics?: Metrics;
  /** The pubsub transport; in memory when not given (Redis when instances share runs). */
  eventTarget?: PubSubEventTarget<LiveTopics>;
  /** Who polls what; local when not given (leases in Redis when instances share runs). */
  coordination?: Coordination;
  health?: LiveHealth;
  /** Every new run state this instance records (from a poll, a stream or a write): the thread directory's activity. */
  onRunChanged?: (run: RunWire) => void;
}

export function createLiveServices(options: LiveServicesOptions): LiveServices {
  const { upstream, config } = options;
  const pubsub = createLivePubSub(options.eventTarget);
  const coordination = options.coordination ?? localCoordination;
  // Any poll that succeeds after failures says the upstream is back: every poller waiting out a back-off goes at once.
  const upstreamRecovered = (): void => {
    runs.upstreamRecovered();
    threads.upstreamRecovered();
  };
  const runs = new RunObservers({
    pubsub,
    coordination,
    onPoll: (_outcome, lagMs) => options.metrics?.pollLag.observe(lagMs / 1000),
    defaultPollMs: config.pollIntervalMs,
    minPollMs: config.minPollIntervalMs,
    maxBackoffMs: config.maxBackoffMs,
    outageRetryMs: config.outageRetryMs,
    onRecovered: upstreamRecovered,
    onChanged: (snapshot: RunSnapshot) => {
      if (!snapshot.gone) options.onRunChanged?.(snapshot.run);
    },
    source: {
      async fetchRun(threadId, runId, caller) {
        try {
          const response = await upstream.request<Schemas['RunObject']>({ method: 'GET', route: '/threads/{thread_id}/runs/{run_id}', params: { thread_id: threadId, run_id: runId }, ...(caller === undefined ? {} : { origin: { caller } }) });
          return { run: response.data, pollAfterMs: response.pollAfterMs };
        } catch (error) {
          if (isNotFound(error)) return { run: null };
          throw error;
        }
      },
    },
  });
  const threads = new ThreadObservers({
    runs,
    coordination,
    pollMs: config.threadPollIntervalMs,
    maxBackoffMs: config.maxBackoffMs,
    outageRetryMs: config.outageRetryMs,
    pubsub,
    onRecovered: upstreamRecovered,
    source: {
      async listRecentRuns(threadId, caller) {
        try {
          return (await (caller === undefined ? upstream : upstream.forOrigin({ caller })).listRuns(threadId, { limit: 20, order: 'desc' })).data;
        } catch (error) {
          if (isNotFound(error)) return null;
          throw error;
        }
      },
    },
  });
  const open = new Set<UpstreamStream>();
  const closeListeners = new Set<() => void>();
  const goingAwayListeners = new Set<() => void>();
  const goAway = (): void => {
    const listeners = [...goingAwayListeners];
    goingAwayListeners.clear();
    for (const listener of listeners) listener();
  };
  options.metrics?.bindLive(() => ({ pollers: runs.polling, observedRuns: runs.size, streams: open.size, threadPollers: threads.size }));
  /** runKey → `${messageId}:${index}` → text so far; dropped when the run ends. */
  const texts = new Map<string, Map<string, MessageDeltaEvent>>();
  return {
    pubsub,
    runs,
    threads,
    follow(stream) {
      open.add(stream);
      const followed = followRunStream({
        body: stream.body,
        observers: runs,
        pubsub,
        idleTimeoutMs: config.streamIdleTimeoutMs,
        abort: stream.abort,
        onText(key, delta) {
          let parts = texts.get(key);
          if (!parts) texts.set(key, (parts = new Map()));
          const partKey = `${delta.messageId}:${delta.index}`;
          const sofar = parts.get(partKey);
          parts.set(partKey, { ...delta, text: (sofar?.text ?? '') + delta.text });
        },
      });
      void followed.finished.then(
        (last) => {
          open.delete(stream);
          if (!last) return;
          const key = runKey(last.thread_id, last.id);
          // A run waiting for tool outputs keeps its text for the stream of its outputs (bounded by the run's own expiry);
          // otherwise the text is in the run's messages now, or the stream broke and polling carries the rest.
          if (last.status !== 'requires_action') texts.delete(key);
          else setTimeout(() => texts.delete(key), 15 * 60_000).unref();
        },
        () => open.delete(stream),
      );
      return followed;
    },
    streamedText(key) {
      return [...(texts.get(key)?.values() ?? [])];
    },
    get streams() {
      return open.size;
    },
    health: options.health ?? alwaysAvailable,
    onClose(listener) {
      closeListeners.add(listener);
      return () => closeListeners.delete(listener);
    },
    onGoingAway(listener) {
      goingAwayListeners.add(listener);
      return () => goingAwayListeners.delete(listener);
    },
    goAway,
    upstreamRecovered,
    async close() {
      goAway();
      for (const listener of [...closeListeners]) listener();
      closeListeners.clear();
      texts.clear();
      for (const stream of open) stream.abort();
      await Promise.all([threads.close(), runs.close()]);
    },
  };
}
