import type { AgentReference } from '../../../responses-api/foundry.js';
import { badRequest } from '../../errors.js';
import { newAssistantMessage, newRunStep } from '../../objects.js';
import type { RunRequest } from '../../rules.js';
import type { Assistant, CreateMessageRequest, Message, MessageContent, Run, RunStep, StreamEvent, Thread, ToolCall } from '../../types.js';
import type { Annotation, Item, MessageItem, OutputItem, ResponseObject, ResponseUsage } from '../../../responses-api/types.js';

/**
 * The pure translations between the runs wire and the Responses wire: a run's settings into the body of a
 * response, and a response (its status and output items) back into the run, its steps and its messages,
 * with the runs events each change means. No I/O, no clock: ids and times are given.
 */

/** A function call of the chain's head that waits for its output (the tool call id on the runs wire is its call_id). */
export interface PendingCall {
  callId: string;
  name: string;
  arguments: string;
}

/** What an output item became on the runs wire. */
export interface ItemLink {
  stepId: string;
  /** The runs tool call id (`call_…`) of a tool call item; the message id of a message item. */
  callId?: string;
  messageId?: string;
}

/** A run as the engine sees it while applying a response: the run, its steps and its messages, changed in place. */
export interface RunView {
  run: Run;
  items: Record<string, ItemLink>;
  steps: Record<string, RunStep>;
  messages: Record<string, Message>;
  /** Token usage of each response of the chain, by response id. */
  usage: Record<string, ResponseUsage | null>;
  pendingCalls: PendingCall[];
  /** The engine asked the head to stop: the run shows `cancelling` until the head says how it ended. */
  cancelRequested: boolean;
  /** Ids of steps and messages changed since the view was loaded (so only those are written). */
  dirtySteps: Set<string>;
  dirtyMessages: Set<string>;
}

export interface ApplyContext {
  /** Unix seconds. */
  now: number;
  newStepId: () => string;
  newMessageId: () => string;
  newCallId: () => string;
}

// ---------------------------------------------------------------------------------------------------------------
// Run request → response body

/** The parts of a run request no Responses field can carry: refused with their `param`, never dropped. */
export function checkMappable(req: Pick<RunRequest, 'truncation_strategy' | 'max_prompt_tokens'>): void {
  if (req.truncation_strategy?.type === 'last_messages') {
    throw badRequest(
      "Invalid 'truncation_strategy': 'last_messages' cannot be served on the Responses engine (a response sees its whole conversation; only 'auto' maps, to truncation 'auto').",
      'truncation_strategy',
      'unsupported_value',
    );
  }
  if (req.max_prompt_tokens !== undefined && req.max_prompt_tokens !== null) {
    throw badRequest("Unsupported parameter: 'max_prompt_tokens' has no equivalent on the Responses engine (a response has no prompt token budget).", 'max_prompt_tokens', 'unsupported_parameter');
  }
}

/** Vector stores and files the run's tools work on: the thread's, else the assistant's (as on the runs API). */
export interface ToolResourceIds {
  vectorStoreIds: string[];
  fileIds: string[];
}

export function toolResourceIds(thread: Thread, assistant: Assistant): ToolResourceIds {
  return {
    vectorStoreIds: thread.tool_resources?.file_search?.vector_store_ids ?? assistant.tool_resources?.file_search?.vector_store_ids ?? [],
    fileIds: thread.tool_resources?.code_interpreter?.file_ids ?? assistant.tool_resources?.code_interpreter?.file_ids ?? [],
  };
}

/** Assistants tools in the Responses form: function tools flat, file search with its vector stores, code interpreter in an auto container. */
export function responseTools(tools: Run['tools'], resources: ToolResourceIds): Array<Record<string, unknown>> {
  return tools.map((tool) => {
    if (tool.type === 'function') {
      const fn = tool.function;
      return {
        type: 'function',
        name: fn.name,
        ...(fn.description !== undefined ? { description: fn.description } : {}),
        parameters: fn.parameters ?? { type: 'object', properties: {} },
        strict: fn.strict ?? false,
      };
    }
    if (tool.type === 'file_search') {
      const threshold = tool.file_search?.ranking_options?.score_threshold;
      return {
        type: 'file_search',
        vector_store_ids: resources.vectorStoreIds,
        ...(tool.file_search?.max_num_results !== undefined ? { max_num_results: tool.file_search.max_num_results } : {}),
        ...(threshold !== undefined ? { ranking_options: { score_threshold: threshold } } : {}),
      };
    }
    return { type: 'code_interpreter', container: { type: 'auto', file_ids: resources.fileIds } };
  });
}

