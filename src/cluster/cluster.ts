import type { PubSubEventTarget } from 'graphql-yoga';
import type { RedisConfig } from '../config.js';
import type { LiveTopics } from '../live/pubsub.js';
import { createRedisEventTarget, type RedisEventTargetOptions } from './event-target.js';
import { RedisIdempotencyStore, type RedisIdempotencyStoreOptions } from './idempotency-store.js';
import { Leases } from './leases.js';
import { createRedisConnections, type RedisConnectionOptions, type RedisConnections, type RedisHealth } from './redis.js';
import { RunStateStore } from './run-state.js';

export interface ClusterOptions extends RedisConnectionOptions {
  /** Publish/subscribe failures (Redis down), for logs and metrics. */
  onPubSubError?: RedisEventTargetOptions['onError'];
  idempotency?: RedisIdempotencyStoreOptions;
}

/** Everything one gateway instance shares with the others through Redis. */
export interface Cluster {
  readonly connections: RedisConnections;
  readonly health: RedisHealth;
  /** For `createLivePubSub(cluster.eventTarget)`. */
  readonly eventTarget: PubSubEventTarget<LiveTopics>;
  /** This process's leases (one owner token per process): `run:<runKey>` and `thread:<threadId>` keys. */
  readonly leases: Leases;
  readonly runStates: RunStateStore;
  /** Replaces MemoryIdempotencyStore when Redis is configured. */
  readonly idempotency: RedisIdempotencyStore;
  /** Closes the idempotency store, then the connections. Stop LeaseKeepers first so that they release their leases. */
  close(): Promise<void>;
}

/** Opens the connections (in the background; see `health.waitUntilReady`) and builds the shared parts on them. */
export function createCluster(config: RedisConfig, options: ClusterOptions = {}): Cluster {
  const connections = createRedisConnections(config, options);
  const idempotency = new RedisIdempotencyStore(connections.command, options.idempotency);
  let closing: Promise<void> | undefined;
  return {
    connections,
    health: connections.health,
    eventTarget: createRedisEventTarget(connections, options.onPubSubError ? { onError: options.onPubSubError } : {}),
    leases: new Leases(connections.command),
    runStates: new RunStateStore(connections.command),
    idempotency,
    close: () => (closing ??= idempotency.close().then(() => connections.close())),
  };
}
