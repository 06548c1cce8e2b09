import type { IncomingMessage } from 'node:http';
import { CloseCode, GRAPHQL_TRANSPORT_WS_PROTOCOL, handleProtocols, makeServer, MessageType, type ConnectionInitMessage, type Disposable, type ServerOptions, type WebSocket as TransportSocket } from 'graphql-ws';
import type { WebSocket, WebSocketServer } from 'ws';

/** What graphql-ws's `ctx.extra` holds for a connection (as `graphql-ws/use/ws`). */
export interface Extra {
  readonly socket: WebSocket;
  readonly request: IncomingMessage;
}

export type WsServerOptions<P extends ConnectionInitMessage['payload'] = ConnectionInitMessage['payload']> = ServerOptions<P, Extra> & {
  /** In production close reasons do not carry error messages. */
  isProd: boolean;
};

/**
 * Identical query texts (every subscriber of one page sends the same) are held once while their subscriptions run.
 * Bounded in count and size (at most 1000 × 8 KiB): a client sending many large distinct texts must not make the
 * table itself the memory it costs.
 */
const MAX_INTERNED_QUERIES = 1000;
const MAX_INTERNED_QUERY_LENGTH = 8 * 1024;

const limitCloseReason = (reason: string, whenTooLong: string): string => (reason.length < 124 ? reason : whenTooLong);

/**
 * graphql-ws on a `ws` server: `graphql-ws/use/ws` with the same protocol, close codes, keep-alive and
 * initialisation timeout, written so that a connection holds less while its subscriptions run (10,000 subscribers
 * each keep one). A message is parsed here and handed to graphql-ws as an object, so that the suspended handler of a
 * subscribe message does not keep the frame's Buffer and text as well; no `once` listeners (a bound function and
 * its state each); keep-alive is one timer per server (KeepAliveWheel) and a flag instead of a timer per ping; the
 * initialisation timer is dropped once connection_init came.
 */
export function useGraphQLWs<P extends ConnectionInitMessage['payload'] = ConnectionInitMessage['payload']>(
  options: WsServerOptions<P>,
  ws: WebSocketServer,
  keepAlive = 12_000,
): Disposable {
  const { isProd, connectionInitWaitTimeout = 3_000 } = options;
  // The initialisation timeout is kept here (graphql-ws keeps its timer until the connection closes).
  const server = makeServer<P, Extra>({ ...options, connectionInitWaitTimeout: 0 });
  ws.options.handleProtocols = handleProtocols;
  const queries = new Map<string, string>();
  const internQuery = (message: { type?: unknown; payload?: { query?: unknown } }): void => {
    const query = message.type === MessageType.Subscribe ? message.payload?.query : undefined;
    if (typeof query !== 'string' || query.length > MAX_INTERNED_QUERY_LENGTH) return;
    const known = queries.get(query);
    if (known !== undefined) {
      message.payload!.query = known;
      return;
    }
    if (queries.size >= MAX_INTERNED_QUERIES) queries.clear();
    queries.set(query, query);
  };

  ws.once('error', (err) => {
    console.error('Internal error emitted on the WebSocket server. Please check your implementation.', err);
    let firstErr: unknown = null;
    for (const client of ws.clients) {
      try {
        client.close(CloseCode.InternalServerError, isProd ? 'Internal server error' : limitCloseReason(err instanceof Error ? err.message : String(err), 'Internal server error'));
      } catch (err2) {
        firstErr = firstErr ?? err2;
      }
    }
    if (firstErr) throw firstErr;
  });

  const keepAliveWheel = keepAlive > 0 && isFinite(keepAlive) ? new KeepAliveWheel(keepAlive) : undefined;
  const hub: Hub = {
    isProd,
    internQuery,
    // Shared by all connections (an emitter calls its listeners with itself as `this`).
    stopKeepAlive: (connection) => keepAliveWheel?.remove(connection),
    onSocketError(this: WebSocket, err: Error): void {
      console.error('Internal error emitted on a WebSocket socket. Please check your implementation.', err);
      internalError(this, err, isProd);
    },
  };

  ws.on('connection', (socket: WebSocket, request: IncomingMessage) => {
    socket.on('error', hub.onSocketError);
    const connection = new Connection(socket, hub);
    keepAliveWheel?.add(connection);
    if (socket.protocol === GRAPHQL_TRANSPORT_WS_PROTOCOL && connectionInitWaitTimeout > 0 && isFinite(connectionInitWaitTimeout)) {
      connection.initWait = setTimeout(initTimedOut, connectionInitWaitTimeout, connection);
    }
    const closed = server.opened(connection, { socket, request });
    socket.on('pong', () => {
      connection.awaitingPong = false;
    });
    socket.on('close', (code: number, reason: Buffer) => {
      connection.stop();
      void closed(code, String(reason));
    });
  });

  return {
    dispose: async () => {
      for (const client of ws.clients) client.close(1001, 'Going away');
      ws.removeAllListeners();
      await new Promise<void>((resolve, reject) => ws.close((err) => (err ? reject(err) : resolve())));
    },
  };
}

interface Hub {
  isProd: boolean;
  stopKeepAlive(connection: Connection): void;
  internQuery(message: { type?: unknown; payload?: { query?: unknown } }): void;
  onSocketError(this: WebSocket, err: Error): void;
}

