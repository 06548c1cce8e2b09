import type { Coordination, Leadership } from '../live/coordination.js';
import type { Cluster } from './cluster.js';
import { LeaseKeeper } from './leases.js';

export interface ClusterCoordinationOptions {
  /**
   * Lease of a run or thread poller. When its holder dies, another instance takes over within about
   * two of these (the expiry plus a retry at a third of it).
   */
  leaseMs: number;
  /** How long the last state of a run is kept in Redis after its last change. */
  stateTtlMs: number;
}

/**
 * Leases in Redis pick one poller per run and per thread for the whole cluster; run states are numbered and
 * kept in Redis, so that any instance can start a subscriber from the current state and drop duplicates.
 */
export function clusterCoordination(cluster: Cluster, options: ClusterCoordinationOptions): Coordination {
  return {
    shared: true,
    lead(key, events): Leadership {
      const keeper = new LeaseKeeper({
        leases: cluster.leases,
        key,
        ttlMs: options.leaseMs,
        onAcquired: () => events.onLead(),
        onLost: (reason) => events.onLose(reason),
      });
      const ready = keeper.start().catch(() => false);
      return {
        get leading() {
          return keeper.held;
        },
        ready,
        stop: () => keeper.stop(),
      };
    },
    advance: (runKey, run, _previous, gone) => cluster.runStates.advance(runKey, run, options.stateTtlMs, { gone }),
    current: (runKey) => cluster.runStates.get(runKey),
  };
}