export function responseToolChoice(choice: Run['tool_choice']): unknown {
  if (choice === null || choice === undefined) return 'auto';
  if (typeof choice === 'string') return choice;
  if (choice.type === 'function') return { type: 'function', name: choice.function?.name };
  return { type: choice.type };
}

/** `response_format` as the Responses `text.format`; `auto` leaves the default. */
export function textFormat(format: Run['response_format']): Record<string, unknown> | undefined {
  if (format === null || format === undefined || format === 'auto') return undefined;
  if (format.type === 'json_schema') {
    const schema = format.json_schema;
    return { type: 'json_schema', name: schema.name, ...(schema.description ? { description: schema.description } : {}), schema: schema.schema ?? {}, strict: schema.strict ?? false };
  }
  return { type: format.type };
}

/** What a response must show for the run's steps: the tool results the successor leaves out unless asked. */
export const RESPONSE_INCLUDE = ['file_search_call.results', 'code_interpreter_call.outputs'];

/** The body of a response that runs (or continues) `run` on its conversation; `input` are the new items. */
export function responseBody(run: Run, conversationId: string, input: unknown[], resources: ToolResourceIds, agent?: AgentReference): Record<string, unknown> {
  const format = textFormat(run.response_format);
  const effort = (run as Run & { reasoning_effort?: unknown }).reasoning_effort;
  return {
    // A Foundry agent's definition holds its model and instructions; a request that names it may not set them.
    ...(agent ? { agent_reference: agent } : { model: run.model }),
    conversation: conversationId,
    input,
    // Instructions are not carried along a chain: every link gets them again.
    ...(run.instructions && !agent ? { instructions: run.instructions } : {}),
    background: true,
    store: true,
    include: RESPONSE_INCLUDE,
    tools: responseTools(run.tools, resources),
    tool_choice: responseToolChoice(run.tool_choice),
    parallel_tool_calls: run.parallel_tool_calls,
    ...(run.temperature !== null && run.temperature !== undefined ? { temperature: run.temperature } : {}),
    ...(run.top_p !== null && run.top_p !== undefined ? { top_p: run.top_p } : {}),
    ...(run.max_completion_tokens ? { max_output_tokens: Math.max(16, run.max_completion_tokens) } : {}),
    ...(format ? { text: { format } } : {}),
    ...(typeof effort === 'string' ? { reasoning: { effort } } : {}),
    metadata: run.metadata ?? {},
  };
}

/** The outputs of `submit_tool_outputs` as the one `function_call_output` item per pending call (nothing re-sent). */
export function functionCallOutputs(outputs: Array<{ tool_call_id?: string; output?: string }>): unknown[] {
  return outputs.map((output) => ({ type: 'function_call_output', call_id: output.tool_call_id, output: output.output ?? '' }));
}

/** A message a client adds, as a conversation item. */
export function messageItem(req: Pick<CreateMessageRequest, 'role' | 'content'>): Record<string, unknown> {
  const textType = req.role === 'assistant' ? 'output_text' : 'input_text';
  if (typeof req.content === 'string') return { type: 'message', role: req.role, content: req.content };
  const content = req.content.map((part) => {
    if (part.type === 'text') return textType === 'output_text' ? { type: 'output_text', text: part.text, annotations: [] } : { type: 'input_text', text: part.text };
    if (part.type === 'image_url') return { type: 'input_image', image_url: part.image_url.url, detail: part.image_url.detail ?? 'auto' };
    return { type: 'input_image', file_id: part.image_file.file_id, detail: part.image_file.detail ?? 'auto' };
  });
  return { type: 'message', role: req.role, content };
}

// ---------------------------------------------------------------------------------------------------------------
// Response → run, steps, messages

const IMAGE_FILE = /\.(png|jpe?g|gif|webp)$/i;

