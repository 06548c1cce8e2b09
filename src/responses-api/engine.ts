import { promptText, respond, splitText, usage as modelUsage, SIMULATE_VALUES, type BuiltinCall, type CompletedCall, type ModelResponse, type ModelTool, type ReplyPart, type SimulateRule, type ToolChoice, type Turn, type TurnMessage, type Usage } from '../model/index.js';
import { newCallId, newContainerId, newHexId, nowSeconds } from './ids.js';
import { messageText } from './items.js';
import type { StoredResponse } from './store.js';
import type { Annotation, CodeInterpreterCallItem, FileSearchCallItem, FunctionCallItem, Item, MessageItem, OutputContent, OutputItem, ResponseObject, ResponseTool, ResponseToolChoice, ResponseUsage } from './types.js';
import type { WebhookEventType } from './webhooks.js';

/**
 * Moves responses through their lifecycle in time, one phase per `stepMs`, as the runs simulator
 * moves runs: the same simulated model (src/model) decides what happens, so a run and the chain of
 * responses that stands for it tell the same story. Every change is made in one synchronous block
 * together with its events, so a reader never sees a state its stream has not been told about.
 */

export interface EngineOptions {
  stepMs: number;
  /** A background response ended (webhooks). */
  onBackgroundEnd?: (type: WebhookEventType, response: ResponseObject) => void;
  /** Any response ended: its output goes into its conversation. */
  onEnd?: (stored: StoredResponse) => void;
}

type Phase =
  | { kind: 'start' }
  | { kind: 'tool_begin'; call: BuiltinCall }
  | { kind: 'tool_end' }
  | { kind: 'function' }
  | { kind: 'message_begin' }
  | { kind: 'message_end' };

interface Live {
  stored: StoredResponse;
  turn: Turn;
  model: ModelResponse;
  phases: Phase[];
  timer: NodeJS.Timeout | undefined;
  /** The item the current phase works on. */
  current: OutputItem | undefined;
  ended: Promise<void>;
  resolveEnded: () => void;
}

/** What a turn continues from: the built-in calls made before the function call it answers. */
export interface Continuation {
  builtinCalls: BuiltinCall[];
  answers: Array<{ name: string; output: string }>;
}

export class Engine {
  private readonly live = new Map<string, Live>();
  /** call_id → the built-in calls of the response that made it, so the reply after its output can mention them. */
  private readonly builtinsByCall = new Map<string, BuiltinCall[]>();

  constructor(private readonly options: EngineOptions) {}

  /** The built-in calls made before the function call `callId`, if this server made it. */
  builtinCallsBefore(callId: string): BuiltinCall[] {
    return this.builtinsByCall.get(callId) ?? [];
  }

  /** Starts a created response: its first events now, the rest one phase per step. Resolves when it ends. */
  start(stored: StoredResponse, turn: Turn): Promise<void> {
    const model = respond(turn);
    let resolveEnded!: () => void;
    const ended = new Promise<void>((resolve) => (resolveEnded = resolve));
    const live: Live = { stored, turn, model, phases: plan(model, stored.response.background), timer: undefined, current: undefined, ended, resolveEnded };
    this.live.set(stored.response.id, live);
    const { response } = stored;
    this.emit(live, { type: 'response.created', response });
    if (response.status === 'queued') this.emit(live, { type: 'response.queued', response });
    else this.emit(live, { type: 'response.in_progress', response });
    this.schedule(live);
    return ended;
  }

  /** Resolves when the response ends (at once when it is not running). */
  whenEnded(id: string): Promise<void> {
    return this.live.get(id)?.ended ?? Promise.resolve();
  }

  isRunning(id: string): boolean {
    return this.live.has(id);
  }

  /** Stops a running response as cancelled: unfinished items end incomplete; streams end (the spec has no cancelled event). */
  cancel(id: string): void {
    const live = this.live.get(id);
    if (!live) return;
    const { response } = live.stored;
    for (const item of response.output) if (item.status === 'in_progress' || item.status === 'searching' || item.status === 'interpreting') item.status = 'incomplete';
    response.status = 'cancelled';
    this.finish(live, 'response.cancelled');
  }

