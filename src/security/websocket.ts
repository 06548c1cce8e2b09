import type { IncomingMessage } from 'node:http';
import { WebSocket } from 'ws';
import type { Config } from '../config.js';
import { ANONYMOUS, NOBODY, type Identity } from './auth.js';
import type { Security } from './plugins.js';
import { clientAddressOf, rememberClientAddress, type PeerRequest } from './client-address.js';
import { clientKey } from './rate-limit.js';

/** graphql-ws's close code for a refused connection_init (also used when the credential expires mid-connection). */
export const FORBIDDEN_CLOSE_CODE = 4403;
/** A client over its number of connections (1008: policy violation). */
export const TOO_MANY_CONNECTIONS_CLOSE_CODE = 1008;
const MAX_TIMER_MS = 2 ** 31 - 1;
// eslint-disable-next-line @typescript-eslint/unbound-method -- called with each socket as `this`
const WEBSOCKET_CLOSE = WebSocket.prototype.close;

interface Counted {
  /** The client (subject, or address without auth) it counts for. */
  key: string;
  /** Closes the socket when its credential expires. */
  expiry: NodeJS.Timeout | undefined;
}

interface ConnectContext {
  connectionParams?: Readonly<Record<string, unknown>> | undefined;
  extra: { socket: WebSocket; request: IncomingMessage };
}

/**
 * The WebSocket side of the security: the Origin allowlist at upgrade, authentication at connection_init (4403 on
 * failure, before any operation), a cap on connections per client, and a close when the token expires.
 */
export function createWebSocketGuard(config: Config, security: Security, clientAddress: (request: PeerRequest) => string = (request) => clientAddressOf(request)) {
  const identities = new WeakMap<WebSocket, Identity>();
  const connections = new Map<string, number>();
  /** Sockets counted against their client's cap, until their close starts. */
  const counted = new Map<WebSocket, Counted>();

  const release = (socket: WebSocket): void => {
    const entry = counted.get(socket);
    if (entry === undefined) return;
    counted.delete(socket);
    clearTimeout(entry.expiry);
    const left = (connections.get(entry.key) ?? 1) - 1;
    if (left > 0) connections.set(entry.key, left);
    else connections.delete(entry.key);
  };
  // Shared by all sockets (`this` is the socket): no closure per connection.
  function closeCounted(this: WebSocket, code?: number, reason?: string | Buffer): void {
    release(this);
    WEBSOCKET_CLOSE.call(this, code, reason);
  }
  function releaseOnClose(this: WebSocket): void {
    release(this);
  }

  return {
    /** For `new WebSocketServer({ verifyClient })`: a foreign Origin is refused with 403 before the upgrade. */
    verifyClient(info: { origin: string; req: IncomingMessage }, done: (result: boolean, code?: number, message?: string) => void): void {
      if (security.origins.allows(info.origin || undefined, info.req.headers.host)) done(true);
      else done(false, 403, 'Forbidden');
    },

    async onConnect(ctx: ConnectContext): Promise<boolean> {
      const { socket, request } = ctx.extra;
      const params = ctx.connectionParams ?? {};
      const authorization = Object.entries(params).find(([name]) => name.toLowerCase() === 'authorization')?.[1];
      let identity: Identity;
      try {
        identity = await security.authenticator.authenticate(typeof authorization === 'string' ? authorization : undefined);
      } catch {
        return false;
      }
      // The upgrade request's client (TRUST_PROXY), also for the rate limit of every operation on this connection.
      const address = clientAddress(request);
      rememberClientAddress(request, address);
      const key = clientKey({ identity, req: request });
      const open = connections.get(key) ?? 0;
      if (open >= config.security.wsMaxConnectionsPerClient) {
        socket.close(TOO_MANY_CONNECTIONS_CLOSE_CODE, 'Too many connections');
        return false;
      }
      connections.set(key, open + 1);
      identities.set(socket, identity);
      // Operations on this connection read only the upgrade request's headers and peer (its socket, which lives on in
      // the WebSocket): holding the whole request for as long as the connection lasts would cost about a kilobyte each.
      ctx.extra.request = { method: request.method, url: request.url, headers: request.headers, socket: request.socket } as IncomingMessage;
      rememberClientAddress(ctx.extra.request, address);
      let expiry: NodeJS.Timeout | undefined;
      if (identity.expiresAt !== undefined) {
        expiry = setTimeout(() => socket.close(FORBIDDEN_CLOSE_CODE, 'Forbidden'), Math.min(MAX_TIMER_MS, Math.max(0, identity.expiresAt - Date.now())));
        expiry.unref();
      }
      counted.set(socket, { key, expiry });
      // The connection stops counting when its close starts, not when the close handshake and TCP close are done:
      // a client that closes and at once reconnects must not find its old connection still counted. `ws` calls the
      // socket's `close` for either side (when a close frame arrives, to answer it); 'close' covers a dropped socket.
      socket.close = closeCounted;
      socket.on('close', releaseOnClose);
      return true;
    },

    identityOf(socket: WebSocket): Identity {
      return identities.get(socket) ?? (security.authenticator.mode === 'none' ? ANONYMOUS : NOBODY);
    },

    /** Open connections by client (tests, diagnostics). */
    get clients(): number {
      return connections.size;
    },
  };
}
