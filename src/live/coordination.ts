import type { RunSnapshot, RunWire } from './pubsub.js';

/** A claim on the right to poll one run or thread; in a cluster, a lease that one instance holds at a time. */
export interface Leadership {
  /** True while this instance may poll. */
  readonly leading: boolean;
  /** Settles after the first attempt to lead. */
  readonly ready: Promise<unknown>;
  /** Gives the claim up (releases the lease). */
  stop(): Promise<void>;
}

export interface LeadershipEvents {
  /** This instance leads now (again): poll at once. */
  onLead(): void;
  /** Another instance leads, or the coordinator cannot be reached: stop polling. */
  onLose(reason: 'taken' | 'unavailable'): void;
}

/**
 * Who polls what, and how observed states are numbered. In one process everything is local; with Redis,
 * leases pick one poller per run for the whole cluster and versions are numbered in Redis, so that a
 * subscriber on any instance drops what it has already seen.
 */
export interface Coordination {
  /** True when states live elsewhere too (a new subscriber may start from the stored state). */
  readonly shared: boolean;
  /** `key` names what is polled: `run:<threadId>/<runId>` or `thread:<threadId>`. */
  lead(key: string, events: LeadershipEvents): Leadership;
  /**
   * Numbers a state seen here. `changed` is false when it is the state already known (or older than a terminal
   * one): it must not be published again.
   */
  advance(runKey: string, run: RunWire, previous: RunSnapshot | undefined, gone: boolean): Promise<{ snapshot: RunSnapshot; changed: boolean }>;
  /** The last known state of a run, when states are shared. */
  current(runKey: string): Promise<RunSnapshot | undefined>;
}

const fingerprints = new WeakMap<RunWire, string>();
const fingerprintOf = (run: RunWire): string => {
  let fingerprint = fingerprints.get(run);
  if (fingerprint === undefined) fingerprints.set(run, (fingerprint = JSON.stringify(run)));
  return fingerprint;
};

/** One process: this instance always leads, versions count up per run, nothing is stored elsewhere. */
export const localCoordination: Coordination = {
  shared: false,
  lead: () => ({ leading: true, ready: Promise.resolve(), stop: async () => undefined }),
  async advance(_runKey, run, previous, gone) {
    // Whole-object comparison: any field of the run (status, required action, usage, metadata…) is a change.
    if (previous && Boolean(previous.gone) === gone && fingerprintOf(previous.run) === fingerprintOf(run)) return { snapshot: previous, changed: false };
    return { snapshot: { run, version: (previous?.version ?? 0) + 1, ...(gone ? { gone } : {}) }, changed: true };
  },
  current: async () => undefined,
};
