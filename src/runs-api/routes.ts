import type { ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { badRequest } from './errors.js';
import { newId, nowSeconds } from './ids.js';
import type { Simulator } from './simulator.js';
import { withoutFileSearchContent } from './simulator.js';
import type { Store } from './store.js';
import { openEventStream } from './streaming.js';
import type {
  Assistant,
  CreateAssistantRequest,
  CreateMessageRequest,
  CreateRunRequest,
  CreateThreadAndRunRequest,
  CreateThreadRequest,
  Message,
  MessageContent,
  ModifyAssistantRequest,
  ModifyMessageRequest,
  ModifyRunRequest,
  ModifyThreadRequest,
  Run,
  RunStep,
  SubmitToolOutputsRequest,
  Thread,
} from './types.js';
import { parseInclude, parseListQuery, validateBody } from './validation.js';

export interface HandlerContext {
  params: Record<string, string>;
  query: URLSearchParams;
  /** Parsed JSON body; undefined when the request had none. */
  body: unknown;
  res: ServerResponse;
  /** Headers every response carries (x-request-id …); a streaming handler sends them itself. */
  headers: Record<string, string>;
}

/** Returned by handlers that answered with an event stream. */
export const STREAMED = Symbol('streamed');

export type Handler = (ctx: HandlerContext) => unknown;

export interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  /** Templated path under /v1, as in the spec: `/threads/{thread_id}/runs`. */
  route: string;
  handler: Handler;
}

export interface Deps {
  store: Store;
  simulator: Simulator;
}

