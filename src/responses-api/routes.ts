import type { ServerResponse } from 'node:http';
import type { RouteEntry } from '../embedded/routing.js';
import { completedCalls, modelMessages, modelToolChoice, modelTools, simulateRule, type Engine } from './engine.js';
import {
  backgroundNeedsStore,
  badCursor,
  cancelNotBackground,
  conversationNotFound,
  conversationWithPreviousResponse,
  itemNotFound,
  previousResponseNotFound,
  responseNotFound,
  streamNotBackground,
} from './errors.js';
import { EventLog } from './events.js';
import { nowSeconds, type Clock } from '../embedded/clock.js';
import { newHexId } from './ids.js';
import { answeredCalls, checkContinuation, checkDuplicates, toItems } from './items.js';
import { present } from './present.js';
import { page, type Store, type StoredResponse } from './store.js';
import { IdempotencyKeys } from './idempotency.js';
import { streamEvents } from './streaming.js';
import type { Conversation, Item, ResponseObject } from './types.js';
import { parseCreateConversation, parseCreateItems, parseCreateResponse, parseListQuery, parseUpdateConversation, queryBoolean, queryInclude, queryInteger, type CreateResponseRequest, type ListQuery } from './validation.js';

export interface HandlerContext {
  params: Record<string, string>;
  query: URLSearchParams;
  /** Parsed JSON body; undefined when the request had none. */
  body: unknown;
  res: ServerResponse;
  /** Headers every answer carries (x-request-id …); a streaming handler sends them itself. */
  headers: Record<string, string>;
  /** The request's `Idempotency-Key`, when it sent one. */
  idempotencyKey?: string | undefined;
}

/** Returned by handlers that answered with an event stream. */
export const STREAMED = Symbol('streamed');

export interface Route extends RouteEntry {
  handler: (ctx: HandlerContext) => unknown;
}

export interface Deps {
  store: Store;
  engine: Engine;
  clock: Clock;
}