/** A message item's content on the runs wire. Citations keep their file; a cited image the code drew is shown as an image part first. */
export function messageContent(item: MessageItem): MessageContent[] {
  const images: MessageContent[] = [];
  const parts = item.content.flatMap((part): MessageContent[] => {
    if (part.type === 'refusal') return [{ type: 'refusal', refusal: part.refusal }];
    if (part.type === 'input_text' || part.type === 'output_text') {
      const annotations = part.type === 'output_text' ? part.annotations.flatMap((a) => runAnnotation(a, part.text, images)) : [];
      return [{ type: 'text', text: { value: part.text, annotations } }];
    }
    if (part.type === 'input_image') {
      if (part.file_id) return [{ type: 'image_file', image_file: { file_id: part.file_id, detail: (part.detail as 'auto' | 'low' | 'high') ?? 'auto' } }];
      if (part.image_url) return [{ type: 'image_url', image_url: { url: part.image_url, detail: (part.detail as 'auto' | 'low' | 'high') ?? 'auto' } }];
    }
    // Input files have no message content type on the runs wire (they were attachments there).
    return [];
  });
  return [...images, ...parts];
}

type RunAnnotation = Extract<MessageContent, { type: 'text' }>['text']['annotations'][number];

function runAnnotation(annotation: Annotation, text: string, images: MessageContent[]): RunAnnotation[] {
  const fileId = typeof annotation['file_id'] === 'string' ? annotation['file_id'] : undefined;
  if (!fileId) return [];
  if (annotation.type === 'file_citation') {
    // The successor marks a citation at one index; the runs wire has a span, here an empty one at that index.
    const at = typeof annotation['index'] === 'number' ? annotation['index'] : 0;
    return [{ type: 'file_citation', text: '', file_citation: { file_id: fileId }, start_index: at, end_index: at }];
  }
  const start = typeof annotation['start_index'] === 'number' ? annotation['start_index'] : 0;
  const end = typeof annotation['end_index'] === 'number' ? annotation['end_index'] : start;
  const filename = typeof annotation['filename'] === 'string' ? annotation['filename'] : '';
  if (annotation.type === 'container_file_citation' && IMAGE_FILE.test(filename) && !images.some((p) => p.type === 'image_file' && p.image_file.file_id === fileId)) {
    images.push({ type: 'image_file', image_file: { file_id: fileId, detail: 'auto' } });
  }
  return [{ type: 'file_path', text: text.slice(start, end), file_path: { file_id: fileId }, start_index: start, end_index: end }];
}

