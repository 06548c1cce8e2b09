import { runSettings, type RunRequest } from './rules.js';
import type { Assistant, CreateAssistantRequest, CreateMessageRequest, CreateThreadRequest, Message, MessageContent, ModifyAssistantRequest, Run, RunStep, Thread } from './types.js';

/**
 * New wire objects from validated requests, with the API's defaults. Pure: ids and times are
 * given, so any engine makes the same objects.
 */

export interface Made {
  id: string;
  /** Unix seconds. */
  createdAt: number;
}

export function newAssistant(req: CreateAssistantRequest, made: Made, newVectorStoreId: () => string): Assistant {
  return {
    id: made.id,
    object: 'assistant',
    created_at: made.createdAt,
    name: req.name ?? null,
    description: req.description ?? null,
    model: req.model,
    instructions: req.instructions ?? null,
    tools: req.tools ?? [],
    tool_resources: toolResources(req.tool_resources, newVectorStoreId),
    metadata: req.metadata ?? {},
    temperature: req.temperature ?? 1,
    top_p: req.top_p ?? 1,
    response_format: req.response_format ?? 'auto',
    // Not in the spec's AssistantObject, but the real API returns it; clients must tolerate such fields.
    ...{ reasoning_effort: req.reasoning_effort ?? null },
  };
}

export function newThread(req: CreateThreadRequest, made: Made, newVectorStoreId: () => string): Thread {
  return { id: made.id, object: 'thread', created_at: made.createdAt, tool_resources: toolResources(req.tool_resources, newVectorStoreId), metadata: req.metadata ?? {} };
}

/** A message a client adds: complete at once, text as a part without annotations. */
export function newMessage(threadId: string, req: CreateMessageRequest, made: Made): Message {
  const content: MessageContent[] =
    typeof req.content === 'string'
      ? [{ type: 'text', text: { value: req.content, annotations: [] } }]
      : req.content.map((part): MessageContent => (part.type === 'text' ? { type: 'text', text: { value: part.text, annotations: [] } } : part));
  return {
    id: made.id,
    object: 'thread.message',
    created_at: made.createdAt,
    thread_id: threadId,
    status: 'completed',
    incomplete_details: null,
    completed_at: made.createdAt,
    incomplete_at: null,
    role: req.role,
    content,
    assistant_id: null,
    run_id: null,
    attachments: req.attachments ?? [],
    metadata: req.metadata ?? {},
  };
}

/** A queued run with the settings `runSettings` gives. */
export function newRun(threadId: string, assistant: Assistant, req: RunRequest, made: Made & { expiresAt: number }): Run {
  const s = runSettings(assistant, req);
  const run: Run = {
    id: made.id,
    object: 'thread.run',
    created_at: made.createdAt,
    thread_id: threadId,
    assistant_id: assistant.id,
    status: 'queued',
    required_action: null,
    last_error: null,
    expires_at: made.expiresAt,
    started_at: null,
    cancelled_at: null,
    failed_at: null,
    completed_at: null,
    incomplete_details: null,
    model: s.model,
    instructions: s.instructions,
    tools: s.tools,
    metadata: s.metadata,
    usage: null,
    temperature: s.temperature,
    top_p: s.top_p,
    max_prompt_tokens: s.max_prompt_tokens,
    max_completion_tokens: s.max_completion_tokens,
    truncation_strategy: s.truncation_strategy,
    tool_choice: s.tool_choice,
    parallel_tool_calls: s.parallel_tool_calls,
    response_format: s.response_format,
  };
  // Foundry classic's runs carry the request's `tool_resources` (the wire passes them only on that profile).
  const resources = (req as { tool_resources?: unknown }).tool_resources;
  return Object.assign(run, { reasoning_effort: s.reasoning_effort }, resources === undefined ? {} : { tool_resources: resources });
}

type ToolResourcesInput = CreateThreadRequest['tool_resources'] | CreateAssistantRequest['tool_resources'] | ModifyAssistantRequest['tool_resources'];

/** `vector_stores` is a create-time helper; the stored object only has the id of the store it made. */
/** The assistant's message a run is writing, in progress and still empty (both engines make theirs here). */
export function newAssistantMessage(run: Run, made: Made): Message {
  return {
    id: made.id,
    object: 'thread.message',
    created_at: made.createdAt,
    thread_id: run.thread_id,
    status: 'in_progress',
    incomplete_details: null,
    completed_at: null,
    incomplete_at: null,
    role: 'assistant',
    content: [],
    assistant_id: run.assistant_id,
    run_id: run.id,
    attachments: [],
    metadata: {},
  };
}

/** A new step of `run`, in progress (both engines make their steps here). */
export function newRunStep(run: Run, details: RunStep['step_details'], made: Made): RunStep {
  return {
    id: made.id,
    object: 'thread.run.step',
    created_at: made.createdAt,
    assistant_id: run.assistant_id,
    thread_id: run.thread_id,
    run_id: run.id,
    type: details.type,
    status: 'in_progress',
    step_details: details,
    last_error: null,
    expired_at: null,
    cancelled_at: null,
    failed_at: null,
    completed_at: null,
    metadata: {},
    usage: null,
  };
}

export function toolResources(input: ToolResourcesInput, newVectorStoreId: () => string): NonNullable<Thread['tool_resources']> {
  if (!input) return {};
  const out: NonNullable<Thread['tool_resources']> = {};
  if (input.code_interpreter) out.code_interpreter = { file_ids: input.code_interpreter.file_ids ?? [] };
  if (input.file_search) {
    const fileSearch = input.file_search as { vector_store_ids?: string[]; vector_stores?: unknown[] };
    out.file_search = { vector_store_ids: fileSearch.vector_store_ids ?? (fileSearch.vector_stores ?? []).map(() => newVectorStoreId()) };
  }
  return out;
}
