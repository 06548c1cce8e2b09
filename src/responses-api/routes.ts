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
import { agentId, listConversationsUnsupported, splitAgentReference, type AgentReference, type ResponsesPresentation } from './foundry.js';
import { present } from './present.js';
import { page, type Store, type StoredResponse } from './store.js';
import { IdempotencyKeys } from './idempotency.js';
import { streamEvents } from './streaming.js';
import type { Conversation, Item, ResponseObject } from './types.js';
import { parseCreateConversation, parseCreateItems, parseCreateResponse, parseListConversationsQuery, parseListQuery, parseUpdateConversation, queryBoolean, queryInclude, queryInteger, type CreateResponseRequest, type ListQuery } from './validation.js';

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
  /** Whose objects the request sees (foundry.ts `scopeOf`): '' unless the foundry presentation isolates callers. */
  scope: string;
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
  /** `foundry`: the wire of Azure AI Foundry's new agents (foundry.ts). */
  presentation: ResponsesPresentation;
}

/** The spec's 13 Responses and Conversations operations. */
export function createRoutes({ store, engine, clock, presentation }: Deps): Route[] {
  const idempotency = new IdempotencyKeys(clock);
  const responseOr404 = (id: string, scope: string): StoredResponse => {
    const stored = store.response(id, scope);
    if (!stored) throw responseNotFound(id);
    return stored;
  };
  const conversationOr404 = (id: string, scope: string): Conversation => {
    const conversation = store.conversation(id, scope);
    if (!conversation) throw conversationNotFound(id);
    return conversation;
  };
  // Idempotency keys are per scope too: a key reused by another caller must not answer the first caller's object.
  const onceIn = (scope: string, operation: string) => (scope === '' ? operation : `${operation} [${scope}]`);
  const listPage = <T extends { id: string }>(items: readonly T[], query: ListQuery) => {
    if (query.after !== undefined && !items.some((item) => item.id === query.after)) throw badCursor('after', query.after);
    return present(page(items, query), query.include);
  };

  const createResponse = async ({ body, res, headers, idempotencyKey, scope }: HandlerContext): Promise<unknown> => {
    const agent = presentation === 'foundry' ? splitAgentReference(body) : undefined;
    // The agent's definition stands for the model: the simulated model answers every agent alike.
    const request = agent ? parseCreateResponse({ ...agent.rest, model: `agent:${agentId(agent.reference)}` }) : parseCreateResponse(body);
    // A response that is not stored cannot be found again, so only stored ones are kept under their key; a stream
    // asked for again with the same key replays the first response's events from the start.
    const started = () => begin(request, scope, agent?.reference);
    const { stored, ended } = request.store ? await idempotency.once(onceIn(scope, 'POST /responses'), idempotencyKey, body, async () => started()) : started();
    if (request.stream) {
      void streamEvents(res, headers, stored.log, -1, request.include).catch(() => res.destroy());
      return STREAMED;
    }
    if (!request.background) await ended;
    return present(stored.response, request.include);
  };

  const begin = (request: CreateResponseRequest, scope: string, agent: AgentReference | undefined): { stored: StoredResponse; ended: Promise<void> } => {
    // Every check before anything is stored: a refused request changes nothing.
    if (request.conversation !== undefined && request.previousResponseId !== undefined) throw conversationWithPreviousResponse();
    if (request.background && !request.store) throw backgroundNeedsStore();
    let context: readonly Item[] = [];
    if (request.previousResponseId !== undefined) {
      if (!store.response(request.previousResponseId, scope)) throw previousResponseNotFound(request.previousResponseId);
      context = store.chainItems(request.previousResponseId, scope);
    } else if (request.conversation !== undefined) {
      if (!store.conversation(request.conversation, scope)) throw conversationNotFound(request.conversation, 'conversation');
      context = store.conversationItems(request.conversation);
    }
    const input = toItems(request.input, (id) => context.find((item) => item.id === id));
    checkContinuation(context, input);

    const answers = answeredCalls(context, input);
    const firstAnswer = answers[0];
    const response = newResponse(request, nowSeconds(clock));
    if (agent) {
      // Foundry answers with the agent it ran, and no instructions of the request's own.
      response.agent_reference = agent;
      response.model = agent.name;
    }
    const stored: StoredResponse = { response, inputItems: input, log: new EventLog(), scope };
    if (request.store) store.addResponse(stored);
    if (request.conversation !== undefined) {
      store.appendItems(request.conversation, input);
      if (agent) store.markAgent(request.conversation, [agent.name, agentId(agent)]);
    }

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
      handler: ({ params, query, res, headers, scope }) => {
        const stored = responseOr404(params['response_id'] ?? '', scope);
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
      handler: ({ params, scope }) => {
        const id = params['response_id'] ?? '';
        responseOr404(id, scope);
        engine.forget(id);
        store.deleteResponse(id);
        return { id, object: 'response', deleted: true };
      },
    },
    {
      method: 'POST',
      route: '/responses/{response_id}/cancel',
      handler: ({ params, scope }) => {
        const stored = responseOr404(params['response_id'] ?? '', scope);
        if (!stored.response.background) throw cancelNotBackground();
        // Idempotent: a response that already ended (cancelled or not) is returned as it is.
        engine.cancel(stored.response.id);
        return present(stored.response, new Set());
      },
    },
    {
      method: 'GET',
      route: '/responses/{response_id}/input_items',
      handler: ({ params, query, scope }) => listPage(responseOr404(params['response_id'] ?? '', scope).inputItems, parseListQuery(query)),
    },
    {
      // Foundry's addition: the caller's conversations (its isolation key's), newest first by default.
      method: 'GET',
      route: '/conversations',
      handler: ({ query, scope }) => {
        if (presentation !== 'foundry') throw listConversationsUnsupported();
        const { agentName, agentId: agentIdFilter, ...list } = parseListConversationsQuery(query);
        return listPage(store.conversationsOf(scope, agentIdFilter ?? agentName), list);
      },
    },
    {
      method: 'POST',
      route: '/conversations',
      handler: ({ body, idempotencyKey, scope }) => idempotency.once(onceIn(scope, 'POST /conversations'), idempotencyKey, body, async () => {
        const request = parseCreateConversation(body);
        const items = toItems(request.items, () => undefined, 'items');
        checkDuplicates([], items);
        const conversation: Conversation = { id: newHexId('conv'), object: 'conversation', created_at: nowSeconds(clock), metadata: request.metadata };
        store.addConversation(conversation, items, scope);
        return conversation;
      }),
    },
    { method: 'GET', route: '/conversations/{conversation_id}', handler: ({ params, scope }) => conversationOr404(params['conversation_id'] ?? '', scope) },
    {
      method: 'POST',
      route: '/conversations/{conversation_id}',
      handler: ({ params, body, scope }) => {
        const conversation = conversationOr404(params['conversation_id'] ?? '', scope);
        conversation.metadata = parseUpdateConversation(body).metadata;
        return conversation;
      },
    },
    {
      method: 'DELETE',
      route: '/conversations/{conversation_id}',
      handler: ({ params, scope }) => {
        const { id } = conversationOr404(params['conversation_id'] ?? '', scope);
        store.deleteConversation(id);
        return { id, object: 'conversation.deleted', deleted: true };
      },
    },
    {
      method: 'POST',
      route: '/conversations/{conversation_id}/items',
      handler: ({ params, query, body, idempotencyKey, scope }) => idempotency.once(onceIn(scope, `POST /conversations/${params['conversation_id']}/items`), idempotencyKey, body, async () => {
        const { id } = conversationOr404(params['conversation_id'] ?? '', scope);
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
      handler: ({ params, query, scope }) => {
        const { id } = conversationOr404(params['conversation_id'] ?? '', scope);
        return listPage(store.conversationItems(id), parseListQuery(query));
      },
    },
    {
      method: 'GET',
      route: '/conversations/{conversation_id}/items/{item_id}',
      handler: ({ params, query, scope }) => {
        const { id } = conversationOr404(params['conversation_id'] ?? '', scope);
        const item = store.conversationItems(id).find((candidate) => candidate.id === params['item_id']);
        if (!item) throw itemNotFound(params['item_id'] ?? '');
        return present(item, queryInclude(query));
      },
    },
    {
      method: 'DELETE',
      route: '/conversations/{conversation_id}/items/{item_id}',
      handler: ({ params, scope }) => {
        const conversation = conversationOr404(params['conversation_id'] ?? '', scope);
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