function internalError(socket: WebSocket, err: unknown, isProd: boolean): void {
  socket.close(CloseCode.InternalServerError, isProd ? 'Internal server error' : limitCloseReason(err instanceof Error ? err.message : String(err), 'Internal server error'));
}

/**
 * graphql-ws's message handler: typed for text, it takes a parsed message as well, since its `parseMessage`
 * (graphql-ws 6.4.2, src/common.ts) runs `JSON.parse` on strings only and validates anything else as it is.
 * graphql-ws is pinned exactly for this; test/unit/library-contracts.test.ts fails if that path changes.
 */
type Receive = (data: string) => Promise<void>;

/** One connection as graphql-ws sees it (its methods are on the prototype, not closures per connection). */
class Connection implements TransportSocket {
  readonly protocol: string;
  /** The keep-alive wheel's slot of this connection (-1: none). */
  keepAliveSlot = -1;
  initWait: NodeJS.Timeout | undefined = undefined;
  awaitingPong = false;

  constructor(
    readonly socket: WebSocket,
    readonly hub: Hub,
  ) {
    this.protocol = socket.protocol;
  }

  /** graphql-ws calls this once per connection with its message handler. */
  onMessage(receive: Receive): void {
    this.socket.on('message', (data: Buffer) => this.#receive(receive, data));
  }

  #receive(receive: Receive, data: Buffer): void {
    // Parsed here: graphql-ws's handler of a subscribe message stays suspended while the subscription runs, and
    // would keep the text it was given (and the frame's Buffer, with an async listener) for as long.
    let message: unknown;
    try {
      message = JSON.parse(String(data));
    } catch {
      message = undefined;
    }
    // graphql-ws parses a string it is given: a message that is a JSON string is not a message.
    if (message === undefined || typeof message === 'string') {
      this.socket.close(CloseCode.BadRequest, 'Invalid message received');
      return;
    }
    if (message !== null && typeof message === 'object') {
      if ((message as { type?: unknown }).type === MessageType.ConnectionInit) this.initialised();
      this.hub.internQuery(message);
    }
    let handled: Promise<void>;
    try {
      handled = receive(message as string);
    } catch (err) {
      this.#failed(err);
      return;
    }
    handled.then(undefined, (err: unknown) => this.#failed(err));
  }

  #failed(err: unknown): void {
    console.error('Internal error occurred during message handling. Please check your implementation.', err);
    internalError(this.socket, err, this.hub.isProd);
  }

  send(data: string): Promise<void> {
    const socket = this.socket;
    return new Promise((resolve, reject) => {
      if (socket.readyState !== socket.OPEN) return resolve();
      socket.send(data, (err) => (err ? reject(err) : resolve()));
    });
  }

  close(code: number, reason: string): void {
    this.socket.close(code, reason);
  }

  initialised(): void {
    if (this.initWait === undefined) return;
    clearTimeout(this.initWait);
    this.initWait = undefined;
  }

  stop(): void {
    this.initialised();
    this.hub.stopKeepAlive(this);
  }
}

/**
 * Keep-alive of every connection of a server on one timer: the period is cut in KEEP_ALIVE_SLOTS slots, a connection
 * joins the slot that comes round again one period after it opened, and each tick pings the connections of one slot.
 * So each connection is pinged once per period, as with a timer of its own, without a Timeout per connection
 * (10,000 connections held 10,000), and the pings of a period are spread over it rather than fired at once.
 */
const KEEP_ALIVE_SLOTS = 10;

class KeepAliveWheel {
  readonly #slots: Array<Set<Connection>> = Array.from({ length: KEEP_ALIVE_SLOTS }, () => new Set());
  readonly #tickMs: number;
  #timer: NodeJS.Timeout | undefined;
  /** The slot whose connections the last tick pinged. */
  #current = 0;
  #size = 0;

  constructor(periodMs: number) {
    this.#tickMs = Math.max(1, Math.round(periodMs / KEEP_ALIVE_SLOTS));
  }

  add(connection: Connection): void {
    // The current slot comes round again in KEEP_ALIVE_SLOTS ticks: one period from now (less what the tick ran).
    connection.keepAliveSlot = this.#current;
    this.#slots[this.#current]!.add(connection);
    if (this.#size++ === 0) this.#timer = setInterval(() => this.#tick(), this.#tickMs);
  }

  remove(connection: Connection): void {
    if (connection.keepAliveSlot < 0) return;
    this.#slots[connection.keepAliveSlot]!.delete(connection);
    connection.keepAliveSlot = -1;
    if (--this.#size === 0) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  #tick(): void {
    this.#current = (this.#current + 1) % KEEP_ALIVE_SLOTS;
    for (const connection of this.#slots[this.#current]!) ping(connection);
  }
}

/** Keep-alive: a ping per period; a connection that did not answer the previous one within the period is dropped. */
function ping(connection: Connection): void {
  const socket = connection.socket;
  if (socket.readyState !== socket.OPEN) return;
  if (connection.awaitingPong) {
    socket.terminate();
    return;
  }
  connection.awaitingPong = true;
  socket.ping();
}

function initTimedOut(connection: Connection): void {
  connection.initWait = undefined;
  connection.close(CloseCode.ConnectionInitialisationTimeout, 'Connection initialisation timeout');
}
