import { createClient, type Client, type SubscribePayload } from 'graphql-ws';
import {
  CreateRunMutation,
  CreateThreadAndRunMutation,
  RunPageQuery,
  RunUpdatedSubscription,
  SubmitToolOutputsMutation,
} from './documents.js';
import type {
  CreateRunInput,
  CreateThreadAndRunInput,
  RunFieldsFragment,
  RunPageQuery as RunPageResult,
  SubmitToolOutputsInput,
  TypedDocumentString,
} from './gql/graphql.js';

/**
 * The gateway as a UI calls it: one typed function per screen action, over plain fetch (queries, mutations) and
 * graphql-ws (live run). Every document comes from documents.ts through the generated types, so a field the schema
 * does not have, or a variable of the wrong type, fails `tsc` rather than the page.
 */

export interface GatewayClientOptions {
  /** The gateway's GraphQL endpoint over HTTP, e.g. `https://gateway.example.com/graphql`. */
  httpUrl: string;
  /** Its WebSocket endpoint; `httpUrl` with `ws:`/`wss:` when not given. */
  wsUrl?: string;
  /** The caller's credential: `Authorization: Bearer …` over HTTP, `authorization` in connection_init over WebSocket. */
  token?: string;
  /**
   * `persisted` (what production accepts): send only each document's id, as listed in persisted-documents.json.
   * `text`: send the document itself, for a gateway without PERSISTED_DOCUMENTS (development).
   */
  send?: 'persisted' | 'text';
  fetch?: typeof fetch;
  /** A WebSocket implementation where there is no global one (Node 20: the `ws` package). */
  webSocketImpl?: unknown;
}

export interface GatewayErrorEntry {
  message: string;
  path?: ReadonlyArray<string | number>;
  extensions?: Record<string, unknown>;
}

/** A refused or failed operation; `code` is the gateway's `extensions.code` of the first error. */
export class GatewayError extends Error {
  readonly code: string | undefined;

  constructor(readonly errors: readonly GatewayErrorEntry[], readonly status?: number) {
    super(errors.map((error) => error.message).join('; ') || `HTTP ${status ?? 'error'}`);
    this.name = 'GatewayError';
    const code = errors[0]?.extensions?.['code'];
    this.code = typeof code === 'string' ? code : undefined;
  }
}

export type Run = RunFieldsFragment;
export type RunPage = NonNullable<RunPageResult['run']>;

export interface GatewayClient {
  /** The run page: the run with its required action, messages and steps; null when there is no such run. */
  runPage(threadId: string, runId: string): Promise<RunPage | null>;
  /** A new thread with its first messages, and a run of it. */
  startThreadAndRun(input: CreateThreadAndRunInput): Promise<Run>;
  /** A run on an existing thread. */
  startRun(input: CreateRunInput): Promise<Run>;
  /** Answers the run's tool calls (all of them at once, as the API requires). */
  submitToolOutputs(input: SubmitToolOutputsInput): Promise<Run>;
  /** The run now, then after each change; ends after a terminal status. Breaking out of the loop unsubscribes. */
  watchRun(threadId: string, runId: string): AsyncGenerator<Run, void, undefined>;
  /**
   * Any document of documents.ts. In `persisted` mode only its id travels, so a document the manifest does not list
   * is refused by a production gateway.
   */
  execute<TResult, TVariables>(document: TypedDocumentString<TResult, TVariables>, variables: TVariables): Promise<TResult>;
  /** Closes the WebSocket, if one was opened. */
  close(): Promise<void>;
}

export function createGatewayClient(options: GatewayClientOptions): GatewayClient {
  const send = options.send ?? 'persisted';
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const authorization = options.token ? `Bearer ${options.token}` : undefined;
  let socket: Client | undefined;

  const documentIdOf = (document: { __meta__?: Record<string, unknown> | undefined }): string => {
    const hash: unknown = document.__meta__?.['hash'];
    if (typeof hash !== 'string') throw new Error('This document has no hash: run `npm run example:codegen`.');
    return hash;
  };

  /** What the gateway reads over HTTP: the document's id alone (persisted) or its text. */
  const requestOf = <TVariables>(document: TypedDocumentString<unknown, TVariables>, variables: TVariables) => ({
    ...(send === 'persisted' ? { documentId: documentIdOf(document) } : { query: document.toString() }),
    variables: variables as Record<string, unknown>,
  });

  /** The same for graphql-ws, whose protocol wants a `query` string in every subscribe message. */
  const subscribePayloadOf = <TVariables>(document: TypedDocumentString<unknown, TVariables>, variables: TVariables): SubscribePayload => ({
    query: '',
    ...requestOf(document, variables),
  });

  async function execute<TResult, TVariables>(document: TypedDocumentString<TResult, TVariables>, variables: TVariables): Promise<TResult> {
    const response = await fetchImpl(options.httpUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
        ...(authorization ? { authorization } : {}),
      },
      body: JSON.stringify(requestOf(document, variables)),
    });
    let body: { data?: TResult | null; errors?: GatewayErrorEntry[] };
    try {
      body = (await response.json()) as typeof body;
    } catch {
      throw new GatewayError([], response.status);
    }
    if (body.errors?.length) throw new GatewayError(body.errors, response.status);
    if (body.data == null) throw new GatewayError([], response.status);
    return body.data;
  }

  function webSocket(): Client {
    socket ??= createClient({
      url: options.wsUrl ?? options.httpUrl.replace(/^http/, 'ws'),
      ...(options.webSocketImpl ? { webSocketImpl: options.webSocketImpl } : {}),
      connectionParams: authorization ? { authorization } : {},
      // The gateway ends a subscription with SHUTTING_DOWN (close 1001) when it stops: reconnect and subscribe again.
      retryAttempts: 5,
    });
    return socket;
  }

  const required = <T>(value: T | null | undefined, what: string): T => {
    if (value == null) throw new GatewayError([{ message: `The gateway answered without ${what}.` }]);
    return value;
  };

  return {
    execute,

    async runPage(threadId, runId) {
      return (await execute(RunPageQuery, { threadId, runId })).run ?? null;
    },

    async startThreadAndRun(input) {
      return required((await execute(CreateThreadAndRunMutation, { input })).createThreadAndRun?.run, 'a run');
    },

    async startRun(input) {
      return required((await execute(CreateRunMutation, { input })).createRun?.run, 'a run');
    },

    async submitToolOutputs(input) {
      return required((await execute(SubmitToolOutputsMutation, { input })).submitToolOutputs?.run, 'a run');
    },

    async *watchRun(threadId, runId) {
      const results = webSocket().iterate<{ runUpdated: Run | null }>(subscribePayloadOf(RunUpdatedSubscription, { threadId, runId }));
      try {
        for await (const result of results) {
          if (result.errors?.length) throw new GatewayError(result.errors as GatewayErrorEntry[]);
          if (result.data?.runUpdated) yield result.data.runUpdated;
        }
      } catch (error) {
        // graphql-ws rejects with the error message's payload (an array of GraphQL errors) or a CloseEvent.
        if (Array.isArray(error)) throw new GatewayError(error as GatewayErrorEntry[]);
        throw error;
      } finally {
        await results.return?.();
      }
    },

    async close() {
      await socket?.dispose();
      socket = undefined;
    },
  };
}