  /** Stops simulating a deleted response; its open streams get an `error` event, so they do not read the cut as an ending. */
  forget(id: string): void {
    const live = this.live.get(id);
    if (!live) return;
    this.emit(live, { type: 'error', code: 'response_deleted', message: `The response ${id} was deleted before it finished.`, param: null });
    this.stop(live);
  }

  /** The server is stopping: open streams get an `error` event and end. */
  close(): void {
    for (const live of [...this.live.values()]) {
      this.emit(live, { type: 'error', code: 'server_shutting_down', message: 'The server is shutting down; the response did not finish.', param: null });
      this.stop(live);
    }
  }

  private stop(live: Live): void {
    if (live.timer) clearTimeout(live.timer);
    live.timer = undefined;
    this.live.delete(live.stored.response.id);
    live.stored.log.end();
    live.resolveEnded();
  }

  private schedule(live: Live): void {
    if (live.phases.length === 0) return;
    live.timer = setTimeout(() => {
      live.timer = undefined;
      if (this.live.get(live.stored.response.id) !== live) return;
      const phase = live.phases.shift();
      if (phase) this.apply(live, phase);
      if (this.live.get(live.stored.response.id) === live) this.schedule(live);
    }, this.options.stepMs);
    live.timer.unref();
  }

  private apply(live: Live, phase: Phase): void {
    const { response } = live.stored;
    switch (phase.kind) {
      case 'start':
        response.status = 'in_progress';
        this.emit(live, { type: 'response.in_progress', response });
        return;
      case 'tool_begin':
        this.beginTool(live, phase.call);
        return;
      case 'tool_end':
        this.endTool(live);
        return;
      case 'function':
        this.callFunction(live);
        return;
      case 'message_begin':
        this.beginMessage(live);
        return;
      case 'message_end':
        this.endMessage(live);
        return;
    }
  }

  private addItem(live: Live, item: OutputItem): number {
    const { output } = live.stored.response;
    output.push(item);
    live.current = item;
    const outputIndex = output.length - 1;
    this.emit(live, { type: 'response.output_item.added', output_index: outputIndex, item });
    return outputIndex;
  }

  private doneItem(live: Live, item: OutputItem): void {
    this.emit(live, { type: 'response.output_item.done', output_index: live.stored.response.output.indexOf(item), item });
    live.current = undefined;
  }

  private beginTool(live: Live, call: BuiltinCall): void {
    if (call.type === 'code_interpreter') {
      const tool = live.stored.response.tools.find((t) => t.type === 'code_interpreter');
      const containerId = tool?.type === 'code_interpreter' && typeof tool.container === 'string' ? tool.container : newContainerId();
      containers.set(call, containerId);
      const item: CodeInterpreterCallItem = { type: 'code_interpreter_call', id: newHexId('ci'), status: 'in_progress', container_id: containerId, code: '', outputs: null };
      const outputIndex = this.addItem(live, item);
      this.emit(live, { type: 'response.code_interpreter_call.in_progress', output_index: outputIndex, item_id: item.id });
      for (const chunk of splitText(call.input)) {
        item.code += chunk;
        this.emit(live, { type: 'response.code_interpreter_call_code.delta', output_index: outputIndex, item_id: item.id, delta: chunk });
      }
      this.emit(live, { type: 'response.code_interpreter_call_code.done', output_index: outputIndex, item_id: item.id, code: call.input });
      item.status = 'interpreting';
      this.emit(live, { type: 'response.code_interpreter_call.interpreting', output_index: outputIndex, item_id: item.id });
    } else {
      const item: FileSearchCallItem = { type: 'file_search_call', id: newHexId('fs'), status: 'in_progress', queries: [lastUserText(live.turn)], results: null };
      const outputIndex = this.addItem(live, item);
      this.emit(live, { type: 'response.file_search_call.in_progress', output_index: outputIndex, item_id: item.id });
      item.status = 'searching';
      this.emit(live, { type: 'response.file_search_call.searching', output_index: outputIndex, item_id: item.id });
    }
    liveCalls.set(live.current as OutputItem, call);
  }