/** The spec's 23 operations. `/threads/runs` comes before `/threads/{thread_id}` so the literal wins. */
export function createRoutes({ store, simulator }: Deps): Route[] {
  const assistantsRoutes: Route[] = [
    {
      method: 'GET',
      route: '/assistants',
      handler: ({ query }) => store.page(store.sorted([...store.assistants.values()]), parseListQuery(query)),
    },
    {
      method: 'POST',
      route: '/assistants',
      handler: ({ body }) => {
        const req = validateBody<CreateAssistantRequest>('CreateAssistantRequest', orEmpty(body));
        const assistant: Assistant = {
          id: newId('asst'),
          object: 'assistant',
          created_at: nowSeconds(),
          name: req.name ?? null,
          description: req.description ?? null,
          model: req.model,
          instructions: req.instructions ?? null,
          tools: req.tools ?? [],
          tool_resources: toolResources(req.tool_resources),
          metadata: req.metadata ?? {},
          temperature: req.temperature ?? 1,
          top_p: req.top_p ?? 1,
          response_format: req.response_format ?? 'auto',
          // Not in the spec's AssistantObject, but the real API returns it; clients must tolerate such fields.
          ...{ reasoning_effort: req.reasoning_effort ?? null },
        };
        return store.addAssistant(assistant);
      },
    },
    { method: 'GET', route: '/assistants/{assistant_id}', handler: ({ params }) => store.assistant(params['assistant_id'] ?? '') },
    {
      method: 'POST',
      route: '/assistants/{assistant_id}',
      handler: ({ params, body }) => {
        const req = validateBody<ModifyAssistantRequest>('ModifyAssistantRequest', orEmpty(body));
        const assistant = store.assistant(params['assistant_id'] ?? '');
        const { tool_resources: resources, ...rest } = req;
        Object.assign(assistant, rest);
        if (resources !== undefined) assistant.tool_resources = toolResources(resources);
        return assistant;
      },
    },
    {
      method: 'DELETE',
      route: '/assistants/{assistant_id}',
      handler: ({ params }) => {
        const assistant = store.assistant(params['assistant_id'] ?? '');
        store.assistants.delete(assistant.id);
        return { id: assistant.id, object: 'assistant.deleted', deleted: true };
      },
    },
  ];

  const threadRoutes: Route[] = [
    {
      method: 'POST',
      route: '/threads',
      handler: ({ body }) => {
        const req = validateBody<CreateThreadRequest>('CreateThreadRequest', orEmpty(body));
        return createThread(req);
      },
    },
    {
      method: 'POST',
      route: '/threads/runs',
      handler: ({ body, query, res, headers }) => {
        const req = validateBody<CreateThreadAndRunRequest>('CreateThreadAndRunRequest', orEmpty(body));
        const include = parseInclude(query);
        const assistant = store.assistant(req.assistant_id);
        const { thread: threadRequest, tool_resources: resources, ...runRequest } = req;
        checkToolChoice(runRequest.tools ?? assistant.tools, runRequest.tool_choice);
        // The thread's own tool_resources win over the request-level ones.
        const thread = createThread({ ...(resources ? { tool_resources: resources } : {}), ...threadRequest });
        const run = buildRun(thread.id, assistant, runRequest);
        store.addRun(run);
        if (req.stream) {
          const stream = openEventStream(res, headers, { ...include, onClose: () => simulator.unsubscribe(run.id, stream.send) });
          stream.send({ event: 'thread.created', data: structuredClone(thread) });
          simulator.start(run, stream.send);
          return STREAMED;
        }
        simulator.start(run);
        return run;
      },
    },
    { method: 'GET', route: '/threads/{thread_id}', handler: ({ params }) => store.thread(params['thread_id'] ?? '') },
    {
      method: 'POST',
      route: '/threads/{thread_id}',
      handler: ({ params, body }) => {
        const req = validateBody<ModifyThreadRequest>('ModifyThreadRequest', orEmpty(body));
        const thread = store.thread(params['thread_id'] ?? '');
        if (req.metadata !== undefined) thread.metadata = req.metadata;
        if (req.tool_resources !== undefined) thread.tool_resources = toolResources(req.tool_resources);
        return thread;
      },
    },
    {
      method: 'DELETE',
      route: '/threads/{thread_id}',
      handler: ({ params }) => {
        const thread = store.thread(params['thread_id'] ?? '');
        simulator.forget(store.deleteThread(thread.id));
        return { id: thread.id, object: 'thread.deleted', deleted: true };
      },
    },
  ];

  const messageRoutes: Route[] = [
    {
      method: 'GET',
      route: '/threads/{thread_id}/messages',
      handler: ({ params, query }) => {
        const list = parseListQuery(query);
        const runId = query.get('run_id');
        const messages = store.messagesOf(store.thread(params['thread_id'] ?? '').id);
        return store.page(runId === null ? messages : messages.filter((m) => m.run_id === runId), list);
      },
    },
    {
      method: 'POST',
      route: '/threads/{thread_id}/messages',
      handler: ({ params, body }) => {
        const req = validateBody<CreateMessageRequest>('CreateMessageRequest', orEmpty(body));
        const thread = store.thread(params['thread_id'] ?? '');
        const active = store.activeRun(thread.id);
        if (active) throw badRequest(`Can't add messages to ${thread.id} while a run ${active.id} is active.`);
        return store.addMessage(buildMessage(thread.id, req));
      },
    },
    {
      method: 'GET',
      route: '/threads/{thread_id}/messages/{message_id}',
      handler: ({ params }) => store.message(params['thread_id'] ?? '', params['message_id'] ?? ''),
    },
    {
      method: 'POST',
      route: '/threads/{thread_id}/messages/{message_id}',
      handler: ({ params, body }) => {
        const req = validateBody<ModifyMessageRequest>('ModifyMessageRequest', orEmpty(body));
        const message = store.message(params['thread_id'] ?? '', params['message_id'] ?? '');
        if (req.metadata !== undefined) message.metadata = req.metadata;
        return message;
      },
    },
    {
      method: 'DELETE',
      route: '/threads/{thread_id}/messages/{message_id}',
      handler: ({ params }) => {
        const message = store.message(params['thread_id'] ?? '', params['message_id'] ?? '');
        store.messages.delete(message.id);
        return { id: message.id, object: 'thread.message.deleted', deleted: true };
      },
    },
  ];

  const runRoutes: Route[] = [
    {
      method: 'GET',
      route: '/threads/{thread_id}/runs',
      handler: ({ params, query }) => {
        const list = parseListQuery(query);
        return store.page(store.runsOf(store.thread(params['thread_id'] ?? '').id), list);
      },
    },
    {
      method: 'POST',
      route: '/threads/{thread_id}/runs',
      handler: ({ params, body, query, res, headers }) => {
        const req = validateBody<CreateRunRequest>('CreateRunRequest', orEmpty(body));
        const include = parseInclude(query);
        const thread = store.thread(params['thread_id'] ?? '');
        const assistant = store.assistant(req.assistant_id);
        const active = store.activeRun(thread.id);
        if (active) throw badRequest(`Thread ${thread.id} already has an active run ${active.id}.`);
        checkToolChoice(req.tools ?? assistant.tools, req.tool_choice);
        const { additional_messages: additional, ...runRequest } = req;
        for (const message of additional ?? []) store.addMessage(buildMessage(thread.id, message));
        const run = store.addRun(buildRun(thread.id, assistant, runRequest));
        if (req.stream) {
          const stream = openEventStream(res, headers, { ...include, onClose: () => simulator.unsubscribe(run.id, stream.send) });
          simulator.start(run, stream.send);
          return STREAMED;
        }
        simulator.start(run);
        return run;
      },
    },
    {
      method: 'GET',
      route: '/threads/{thread_id}/runs/{run_id}',
      handler: ({ params }) => store.run(params['thread_id'] ?? '', params['run_id'] ?? ''),
    },
    {
      method: 'POST',
      route: '/threads/{thread_id}/runs/{run_id}',
      handler: ({ params, body }) => {
        const req = validateBody<ModifyRunRequest>('ModifyRunRequest', orEmpty(body));
        const run = store.run(params['thread_id'] ?? '', params['run_id'] ?? '');
        if (req.metadata !== undefined) run.metadata = req.metadata;
        return run;
      },
    },
    {
      method: 'POST',
      route: '/threads/{thread_id}/runs/{run_id}/cancel',
      handler: ({ params }) => {
        const run = store.run(params['thread_id'] ?? '', params['run_id'] ?? '');
        simulator.cancel(run);
        return run;
      },
    },
    {
      method: 'POST',
      route: '/threads/{thread_id}/runs/{run_id}/submit_tool_outputs',
      handler: ({ params, body, res, headers }) => {
        const req = validateBody<SubmitToolOutputsRequest>('SubmitToolOutputsRunRequest', orEmpty(body));
        const run = store.run(params['thread_id'] ?? '', params['run_id'] ?? '');
        simulator.checkToolOutputs(run, req);
        if (req.stream) {
          const stream = openEventStream(res, headers, { fileSearchContent: false, onClose: () => simulator.unsubscribe(run.id, stream.send) });
          simulator.submitToolOutputs(run, req, stream.send);
          return STREAMED;
        }
        simulator.submitToolOutputs(run, req);
        return run;
      },
    },
    {
      method: 'GET',
      route: '/threads/{thread_id}/runs/{run_id}/steps',
      handler: ({ params, query }) => {
        const list = parseListQuery(query);
        const include = parseInclude(query);
        const run = store.run(params['thread_id'] ?? '', params['run_id'] ?? '');
        const page = store.page(store.stepsOf(run.id), list);
        return { ...page, data: page.data.map((step) => presentStep(step, include.fileSearchContent)) };
      },
    },
    {
      method: 'GET',
      route: '/threads/{thread_id}/runs/{run_id}/steps/{step_id}',
      handler: ({ params, query }) => {
        const include = parseInclude(query);
        return presentStep(store.step(params['thread_id'] ?? '', params['run_id'] ?? '', params['step_id'] ?? ''), include.fileSearchContent);
      },
    },
  ];

  function createThread(req: CreateThreadRequest): Thread {
    const thread = store.addThread({
      id: newId('thread'),
      object: 'thread',
      created_at: nowSeconds(),
      tool_resources: toolResources(req.tool_resources),
      metadata: req.metadata ?? {},
    });
    for (const message of req.messages ?? []) store.addMessage(buildMessage(thread.id, message));
    return thread;
  }

  function buildRun(threadId: string, assistant: Assistant, req: Omit<CreateRunRequest, 'additional_messages'> | Omit<CreateThreadAndRunRequest, 'thread'>): Run {
    const createdAt = nowSeconds();
    const base = req.instructions ?? assistant.instructions ?? null;
    const additional = 'additional_instructions' in req ? req.additional_instructions : undefined;
    const instructions = additional ? (base ? `${base}\n\n${additional}` : additional) : base;
    const run: Run = {
      id: newId('run'),
      object: 'thread.run',
      created_at: createdAt,
      thread_id: threadId,
      assistant_id: assistant.id,
      status: 'queued',
      required_action: null,
      last_error: null,
      expires_at: createdAt + simulator.expirySeconds,
      started_at: null,
      cancelled_at: null,
      failed_at: null,
      completed_at: null,
      incomplete_details: null,
      model: req.model ?? assistant.model,
      instructions,
      tools: req.tools ?? assistant.tools,
      metadata: req.metadata ?? {},
      usage: null,
      temperature: req.temperature ?? assistant.temperature ?? 1,
      top_p: req.top_p ?? assistant.top_p ?? 1,
      max_prompt_tokens: req.max_prompt_tokens ?? null,
      max_completion_tokens: req.max_completion_tokens ?? null,
      truncation_strategy: req.truncation_strategy ?? { type: 'auto', last_messages: null },
      tool_choice: req.tool_choice ?? 'auto',
      parallel_tool_calls: req.parallel_tool_calls ?? true,
      response_format: req.response_format ?? assistant.response_format ?? 'auto',
    };
    // Returned by the real API although the spec's RunObject does not list it.
    const reasoningEffort = 'reasoning_effort' in req ? req.reasoning_effort : undefined;
    return Object.assign(run, { reasoning_effort: reasoningEffort ?? null });
  }

  return [...assistantsRoutes, ...threadRoutes, ...messageRoutes, ...runRoutes];
}

