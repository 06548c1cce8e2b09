import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import type { Redis, RedisOptions } from 'ioredis';
import type { RedisConfig } from '../config.js';

/**
 * Redis connections of one gateway instance, built so that an outage is survivable:
 * - every connection reconnects forever, backing off up to `maxBackoffMs`;
 * - the command and publisher connections fail fast while Redis is down (no offline queue, one retry per command,
 *   a command timeout), so a mutation with an idempotencyKey is refused at once instead of hanging;
 * - the subscriber connection queues and waits instead, and ioredis resubscribes its channels after a reconnect;
 * - connection errors are counted into `health`, never thrown at anyone or logged once per retry.
 */

export type RedisStatus = 'ready' | 'down';

/** The minimal logger this module writes to (pino fits). */
export interface RedisLogger {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
}

export interface RedisConnectionOptions {
  /** Cap of the reconnect back-off (it starts at 50 ms and doubles). @default 2_000 */
  maxBackoffMs?: number;
  /** A command without an answer for this long fails (a hung or partitioned Redis). @default 2_000 */
  commandTimeoutMs?: number;
  /** @default 2_000 */
  connectTimeoutMs?: number;
  /** Transitions (down with the reason, ready again) are logged here, once each. */
  logger?: RedisLogger;
  /** Names the connections in `CLIENT LIST`. @default 'runs-gateway' */
  connectionName?: string;
}

export interface RedisHealth {
  /** `ready` when every connection is; `down` from the first one that is not. */
  status(): RedisStatus;
  /** Why it is down (the last connection error), while it is down. */
  lastError(): Error | undefined;
  /** Called on every transition; returns a function that removes the listener. */
  on(event: 'ready', listener: () => void): () => void;
  on(event: 'down', listener: (error: Error) => void): () => void;
  /** Resolves true once ready, or false after `timeoutMs`. */
  waitUntilReady(timeoutMs: number): Promise<boolean>;
}

export interface RedisConnections {
  /** Leases, run state and idempotency keys. Keys are prefixed by ioredis (`keyPrefix`). */
  readonly command: Redis;
  /** PUBLISH only. Channels are not keys: ioredis does not prefix them, `channelPrefix` is for that. */
  readonly publisher: Redis;
  /** SUBSCRIBE only (a connection in subscriber mode cannot run other commands). */
  readonly subscriber: Redis;
  readonly keyPrefix: string;
  /** The same prefix, for pub/sub channels. */
  readonly channelPrefix: string;
  readonly health: RedisHealth;
  /** Closes the three connections (QUIT when connected, otherwise at once). */
  close(): Promise<void>;
}

/** The back-off of reconnect attempts: 50 ms doubling up to the cap, never giving up. */
export function reconnectDelay(attempt: number, maxBackoffMs: number): number {
  return Math.min(maxBackoffMs, 50 * 2 ** Math.min(Math.max(attempt - 1, 0), 16));
}

/** The ioredis options of each role; exported for tests and for anyone building another connection. */
export function redisOptions(role: 'command' | 'publisher' | 'subscriber', options: RedisConnectionOptions = {}): RedisOptions {
  const maxBackoffMs = options.maxBackoffMs ?? 2_000;
  const common: RedisOptions = {
    connectionName: `${options.connectionName ?? 'runs-gateway'}:${role}`,
    connectTimeout: options.connectTimeoutMs ?? 2_000,
    retryStrategy: (attempt) => reconnectDelay(attempt, maxBackoffMs),
    // A READONLY error means a failover turned this node into a replica: reconnect to find the primary.
    reconnectOnError: (error) => error.message.startsWith('READONLY'),
    keepAlive: 10_000,
    lazyConnect: false,
  };
  if (role === 'subscriber') {
    // SUBSCRIBE waits for the connection rather than failing; channels are resubscribed after every reconnect.
    return { ...common, enableOfflineQueue: true, maxRetriesPerRequest: null, autoResubscribe: true };
  }
  return { ...common, enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: options.commandTimeoutMs ?? 2_000, autoResendUnfulfilledCommands: false };
}

/** Thrown by `createRedisConnections` for a URL ioredis cannot use. */
export class RedisConfigError extends Error {
  override name = 'RedisConfigError';
}

/**
 * Opens the command, publisher and subscriber connections to `config.url`. Connecting happens in the background:
 * await `health.waitUntilReady()` at start-up if the first requests should not fail while it connects.
 */