  private endTool(live: Live): void {
    const item = live.current;
    const call = item ? liveCalls.get(item) : undefined;
    if (!item || !call) return;
    const outputIndex = live.stored.response.output.indexOf(item);
    if (item.type === 'code_interpreter_call' && call.type === 'code_interpreter') {
      item.outputs = [
        { type: 'logs', logs: call.logs },
        { type: 'image', url: `https://files.invalid/containers/${item.container_id}/files/${call.imageFileId}/chart.png` },
      ];
      item.status = 'completed';
      this.emit(live, { type: 'response.code_interpreter_call.completed', output_index: outputIndex, item_id: item.id });
    } else if (item.type === 'file_search_call' && call.type === 'file_search') {
      item.results = call.results.map((result) => ({ file_id: result.fileId, filename: result.fileName, score: result.score, text: result.text, attributes: {} }));
      item.status = 'completed';
      this.emit(live, { type: 'response.file_search_call.completed', output_index: outputIndex, item_id: item.id });
    }
    this.doneItem(live, item);
  }

  private callFunction(live: Live): void {
    const { model } = live;
    if (model.kind !== 'function_call') return;
    const { name, arguments: args } = model.functionCall;
    const item: FunctionCallItem = { type: 'function_call', id: newHexId('fc'), call_id: newCallId(), name, arguments: '', status: 'in_progress' };
    const outputIndex = this.addItem(live, item);
    for (const chunk of splitArguments(args)) {
      item.arguments += chunk;
      this.emit(live, { type: 'response.function_call_arguments.delta', item_id: item.id, output_index: outputIndex, delta: chunk });
    }
    this.emit(live, { type: 'response.function_call_arguments.done', item_id: item.id, name, output_index: outputIndex, arguments: args });
    item.status = 'completed';
    this.doneItem(live, item);
    this.builtinsByCall.set(item.call_id, model.builtinCalls);
    // No requires_action on this wire: the response is complete, and the client answers with a new one.
    const { response } = live.stored;
    response.status = 'completed';
    response.completed_at = nowSeconds();
    response.usage = responseUsage(modelUsage(promptText(live.turn), args));
    this.finish(live, 'response.completed');
  }

  private beginMessage(live: Live): void {
    const { model } = live;
    const item: MessageItem = { type: 'message', id: newHexId('msg'), status: 'in_progress', role: 'assistant', content: [] };
    const outputIndex = this.addItem(live, item);
    if (model.kind !== 'reply') return;
    // The text streams now and the message completes a phase later, as a model's reply does.
    for (const part of toOutputContent(model.content, model.builtinCalls.concat(completedBuiltins(live.turn)))) {
      const contentIndex = item.content.length;
      if (part.type === 'refusal') {
        const streamed: OutputContent = { type: 'refusal', refusal: '' };
        item.content.push(streamed);
        this.emit(live, { type: 'response.content_part.added', item_id: item.id, output_index: outputIndex, content_index: contentIndex, part: streamed });
        for (const chunk of splitText(part.refusal)) {
          streamed.refusal += chunk;
          this.emit(live, { type: 'response.refusal.delta', item_id: item.id, output_index: outputIndex, content_index: contentIndex, delta: chunk });
        }
        continue;
      }
      const streamed: Extract<OutputContent, { type: 'output_text' }> = { type: 'output_text', text: '', annotations: [], logprobs: [] };
      item.content.push(streamed);
      this.emit(live, { type: 'response.content_part.added', item_id: item.id, output_index: outputIndex, content_index: contentIndex, part: streamed });
      for (const chunk of splitText(part.text)) {
        streamed.text += chunk;
        this.emit(live, { type: 'response.output_text.delta', item_id: item.id, output_index: outputIndex, content_index: contentIndex, delta: chunk, logprobs: [] });
      }
      part.annotations.forEach((annotation, annotationIndex) => {
        streamed.annotations.push(annotation);
        this.emit(live, { type: 'response.output_text.annotation.added', item_id: item.id, output_index: outputIndex, content_index: contentIndex, annotation_index: annotationIndex, annotation });
      });
    }
  }