/** Usage of a chain: the sum of its responses'. */
export function chainUsage(usages: ReadonlyArray<ResponseUsage | null>): Run['usage'] {
  const known = usages.filter((u): u is ResponseUsage => u !== null);
  if (known.length === 0) return null;
  const prompt = known.reduce((sum, u) => sum + u.input_tokens, 0);
  const completion = known.reduce((sum, u) => sum + u.output_tokens, 0);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

function stepUsage(usage: ResponseUsage | null | undefined): RunStep['usage'] {
  return usage ? { prompt_tokens: usage.input_tokens, completion_tokens: usage.output_tokens, total_tokens: usage.input_tokens + usage.output_tokens } : null;
}

/** The run's `last_error` from a failed response: codes the runs wire does not know become `server_error`. */
export function lastError(error: ResponseObject['error']): Run['last_error'] {
  const code = error?.code === 'rate_limit_exceeded' || error?.code === 'invalid_prompt' ? error.code : 'server_error';
  return { code, message: error?.message ?? 'The response failed.' };
}

/** Function calls of `response` that no later item answers: what the run waits for in `requires_action`. */
export function pendingCalls(response: ResponseObject): PendingCall[] {
  return response.output.flatMap((item) => (item.type === 'function_call' ? [{ callId: item.call_id, name: item.name, arguments: item.arguments }] : []));
}

/** The runs events of one change, in the order the runs API sends them. */
class Events {
  readonly list: StreamEvent[] = [];
  push(event: string, data: unknown): void {
    this.list.push({ event, data: structuredClone(data) });
  }
}

function stepDelta(stepId: string, call: Record<string, unknown>): unknown {
  return { id: stepId, object: 'thread.run.step.delta', delta: { step_details: { type: 'tool_calls', tool_calls: [{ index: 0, ...call }] } } };
}

function newStep(view: RunView, ctx: ApplyContext, details: RunStep['step_details'], events: Events): RunStep {
  const step = newRunStep(view.run, details, { id: ctx.newStepId(), createdAt: ctx.now });
  view.steps[step.id] = step;
  view.dirtySteps.add(step.id);
  events.push('thread.run.step.created', step);
  events.push('thread.run.step.in_progress', step);
  return step;
}

/** The runs tool call an output item stands for, as far as the item has come. */
function toolCallOf(item: OutputItem, callId: string, ranking: { score_threshold: number } | undefined): ToolCall | undefined {
  switch (item.type) {
    case 'function_call':
      return { id: item.call_id, type: 'function', function: { name: item.name, arguments: item.arguments, output: null } };
    case 'file_search_call':
      return {
        id: callId,
        type: 'file_search',
        file_search: {
          ranking_options: { ranker: 'default_2024_08_21', score_threshold: ranking?.score_threshold ?? 0 },
          results: (item.results ?? []).map((r) => ({ file_id: r.file_id, file_name: r.filename, score: r.score, content: [{ type: 'text' as const, text: r.text }] })),
        },
      };
    case 'code_interpreter_call':
      return {
        id: callId,
        type: 'code_interpreter',
        code_interpreter: {
          input: item.code ?? '',
          outputs: (item.outputs ?? []).flatMap((o): Array<{ type: 'logs'; logs: string } | { type: 'image'; image: { file_id: string } }> => {
            if (o.type === 'logs') return [{ type: 'logs', logs: o.logs }];
            // The successor gives the image's URL; the runs wire wants its file id, which the URL carries as a path segment.
            const fileId = /\/files\/([^/]+)\//.exec(o.url)?.[1];
            return fileId ? [{ type: 'image', image: { file_id: fileId } }] : [];
          }),
        },
      };
    default:
      return undefined;
  }
}

function isItemDone(item: OutputItem): boolean {
  return item.status === 'completed' || item.status === 'incomplete' || item.status === 'failed';
}

function finishMessage(view: RunView, message: Message, ctx: ApplyContext, status: 'completed' | 'incomplete', reason: NonNullable<Message['incomplete_details']>['reason'] | undefined, events: Events): void {
  if (message.status !== 'in_progress') return;
  message.status = status;
  if (status === 'completed') message.completed_at = ctx.now;
  else {
    message.incomplete_at = ctx.now;
    message.incomplete_details = { reason: reason ?? 'run_failed' };
  }
  view.dirtyMessages.add(message.id);
  events.push(status === 'completed' ? 'thread.message.completed' : 'thread.message.incomplete', message);
}

function endStep(view: RunView, step: RunStep, ctx: ApplyContext, status: 'completed' | 'failed' | 'cancelled' | 'expired', events: Events, extra: Partial<RunStep> = {}): void {
  if (step.status !== 'in_progress') return;
  step.status = status;
  if (status === 'completed') step.completed_at = ctx.now;
  if (status === 'failed') step.failed_at = ctx.now;
  if (status === 'cancelled') step.cancelled_at = ctx.now;
  if (status === 'expired') step.expired_at = ctx.now;
  Object.assign(step, extra);
  view.dirtySteps.add(step.id);
  events.push(`thread.run.step.${status}`, step);
}

/**
 * Brings the run, its steps and its messages up to `response`, the chain's head as it now stands, and returns
 * the runs events of every change (none when nothing changed, so applying the same state twice is harmless).
 */
export function applyResponse(view: RunView, response: ResponseObject, ctx: ApplyContext): StreamEvent[] {
  const events = new Events();
  const { run } = view;
  if (run.status !== 'queued' && run.status !== 'in_progress' && run.status !== 'cancelling') return [];
  view.usage[response.id] = response.usage;

  if (response.status !== 'queued' && run.status === 'queued' && !view.cancelRequested) {
    run.status = 'in_progress';
    run.started_at ??= ctx.now;
    events.push('thread.run.in_progress', run);
  }
  const ranking = scoreThreshold(run);
  for (const item of response.output) applyItem(view, item, ctx, ranking, response, events);

  const ended = response.status === 'completed' || response.status === 'failed' || response.status === 'incomplete' || response.status === 'cancelled';
  if (!ended) return events.list;
  run.started_at ??= ctx.now;
  const open = Object.values(view.steps).filter((s) => s.status === 'in_progress');
  const openMessages = Object.values(view.messages).filter((m) => m.status === 'in_progress');
  switch (response.status) {
    case 'completed': {
      const pending = pendingCalls(response);
      if (pending.length > 0 && !view.cancelRequested) {
        view.pendingCalls = pending;
        run.status = 'requires_action';
        run.required_action = {
          type: 'submit_tool_outputs',
          submit_tool_outputs: { tool_calls: pending.map((c) => ({ id: c.callId, type: 'function' as const, function: { name: c.name, arguments: c.arguments } })) },
        };
        events.push('thread.run.requires_action', run);
        return events.list;
      }
      if (pending.length > 0) return [...events.list, ...cancelRun(view, ctx)];
      for (const message of openMessages) finishMessage(view, message, ctx, 'completed', undefined, events);
      for (const step of open) endStep(view, step, ctx, 'completed', events, { usage: stepUsage(response.usage) });
      run.status = 'completed';
      run.completed_at = ctx.now;
      run.usage = chainUsage(Object.values(view.usage));
      run.expires_at = null;
      events.push('thread.run.completed', run);
      return events.list;
    }
    case 'incomplete':
      for (const message of openMessages) finishMessage(view, message, ctx, 'incomplete', 'max_tokens', events);
      for (const step of open) endStep(view, step, ctx, 'completed', events, { usage: stepUsage(response.usage) });
      run.status = 'incomplete';
      // content_filter has no runs value: the runs wire only knows token limits.
      run.incomplete_details = { reason: 'max_completion_tokens' };
      run.usage = chainUsage(Object.values(view.usage));
      run.expires_at = null;
      events.push('thread.run.incomplete', run);
      return events.list;
    case 'failed': {
      const error = lastError(response.error);
      for (const message of openMessages) finishMessage(view, message, ctx, 'incomplete', 'run_failed', events);
      for (const step of open) endStep(view, step, ctx, 'failed', events, { last_error: { code: error?.code === 'rate_limit_exceeded' ? 'rate_limit_exceeded' : 'server_error', message: error?.message ?? '' } });
      run.status = 'failed';
      run.failed_at = ctx.now;
      run.last_error = error;
      run.usage = chainUsage(Object.values(view.usage));
      run.expires_at = null;
      events.push('thread.run.failed', run);
      return events.list;
    }
    default:
      return [...events.list, ...cancelRun(view, ctx)];
  }
}

function applyItem(view: RunView, item: OutputItem, ctx: ApplyContext, ranking: { score_threshold: number } | undefined, response: ResponseObject, events: Events): void {
  const link = view.items[item.id];
  if (item.type === 'message') {
    let message = link?.messageId ? view.messages[link.messageId] : undefined;
    if (!link) {
      const messageId = ctx.newMessageId();
      const step = newStep(view, ctx, { type: 'message_creation', message_creation: { message_id: messageId } }, events);
      view.items[item.id] = { stepId: step.id, messageId };
      message = newAssistantMessage(view.run, { id: messageId, createdAt: ctx.now });
      view.messages[messageId] = message;
      view.dirtyMessages.add(messageId);
      events.push('thread.message.created', message);
      events.push('thread.message.in_progress', message);
    }
    if (message && message.status === 'in_progress') {
      const content = messageContent(item);
      if (JSON.stringify(content) !== JSON.stringify(message.content)) {
        message.content = content;
        view.dirtyMessages.add(message.id);
      }
      // A message item that completes ends its message; an incomplete one waits for the response to say why.
      if (item.status === 'completed') {
        finishMessage(view, message, ctx, 'completed', undefined, events);
        const step = view.steps[view.items[item.id]!.stepId];
        const last = response.status === 'completed' && response.output.at(-1)?.id === item.id;
        if (step && last) endStep(view, step, ctx, 'completed', events, { usage: stepUsage(response.usage) });
      }
    }
    return;
  }
  let current = link;
  if (!current) {
    const step = newStep(view, ctx, { type: 'tool_calls', tool_calls: [] }, events);
    current = { stepId: step.id, callId: item.type === 'function_call' ? item.call_id : ctx.newCallId() };
    view.items[item.id] = current;
    const call = toolCallOf(item, current.callId!, ranking);
    if (call && step.step_details.type === 'tool_calls') {
      step.step_details.tool_calls.push(call);
      // Without its results: they come as a delta when the call completes, as on the runs API.
      const announced = structuredClone(call) as Record<string, unknown>;
      if (call.type === 'file_search') announced['file_search'] = { ranking_options: call.file_search.ranking_options, results: [] };
      if (call.type === 'code_interpreter') announced['code_interpreter'] = { input: call.code_interpreter.input, outputs: [] };
      events.push('thread.run.step.delta', stepDelta(step.id, announced));
    }
  }
  const step = view.steps[current.stepId];
  if (!step || step.step_details.type !== 'tool_calls' || step.status !== 'in_progress') return;
  const call = toolCallOf(item, current.callId!, ranking);
  if (!call) return;
  const before = JSON.stringify(step.step_details.tool_calls[0]);
  if (call.type === 'function') {
    // The output is the runs wire's, written when the outputs are submitted.
    const previous = step.step_details.tool_calls[0];
    if (previous?.type === 'function') call.function.output = previous.function.output;
  }
  step.step_details.tool_calls[0] = call;
  if (JSON.stringify(call) !== before) view.dirtySteps.add(step.id);
  if (item.type === 'function_call' || !isItemDone(item)) return;
  if (call.type === 'file_search') events.push('thread.run.step.delta', stepDelta(step.id, { type: 'file_search', file_search: { results: call.file_search.results } }));
  if (call.type === 'code_interpreter') {
    events.push('thread.run.step.delta', stepDelta(step.id, { type: 'code_interpreter', code_interpreter: { outputs: call.code_interpreter.outputs.map((o, index) => ({ index, ...o })) } }));
  }
  endStep(view, step, ctx, item.status === 'completed' ? 'completed' : 'failed', events, item.status === 'completed' ? {} : { last_error: { code: 'server_error', message: 'The tool call did not complete.' } });
}

function scoreThreshold(run: Run): { score_threshold: number } | undefined {
  for (const tool of run.tools) {
    if (tool.type === 'file_search' && tool.file_search?.ranking_options?.score_threshold !== undefined) return { score_threshold: tool.file_search.ranking_options.score_threshold };
  }
  return undefined;
}

/** The run ends cancelled: what was in progress with it. */
export function cancelRun(view: RunView, ctx: ApplyContext): StreamEvent[] {
  const events = new Events();
  const { run } = view;
  for (const message of Object.values(view.messages)) finishMessage(view, message, ctx, 'incomplete', 'run_cancelled', events);
  for (const step of Object.values(view.steps)) endStep(view, step, ctx, 'cancelled', events);
  run.status = 'cancelled';
  run.cancelled_at = ctx.now;
  run.required_action = null;
  run.expires_at = null;
  run.usage = chainUsage(Object.values(view.usage));
  view.pendingCalls = [];
  events.push('thread.run.cancelled', run);
  return events.list;
}

/** Tool outputs did not come in time: the waiting step and the run expire. */
export function expireRun(view: RunView, ctx: ApplyContext): StreamEvent[] {
  const events = new Events();
  const { run } = view;
  for (const step of Object.values(view.steps)) endStep(view, step, ctx, 'expired', events);
  run.status = 'expired';
  run.required_action = null;
  run.expires_at = Math.min(run.expires_at ?? ctx.now, ctx.now);
  view.pendingCalls = [];
  events.push('thread.run.expired', run);
  return events.list;
}

/** The outputs arrived: the waiting function steps complete with them and the run moves on. */
export function acceptToolOutputs(view: RunView, outputs: Array<{ tool_call_id?: string; output?: string }>, ctx: ApplyContext): StreamEvent[] {
  const events = new Events();
  for (const step of Object.values(view.steps)) {
    if (step.status !== 'in_progress' || step.step_details.type !== 'tool_calls') continue;
    for (const call of step.step_details.tool_calls) {
      if (call.type === 'function') call.function.output = outputs.find((o) => o.tool_call_id === call.id)?.output ?? '';
    }
    endStep(view, step, ctx, 'completed', events);
  }
  view.pendingCalls = [];
  view.run.status = 'in_progress';
  view.run.required_action = null;
  events.push('thread.run.in_progress', view.run);
  return events.list;
}

/** Items a conversation holds that are client messages (for reading a conversation the engine did not write). */
export function isMessageItem(item: Item): item is MessageItem {
  return item.type === 'message';
}