export function createRedisConnections(config: RedisConfig, options: RedisConnectionOptions = {}): RedisConnections {
  let url: URL;
  try {
    url = new URL(config.url);
  } catch {
    throw new RedisConfigError('REDIS_URL is not a URL');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new RedisConfigError('REDIS_URL must start with redis:// or rediss://');

  // ioredis is loaded with the first connections: a gateway without REDIS_URL never loads it. It is CommonJS, and
  // `import` of it resolves to the same module, so `require` can load it here, synchronously.
  const { Redis } = createRequire(import.meta.url)('ioredis') as typeof import('ioredis');
  const command = new Redis(config.url, { ...redisOptions('command', options), keyPrefix: config.keyPrefix });
  const publisher = new Redis(config.url, redisOptions('publisher', options));
  const subscriber = new Redis(config.url, redisOptions('subscriber', options));
  const health = new Health([command, publisher, subscriber], options.logger, `${url.host}${url.pathname}`);

  let closing: Promise<void> | undefined;
  return {
    command,
    publisher,
    subscriber,
    keyPrefix: config.keyPrefix,
    channelPrefix: config.keyPrefix,
    health,
    close: () => (closing ??= Promise.all([command, publisher, subscriber].map(closeConnection)).then(() => health.dispose())),
  };
}

async function closeConnection(connection: Redis): Promise<void> {
  if (connection.status === 'end') return;
  if (connection.status === 'ready') {
    // QUIT lets Redis answer what is in flight; a Redis that stops answering gets a hard disconnect after a second.
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, 1_000);
    });
    await Promise.race([connection.quit().then(() => undefined, () => undefined), timeout]);
    clearTimeout(timer);
  }
  connection.disconnect(false);
}

class Health implements RedisHealth {
  readonly #connections: readonly Redis[];
  readonly #events = new EventEmitter();
  readonly #logger: RedisLogger | undefined;
  readonly #target: string;
  readonly #detach: Array<() => void> = [];
  #status: RedisStatus = 'down';
  #lastError: Error | undefined;
  /** Set once the first connection attempt has settled: the first `down` before any `ready` is not news. */
  #everReady = false;
  #warnedAtStart = false;

  constructor(connections: readonly Redis[], logger: RedisLogger | undefined, target: string) {
    this.#connections = connections;
    this.#logger = logger;
    // host:port/db only: the URL's credentials never reach a log line.
    this.#target = target;
    this.#events.setMaxListeners(0);
    for (const connection of connections) {
      const onError = (error: Error) => {
        this.#lastError = error;
        if (!this.#everReady && !this.#warnedAtStart) {
          // Unreachable from the start: there is no transition to report, but it must show in the logs.
          this.#warnedAtStart = true;
          this.#logger?.warn({ redis: this.#target, err: error.message }, 'Redis is unreachable; retrying in the background');
        }
        this.#update();
      };
      const onChange = () => this.#update();
      // An 'error' listener is required: without one ioredis prints every failed reconnect to stderr.
      connection.on('error', onError);
      for (const event of ['ready', 'close', 'end', 'reconnecting'] as const) connection.on(event, onChange);
      this.#detach.push(() => {
        connection.off('error', onError);
        for (const event of ['ready', 'close', 'end', 'reconnecting'] as const) connection.off(event, onChange);
      });
    }
  }

  status(): RedisStatus {
    return this.#status;
  }

  lastError(): Error | undefined {
    return this.#status === 'down' ? this.#lastError : undefined;
  }

  on(event: 'ready' | 'down', listener: (error: Error) => void): () => void {
    this.#events.on(event, listener);
    return () => this.#events.off(event, listener);
  }

  waitUntilReady(timeoutMs: number): Promise<boolean> {
    if (this.#status === 'ready') return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        off();
        resolve(false);
      }, timeoutMs);
      const off = this.on('ready', () => {
        clearTimeout(timer);
        off();
        resolve(true);
      });
    });
  }

  dispose(): void {
    for (const detach of this.#detach.splice(0)) detach();
    this.#status = 'down';
    this.#events.removeAllListeners();
  }

  #update(): void {
    const next: RedisStatus = this.#connections.every((connection) => connection.status === 'ready') ? 'ready' : 'down';
    if (next === this.#status) return;
    this.#status = next;
    if (next === 'ready') {
      if (this.#everReady) this.#logger?.info({ redis: this.#target }, 'Redis is reachable again');
      this.#everReady = true;
      this.#lastError = undefined;
      this.#events.emit('ready');
    } else {
      // A Redis that shuts down cleanly closes the socket without an error; the failed reconnects come later.
      this.#lastError ??= new Error('The connection to Redis was closed');
      this.#logger?.warn({ redis: this.#target, err: this.#lastError?.message }, 'Redis is unreachable; idempotent mutations are refused and live updates pause until it is back');
      this.#events.emit('down', this.#lastError);
    }
  }
}