  private endMessage(live: Live): void {
    const { model } = live;
    const { response } = live.stored;
    const item = live.current?.type === 'message' ? live.current : undefined;
    if (model.kind !== 'reply') return;
    const ending = model.ending;
    const complete = ending.kind === 'completed';
    if (item) {
      const outputIndex = response.output.indexOf(item);
      item.content.forEach((part, contentIndex) => {
        if (part.type === 'output_text') {
          this.emit(live, { type: 'response.output_text.done', item_id: item.id, output_index: outputIndex, content_index: contentIndex, text: part.text, logprobs: [] });
        } else if (part.type === 'refusal') {
          this.emit(live, { type: 'response.refusal.done', item_id: item.id, output_index: outputIndex, content_index: contentIndex, refusal: part.refusal });
        }
        this.emit(live, { type: 'response.content_part.done', item_id: item.id, output_index: outputIndex, content_index: contentIndex, part });
      });
      item.status = complete ? 'completed' : 'incomplete';
      this.doneItem(live, item);
    }
    response.usage = model.usage ? responseUsage(model.usage) : null;
    switch (ending.kind) {
      case 'completed':
        response.status = 'completed';
        response.completed_at = nowSeconds();
        this.finish(live, 'response.completed');
        return;
      case 'incomplete':
        response.status = 'incomplete';
        response.incomplete_details = { reason: 'max_output_tokens' };
        this.finish(live, 'response.incomplete');
        return;
      case 'failed':
        response.status = 'failed';
        response.error = { code: ending.code, message: ending.message };
        this.finish(live, 'response.failed');
        return;
      case 'expired':
        // This wire has no expiry: the response fails, and says why.
        response.status = 'failed';
        response.error = { code: 'server_error', message: EXPIRED_MESSAGE };
        this.finish(live, 'response.failed');
        return;
    }
  }

  private finish(live: Live, event: 'response.completed' | 'response.incomplete' | 'response.failed' | 'response.cancelled'): void {
    const { response } = live.stored;
    // The stream's last event; a cancelled response has none (the spec defines no response.cancelled event).
    if (event !== 'response.cancelled') this.emit(live, { type: event, response });
    this.stop(live);
    this.options.onEnd?.(live.stored);
    if (response.background) this.options.onBackgroundEnd?.(event, response);
  }

  private emit(live: Live, event: { type: string; [field: string]: unknown }): void {
    live.stored.log.append(event);
  }
}

export const EXPIRED_MESSAGE = 'The response expired before it finished.';

/** The built-in tool call behind each item in progress (not on the wire). */
const liveCalls = new WeakMap<OutputItem, BuiltinCall>();
/** The container each code interpreter call ran in, so a later reply cites the chart where it is. */
const containers = new WeakMap<BuiltinCall, string>();

/** The phases of a response, one step apart: as a run's (start, each built-in tool, then a function call or a reply). */
function plan(model: ModelResponse, background: boolean): Phase[] {
  const phases: Phase[] = background ? [{ kind: 'start' }] : [];
  for (const call of model.builtinCalls) phases.push({ kind: 'tool_begin', call }, { kind: 'tool_end' });
  if (model.kind === 'function_call') phases.push({ kind: 'function' });
  else phases.push({ kind: 'message_begin' }, { kind: 'message_end' });
  return phases;
}