/** The spec's 13 Responses and Conversations operations. */
export function createRoutes({ store, engine, clock }: Deps): Route[] {
  const idempotency = new IdempotencyKeys(clock);
  const responseOr404 = (id: string): StoredResponse => {
    const stored = store.response(id);
    if (!stored) throw responseNotFound(id);
    return stored;
  };
  const conversationOr404 = (id: string): Conversation => {
    const conversation = store.conversation(id);
    if (!conversation) throw conversationNotFound(id);
    return conversation;
  };
  const listPage = <T extends { id: string }>(items: readonly T[], query: ListQuery) => {
    if (query.after !== undefined && !items.some((item) => item.id === query.after)) throw badCursor('after', query.after);
    return present(page(items, query), query.include);
  };

  const createResponse = async ({ body, res, headers, idempotencyKey }: HandlerContext): Promise<unknown> => {
    const request = parseCreateResponse(body);
    // A response that is not stored cannot be found again, so only stored ones are kept under their key; a stream
    // asked for again with the same key replays the first response's events from the start.
    const { stored, ended } = request.store ? await idempotency.once('POST /responses', idempotencyKey, body, async () => begin(request)) : begin(request);
    if (request.stream) {
      void streamEvents(res, headers, stored.log, -1, request.include).catch(() => res.destroy());
      return STREAMED;
    }
    if (!request.background) await ended;
    return present(stored.response, request.include);
  };

  const begin = (request: CreateResponseRequest): { stored: StoredResponse; ended: Promise<void> } => {
    // Every check before anything is stored: a refused request changes nothing.
    if (request.conversation !== undefined && request.previousResponseId !== undefined) throw conversationWithPreviousResponse();
    if (request.background && !request.store) throw backgroundNeedsStore();
    let context: readonly Item[] = [];
    if (request.previousResponseId !== undefined) {
      if (!store.response(request.previousResponseId)) throw previousResponseNotFound(request.previousResponseId);
      context = store.chainItems(request.previousResponseId);
    } else if (request.conversation !== undefined) {
      if (!store.conversation(request.conversation)) throw conversationNotFound(request.conversation, 'conversation');
      context = store.conversationItems(request.conversation);
    }
    const input = toItems(request.input, (id) => context.find((item) => item.id === id));
    checkContinuation(context, input);

    const answers = answeredCalls(context, input);
    const firstAnswer = answers[0];
    const stored: StoredResponse = { response: newResponse(request, nowSeconds(clock)), inputItems: input, log: new EventLog() };
    if (request.store) store.addResponse(stored);
    if (request.conversation !== undefined) store.appendItems(request.conversation, input);

    const ended = engine.start(stored, {
      // Instructions are not carried over from earlier responses, as on the real API.
      instructions: request.instructions,
      messages: modelMessages([...context, ...input]),
      tools: modelTools(request.tools),
      toolChoice: modelToolChoice(request.toolChoice),
      simulate: simulateRule(request.metadata),
      completedCalls: completedCalls({
        builtinCalls: firstAnswer ? engine.builtinCallsBefore(firstAnswer.call.call_id) : [],
        answers: answers.map(({ call, output }) => ({ name: call.name, output })),
      }),
    });
    return { stored, ended };
  };

  return [
    { method: 'POST', route: '/responses', handler: createResponse },
    {
      method: 'GET',
      route: '/responses/{response_id}',
      handler: ({ params, query, res, headers }) => {
        const stored = responseOr404(params['response_id'] ?? '');
        const include = queryInclude(query);
        const stream = queryBoolean(query, 'stream') ?? false;
        const startingAfter = queryInteger(query, 'starting_after');
        queryBoolean(query, 'include_obfuscation');
        if (!stream) return present(stored.response, include);
        if (!stored.response.background) throw streamNotBackground();
        void streamEvents(res, headers, stored.log, startingAfter ?? -1, include).catch(() => res.destroy());
        return STREAMED;
      },
    },
    {
      method: 'DELETE',
      route: '/responses/{response_id}',
      handler: ({ params }) => {
        const id = params['response_id'] ?? '';
        responseOr404(id);
        engine.forget(id);
        store.deleteResponse(id);
        return { id, object: 'response', deleted: true };
      },
    },
    {
      method: 'POST',
      route: '/responses/{response_id}/cancel',
      handler: ({ params }) => {
        const stored = responseOr404(params['response_id'] ?? '');
        if (!stored.response.background) throw cancelNotBackground();
        // Idempotent: a response that already ended (cancelled or not) is returned as it is.
        engine.cancel(stored.response.id);
        return present(stored.response, new Set());
      },
    },
    {
      method: 'GET',
      route: '/responses/{response_id}/input_items',
      handler: ({ params, query }) => listPage(responseOr404(params['response_id'] ?? '').inputItems, parseListQuery(query)),
    },
    {
      method: 'POST',
      route: '/conversations',
      handler: ({ body, idempotencyKey }) => idempotency.once('POST /conversations', idempotencyKey, body, async () => {
        const request = parseCreateConversation(body);
        const items = toItems(request.items, () => undefined, 'items');
        checkDuplicates([], items);
        const conversation: Conversation = { id: newHexId('conv'), object: 'conversation', created_at: nowSeconds(clock), metadata: request.metadata };
        store.addConversation(conversation, items);
        return conversation;
      }),
    },
    { method: 'GET', route: '/conversations/{conversation_id}', handler: ({ params }) => conversationOr404(params['conversation_id'] ?? '') },
    {
      method: 'POST',
      route: '/conversations/{conversation_id}',
      handler: ({ params, body }) => {
        const conversation = conversationOr404(params['conversation_id'] ?? '');
        conversation.metadata = parseUpdateConversation(body).metadata;
        return conversation;
      },
    },
    {
      method: 'DELETE',
      route: '/conversations/{conversation_id}',
      handler: ({ params }) => {
        const { id } = conversationOr404(params['conversation_id'] ?? '');
        store.deleteConversation(id);
        return { id, object: 'conversation.deleted', deleted: true };
      },
    },
    {
      method: 'POST',
      route: '/conversations/{conversation_id}/items',
      handler: ({ params, query, body, idempotencyKey }) => idempotency.once(`POST /conversations/${params['conversation_id']}/items`, idempotencyKey, body, async () => {
        const { id } = conversationOr404(params['conversation_id'] ?? '');
        const include = queryInclude(query);
        const items = toItems(parseCreateItems(body), (itemId) => store.conversationItems(id).find((item) => item.id === itemId), 'items');
        checkDuplicates(store.conversationItems(id), items);
        store.appendItems(id, items);
        return present({ object: 'list', data: items, first_id: items[0]?.id ?? null, last_id: items.at(-1)?.id ?? null, has_more: false }, include);
      }),
    },
    {
      method: 'GET',
      route: '/conversations/{conversation_id}/items',
      handler: ({ params, query }) => {
        const { id } = conversationOr404(params['conversation_id'] ?? '');
        return listPage(store.conversationItems(id), parseListQuery(query));
      },
    },
    {
      method: 'GET',
      route: '/conversations/{conversation_id}/items/{item_id}',
      handler: ({ params, query }) => {
        const { id } = conversationOr404(params['conversation_id'] ?? '');
        const item = store.conversationItems(id).find((candidate) => candidate.id === params['item_id']);
        if (!item) throw itemNotFound(params['item_id'] ?? '');
        return present(item, queryInclude(query));
      },
    },
    {
      method: 'DELETE',
      route: '/conversations/{conversation_id}/items/{item_id}',
      handler: ({ params }) => {
        const conversation = conversationOr404(params['conversation_id'] ?? '');
        if (!store.deleteItem(conversation.id, params['item_id'] ?? '')) throw itemNotFound(params['item_id'] ?? '');
        return conversation;
      },
    },
  ];
}

/** A new response as the real API shows it: every field present, the request's values echoed, defaults filled. */
function newResponse(request: CreateResponseRequest, createdAt: number): ResponseObject {
  return {
    id: newHexId('resp'),
    object: 'response',
    created_at: createdAt,
    status: request.background ? 'queued' : 'in_progress',
    background: request.background,
    completed_at: null,
    error: null,
    incomplete_details: null,
    instructions: request.instructions,
    max_output_tokens: request.maxOutputTokens,
    max_tool_calls: request.maxToolCalls,
    model: request.model,
    output: [],
    parallel_tool_calls: request.parallelToolCalls,
    previous_response_id: request.previousResponseId ?? null,
    conversation: request.conversation === undefined ? null : { id: request.conversation },
    reasoning: { effort: null, summary: null },
    service_tier: 'default',
    store: request.store,
    temperature: request.temperature ?? 1,
    text: { format: request.textFormat, verbosity: 'medium' },
    tool_choice: request.toolChoice,
    tools: request.tools,
    top_logprobs: 0,
    top_p: request.topP ?? 1,
    truncation: request.truncation,
    usage: null,
    metadata: request.metadata,
  };
}
