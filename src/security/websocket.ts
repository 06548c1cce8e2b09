import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import type { Config } from '../config.js';
import { ANONYMOUS, NOBODY, type Identity } from './auth.js';
import type { Security } from './plugins.js';
import { clientKey } from './rate-limit.js';

/** graphql-ws's close code for a refused connection_init (also used when the credential expires mid-connection). */
export const FORBIDDEN_CLOSE_CODE = 4403;
/** A client over its number of connections (1008: policy violation). */
export const TOO_MANY_CONNECTIONS_CLOSE_CODE = 1008;
const MAX_TIMER_MS = 2 ** 31 - 1;

interface ConnectContext {
  connectionParams?: Readonly<Record<string, unknown>> | undefined;
  extra: { socket: WebSocket; request: IncomingMessage };
}

/**
 * The WebSocket side of the security: the Origin allowlist at upgrade, authentication at connection_init (4403 on
 * failure, before any operation), a cap on connections per client, and a close when the token expires.
 */
export function createWebSocketGuard(config: Config, security: Security) {
  const identities = new WeakMap<WebSocket, Identity>();
  const connections = new Map<string, number>();

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
      let expiry: NodeJS.Timeout | undefined;
      if (identity.expiresAt !== undefined) {
        expiry = setTimeout(() => socket.close(FORBIDDEN_CLOSE_CODE, 'Forbidden'), Math.min(MAX_TIMER_MS, Math.max(0, identity.expiresAt - Date.now())));
        expiry.unref();
      }
      // 'close' comes once: no once wrapper (a bound function and its state) per connection.
      socket.on('close', () => {
        clearTimeout(expiry);
        const left = (connections.get(key) ?? 1) - 1;
        if (left > 0) connections.set(key, left);
        else connections.delete(key);
      });
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