/** Built-in calls the turn carries over from the response whose function call it answers. */
function completedBuiltins(turn: Turn): BuiltinCall[] {
  return turn.completedCalls.filter((call): call is BuiltinCall => call.type !== 'function');
}

function lastUserText(turn: Turn): string {
  return turn.messages.filter((m) => m.role === 'user').at(-1)?.text ?? '';
}

/** Arguments arrive in two or so deltas, as a model streams them. */
function splitArguments(args: string): string[] {
  if (args.length < 8) return [args];
  const middle = Math.ceil(args.length / 2);
  return [args.slice(0, middle), args.slice(middle)];
}

/**
 * The model's reply parts in this wire's words: text parts become `output_text` with citations
 * (`file_citation` with the file's name and the index it is cited at; the chart the code made is a
 * `container_file_citation`); an image part has no place in a message here, the chart is in the
 * code interpreter call's outputs.
 */
type ReplyContent = { type: 'output_text'; text: string; annotations: Annotation[] } | { type: 'refusal'; refusal: string };

function toOutputContent(parts: ReplyPart[], calls: BuiltinCall[]): ReplyContent[] {
  const codeCall = calls.find((call) => call.type === 'code_interpreter');
  const container = (codeCall && containers.get(codeCall)) ?? newContainerId();
  const fileNames = new Map(calls.flatMap((call) => (call.type === 'file_search' ? call.results.map((r) => [r.fileId, r.fileName] as const) : [])));
  return parts.flatMap((part): ReplyContent[] => {
    if (part.type === 'image') return [];
    if (part.type === 'refusal') return [{ type: 'refusal', refusal: part.refusal }];
    const annotations: Annotation[] = part.annotations.map((annotation) =>
      annotation.type === 'file_citation'
        ? { type: 'file_citation', file_id: annotation.fileId, index: annotation.start, filename: fileNames.get(annotation.fileId) ?? 'file' }
        : { type: 'container_file_citation', container_id: container, file_id: annotation.fileId, start_index: annotation.start, end_index: annotation.end, filename: 'chart.png' },
    );
    return [{ type: 'output_text', text: part.text, annotations }];
  });
}

function responseUsage(usage: Usage): ResponseUsage {
  return {
    input_tokens: usage.prompt_tokens,
    input_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
    output_tokens: usage.completion_tokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: usage.total_tokens,
  };
}

/** The model's view of a response's request: its tools and tool choice in the model's words. */
export function modelTools(tools: ResponseTool[]): ModelTool[] {
  return tools.map((tool): ModelTool => {
    if (tool.type === 'function') return { type: 'function', name: tool.name, parameters: tool.parameters ?? undefined };
    if (tool.type === 'file_search') return { type: 'file_search', scoreThreshold: tool.ranking_options?.score_threshold };
    return { type: 'code_interpreter' };
  });
}

export function modelToolChoice(choice: ResponseToolChoice): ToolChoice {
  if (typeof choice === 'string') return choice;
  if (choice.type === 'function') return { type: 'function', name: typeof choice['name'] === 'string' ? choice['name'] : undefined };
  if (choice.type === 'file_search' || choice.type === 'code_interpreter') return { type: choice.type };
  return 'auto';
}

export function simulateRule(metadata: Record<string, string>): SimulateRule | undefined {
  const value = metadata['simulate'];
  return (SIMULATE_VALUES as readonly string[]).includes(value ?? '') ? (value as SimulateRule) : undefined;
}

/** The messages the model reads: user and assistant messages of the context and the input, oldest first. */
export function modelMessages(items: readonly Item[]): TurnMessage[] {
  return items.flatMap((item): TurnMessage[] => {
    if (item.type !== 'message' || (item.role !== 'user' && item.role !== 'assistant')) return [];
    return [{ role: item.role, text: messageText(item), parts: item.content.length }];
  });
}

export function completedCalls(continuation: Continuation): CompletedCall[] {
  return [...continuation.builtinCalls, ...continuation.answers.map(({ name, output }) => ({ type: 'function' as const, name, output }))];
}
