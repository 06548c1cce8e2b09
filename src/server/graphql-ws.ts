import type { IncomingMessage, Server } from 'node:http';
import { GraphQLError, type ExecutionArgs } from 'graphql';
import type { Disposable } from 'graphql-ws';
import type { YogaServerInstance } from 'graphql-yoga';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Config } from '../config.js';
import type { GatewayContext } from '../context.js';
import { newRequestContext, type RequestContext } from '../observability/request-context.js';
import { clientAddressOf, type PeerRequest } from '../security/client-address.js';
import type { Security } from '../security/plugins.js';
import type { createWebSocketGuard } from '../security/websocket.js';
import { isPushable } from './subscription-events.js';
import { SocketDelivery } from './ws-delivery.js';
import { useGraphQLWs } from './ws-transport.js';

/** WebSocket close code for a client that stopped reading (1008: policy violation). */
export const SLOW_CONSUMER_CLOSE_CODE = 1008;

export interface GraphQLWsOptions {
  config: Config;
  /** Where the WebSocket endpoint listens on `server` (the GraphQL path). */
  path: string;
  yoga: YogaServerInstance<Record<string, unknown>, GatewayContext>;
  security: Security;
  guard: ReturnType<typeof createWebSocketGuard>;
}

/** An operation's request context on a socket, with the client address its upgrade was given (TRUST_PROXY): for its log lines. */
function socketRequestContext(upgrade: PeerRequest | undefined): RequestContext {
  return { ...newRequestContext(), ...(upgrade ? { clientAddress: clientAddressOf(upgrade) } : {}) };
}

/**
 * graphql-ws on the gateway's HTTP server: the guard admits connections (origin, caps, authentication), every
 * operation goes through yoga's envelop pipeline (same plugins, context and limits as HTTP), at most
 * WS_MAX_SUBSCRIPTIONS_PER_CONNECTION run on one socket, and a client that stops reading is closed.
 */

export function attachGraphQLWs(server: Server, options: GraphQLWsOptions): { wsServer: WebSocketServer; disposable: Disposable } {
  const { config, path, yoga, security, guard: wsGuard } = options;
  const wsServer = new WebSocketServer({
    server,
    path,
    maxPayload: config.ws.maxMessageBytes,
    verifyClient: (info: { origin: string; req: IncomingMessage }, done: (result: boolean, code?: number, message?: string) => void) => wsGuard.verifyClient(info, done),
  });
  /** Operations running on each socket, for the per-connection cap. */
  const operations = new WeakMap<object, Set<string>>();
  const operationsOf = (socket: object): Set<string> => {
    let ids = operations.get(socket);
    if (!ids) operations.set(socket, (ids = new Set()));
    return ids;
  };
  // A client that does not read its socket would make us buffer without bound: close it instead.
  const closedIfTooSlow = (socket: WebSocket): boolean => {
    if (socket.bufferedAmount <= config.ws.maxBufferedBytes) return false;
    socket.close(SLOW_CONSUMER_CLOSE_CODE, 'Slow consumer');
    return true;
  };
  type EnvelopedRoot = { execute: (args: ExecutionArgs) => unknown; subscribe: (args: ExecutionArgs) => unknown };
  const disposable = useGraphQLWs(
    {
      isProd: config.nodeEnv === 'production',
      connectionInitWaitTimeout: config.ws.connectionInitTimeoutMs,
      onConnect: (ctx) => wsGuard.onConnect(ctx),
      execute: (args) => (args.rootValue as EnvelopedRoot).execute(args) as never,
      subscribe: (args) => (args.rootValue as EnvelopedRoot).subscribe(args) as never,
      // Every WebSocket operation goes through yoga's envelop pipeline: same plugins, context and limits as HTTP.
      onSubscribe: async (ctx, id, payload) => {
        const running = operationsOf(ctx.extra.socket);
        if (running.size >= config.ws.maxSubscriptionsPerConnection) {
          return [new GraphQLError(`At most ${config.ws.maxSubscriptionsPerConnection} operations may run on one connection.`, { extensions: { code: 'RATE_LIMITED' } })];
        }
        const { schema: envelopedSchema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params: payload,
          identity: wsGuard.identityOf(ctx.extra.socket),
          // Each operation on a socket is a request of its own (its id, its upstream calls, its caller: context.ts).
          requestContext: socketRequestContext(ctx.extra.request),
        });
        const source = security.persisted ? security.persisted.resolve(payload as Parameters<typeof security.persisted.resolve>[0]) : payload.query;
        if (source instanceof GraphQLError) return [source];
        let document;
        try {
          document = parse(source);
        } catch (error) {
          // A syntax error ends this operation only, not the whole socket.
          return [error instanceof GraphQLError ? error : new GraphQLError('Syntax error', { extensions: { code: 'GRAPHQL_PARSE_FAILED' } })];
        }
        const errors = validate(envelopedSchema, document);
        if (errors.length > 0) return errors;
        running.add(id);
        return {
          schema: envelopedSchema,
          operationName: payload.operationName ?? null,
          document,
          variableValues: payload.variables ?? null,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe } satisfies EnvelopedRoot,
        };
      },
      onComplete: (ctx, id) => void operationsOf(ctx.extra.socket).delete(id),
      onError: (ctx, id) => void operationsOf(ctx.extra.socket).delete(id),
      // A subscription of ours is written to its socket by SocketDelivery, one serialized payload per shared result.
      onOperation: (ctx, id, _payload, _args, result) => (isPushable(result) ? new SocketDelivery(ctx.extra.socket, id, result, closedIfTooSlow) : undefined),
      onNext: (ctx) => void closedIfTooSlow(ctx.extra.socket),
    },
    wsServer,
    config.ws.keepAliveMs,
  );

  return { wsServer, disposable };
}