function buildMessage(threadId: string, req: CreateMessageRequest): Message {
  const now = nowSeconds();
  const content: MessageContent[] =
    typeof req.content === 'string'
      ? [{ type: 'text', text: { value: req.content, annotations: [] } }]
      : req.content.map((part): MessageContent => (part.type === 'text' ? { type: 'text', text: { value: part.text, annotations: [] } } : part));
  return {
    id: newId('msg'),
    object: 'thread.message',
    created_at: now,
    thread_id: threadId,
    status: 'completed',
    incomplete_details: null,
    completed_at: now,
    incomplete_at: null,
    role: req.role,
    content,
    assistant_id: null,
    run_id: null,
    attachments: req.attachments ?? [],
    metadata: req.metadata ?? {},
  };
}

/** A named tool choice must name a tool the run has; `required` needs at least one. */
function checkToolChoice(tools: Run['tools'], choice: CreateRunRequest['tool_choice']): void {
  if (choice === undefined || choice === null) return;
  if (choice === 'required' && tools.length === 0) {
    throw badRequest("Invalid 'tool_choice': 'required' needs at least one tool on the run or its assistant.", 'tool_choice', 'invalid_value');
  }
  if (typeof choice !== 'object') return;
  if (choice.type === 'function') {
    const name = choice.function?.name;
    if (!name) throw badRequest("Missing required parameter: 'tool_choice.function'.", 'tool_choice.function', 'missing_required_parameter');
    if (!tools.some((tool) => tool.type === 'function' && tool.function.name === name)) {
      throw badRequest(`Invalid 'tool_choice': the function '${name}' is not one of the run's tools.`, 'tool_choice', 'invalid_value');
    }
  } else if (!tools.some((tool) => tool.type === choice.type)) {
    throw badRequest(`Invalid 'tool_choice': the tool '${choice.type}' is not one of the run's tools.`, 'tool_choice', 'invalid_value');
  }
}

type ToolResourcesInput = CreateThreadRequest['tool_resources'] | CreateAssistantRequest['tool_resources'] | ModifyAssistantRequest['tool_resources'];

/** `vector_stores` is a create-time helper; the stored object only has the id of the store it made. */
function toolResources(input: ToolResourcesInput): NonNullable<Thread['tool_resources']> {
  if (!input) return {};
  const out: NonNullable<Thread['tool_resources']> = {};
  if (input.code_interpreter) out.code_interpreter = { file_ids: input.code_interpreter.file_ids ?? [] };
  if (input.file_search) {
    const fileSearch = input.file_search as { vector_store_ids?: string[]; vector_stores?: unknown[] };
    out.file_search = { vector_store_ids: fileSearch.vector_store_ids ?? (fileSearch.vector_stores ?? []).map(() => `vs_${randomBytes(12).toString('hex')}`) };
  }
  return out;
}

function presentStep(step: RunStep, fileSearchContent: boolean): RunStep {
  return fileSearchContent ? step : withoutFileSearchContent(step);
}

/** No body at all is an empty object (the SDK sends none for some calls); a JSON `null` is not. */
function orEmpty(body: unknown): unknown {
  return body === undefined ? {} : body;
}
