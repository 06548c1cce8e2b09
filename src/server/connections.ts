import type { Server, ServerOptions } from 'node:http';
import type { Socket } from 'node:net';
import type { HttpServerConfig } from '../config.js';
import { LinkedSet } from '../collections/linked-set.js';

/**
 * Node's own bounds on slow clients, as the settings give them. Node checks the header and request timeouts only
 * every `connectionsCheckingInterval` (30 s by default, so a 10 s header timeout could take 40 s): the check runs
 * often enough here that a timeout fires within a tenth of itself, at most a second late.
 */
export function httpServerOptions(http: HttpServerConfig): ServerOptions {
  return {
    headersTimeout: http.headersTimeoutMs,
    requestTimeout: http.requestTimeoutMs,
    keepAliveTimeout: http.keepAliveTimeoutMs,
    connectionsCheckingInterval: Math.max(10, Math.min(1_000, Math.floor(http.headersTimeoutMs / 10))),
  };
}

export type ConnectionRefusal = 'total' | 'address';

/** Whether one more connection may be taken, given those open now; 0 turns a cap off. */
export function refusalOf(open: { total: number; fromAddress: number }, limits: Pick<HttpServerConfig, 'maxConnections' | 'maxConnectionsPerAddress'>): ConnectionRefusal | undefined {
  if (limits.maxConnections > 0 && open.total >= limits.maxConnections) return 'total';
  if (limits.maxConnectionsPerAddress > 0 && open.fromAddress >= limits.maxConnectionsPerAddress) return 'address';
  return undefined;
}

/** One key per client host: an IPv4 peer seen through a dual-stack socket (`::ffff:1.2.3.4`) counts as `1.2.3.4`. */
export function addressKey(remoteAddress: string | undefined): string {
  if (remoteAddress === undefined) return '';
  return remoteAddress.startsWith('::ffff:') && remoteAddress.includes('.') ? remoteAddress.slice(7) : remoteAddress;
}

export interface ConnectionTracker {
  /** Connections open now (HTTP and WebSocket). */
  readonly size: number;
  /** Every connection open now, for the shutdown. */
  sockets(): Iterable<Socket>;
  /** Connections open now from one address. */
  openFrom(address: string): number;
}

/**
 * Counts the server's connections in total and per remote address, and closes at once a connection past either cap,
 * before it costs anything but its file descriptor: one client must not be able to take every descriptor (idle
 * connections held open), which would leave none for other clients or for upstream calls.
 */
export function trackConnections(server: Server, limits: HttpServerConfig, onRefused?: (reason: ConnectionRefusal, address: string) => void): ConnectionTracker {
  // A linked set rather than a Map of socket to address: clients that open a connection per request would otherwise
  // keep every socket (and the request it carried) alive until a full collection (see LinkedSet).
  const open = new LinkedSet<Socket>();
  const addresses = new WeakMap<Socket, string>();
  const perAddress = new Map<string, number>();
  // One listener for every socket (`this` is the socket; 'close' comes once): no closure or once wrapper each.
  function forget(this: Socket): void {
    const address = addresses.get(this);
    if (address === undefined) return;
    // Deleted at once, not left to the collector.
    addresses.delete(this);
    open.delete(this);
    const left = (perAddress.get(address) ?? 1) - 1;
    if (left > 0) perAddress.set(address, left);
    else perAddress.delete(address);
  }
  server.on('connection', (socket: Socket) => {
    const address = addressKey(socket.remoteAddress);
    const fromAddress = perAddress.get(address) ?? 0;
    const refusal = refusalOf({ total: open.size, fromAddress }, limits);
    if (refusal !== undefined) {
      // Closed before any byte is read: answering would mean parsing the request this connection should not cost.
      socket.destroy();
      onRefused?.(refusal, address);
      return;
    }
    addresses.set(socket, address);
    open.add(socket);
    perAddress.set(address, fromAddress + 1);
    socket.on('close', forget);
  });
  return {
    get size() {
      return open.size;
    },
    sockets: () => open.values(),
    openFrom: (address) => perAddress.get(addressKey(address)) ?? 0,
  };
}
