import { badRequest } from './errors.js';
import { newFileId, newId, nowSeconds } from './ids.js';
import type { Store } from './store.js';
import type { Message, MessageContent, Run, RunStep, StreamEvent, SubmitToolOutputsRequest, Tool, ToolCall } from './types.js';

export type RunListener = (event: StreamEvent) => void;

export interface SimulatorOptions {
  stepMs: number;
  requiresActionTimeoutMs: number;
}

/** What `metadata.simulate` on a run (or its create request) forces. */
export const SIMULATE_VALUES = ['fail', 'incomplete', 'expire', 'refusal'] as const;

type BuiltinTool = 'code_interpreter' | 'file_search';
type Phase =
  | { kind: 'start' }
  | { kind: 'tool_begin'; tool: BuiltinTool }
  | { kind: 'tool_end' }
  | { kind: 'function'; tool: Extract<Tool, { type: 'function' }> }
  | { kind: 'message_begin' }
  | { kind: 'message_end' }
  | { kind: 'expire' }
  | { kind: 'cancel_end' };

/** Per live run: what is left to do and who is watching. Dropped when the run ends. */
interface Live {
  run: Run;
  phases: Phase[];
  timer: NodeJS.Timeout | undefined;
  expiryTimer: NodeJS.Timeout | undefined;
  /** Bumped whenever the plan changes, so a timer armed for an older plan does nothing. */
  generation: number;
  listeners: Set<RunListener>;
  step: RunStep | undefined;
  message: Message | undefined;
  /** The reply, streamed when the message begins and stored when it ends (a phase later). */
  reply: MessageContent[] | undefined;
  /** Facts the final reply mentions. */
  facts: { imageFileId?: string; citedFileId?: string; toolOutputs: Array<{ name: string; output: string }> };
}

const FAILURE_MESSAGE = 'Sorry, something went wrong.';

/**
 * Moves runs through their lifecycle, one phase per `stepMs`. It is the only writer of a run
 * after creation (handlers call in here for submit and cancel), and every change is made in
 * one synchronous block, so readers never see a half-applied phase.
 */
export class Simulator {
  private readonly live = new Map<string, Live>();

  constructor(
    private readonly store: Store,
    private readonly options: SimulatorOptions,
  ) {}

  /** Seconds a live run is promised before it expires; shown as `expires_at`. */
  get expirySeconds(): number {
    return Math.max(1, Math.ceil(this.options.requiresActionTimeoutMs / 1000));
  }

  start(run: Run, listener?: RunListener): void {
    const live = this.track(run);
    if (listener) live.listeners.add(listener);
    live.phases = plan(run);
    this.emit(live, 'thread.run.created', run);
    this.emit(live, 'thread.run.queued', run);
    this.schedule(live);
  }

  /** Takes over a run stored in requires_action (demo data), so it can be answered or expire. */
  adopt(run: Run): void {
    if (run.status !== 'requires_action') return;
    const live = this.track(run);
    live.step = this.store.stepsOf(run.id).find((step) => step.status === 'in_progress');
    this.armExpiry(live);
  }

  unsubscribe(runId: string, listener: RunListener): void {
    this.live.get(runId)?.listeners.delete(listener);
  }

  /** Every check of submit tool outputs, before anything changes (a stream may only open after it passes). */
  checkToolOutputs(run: Run, request: SubmitToolOutputsRequest): void {
    if (run.status !== 'requires_action' || !run.required_action) {
      throw badRequest(`Runs in status "${run.status}" do not accept tool outputs.`, null, null);
    }
    const pending = run.required_action.submit_tool_outputs.tool_calls;
    const given = request.tool_outputs.map((output, index) => {
      if (typeof output.tool_call_id !== 'string') {
        throw badRequest(`Missing required parameter: 'tool_outputs[${index}].tool_call_id'.`, `tool_outputs[${index}].tool_call_id`, 'missing_required_parameter');
      }
      return output.tool_call_id;
    });
    const pendingIds = pending.map((call) => call.id);
    const unknown = given.filter((id) => !pendingIds.includes(id));
    const missing = pendingIds.filter((id) => !given.includes(id));
    const duplicate = given.filter((id, index) => given.indexOf(id) !== index);
    if (unknown.length > 0 || missing.length > 0 || duplicate.length > 0) {
      const problems = [
        missing.length > 0 ? `missing outputs for ${missing.map((id) => `'${id}'`).join(', ')}` : '',
        unknown.length > 0 ? `no pending tool call ${unknown.map((id) => `'${id}'`).join(', ')}` : '',
        duplicate.length > 0 ? `more than one output for ${[...new Set(duplicate)].map((id) => `'${id}'`).join(', ')}` : '',
      ].filter(Boolean);
      throw badRequest(
        `Invalid 'tool_outputs': expected exactly one output for each pending tool call [${pendingIds.join(', ')}] in one request; ${problems.join('; ')}.`,
        'tool_outputs',
        'invalid_value',
      );
    }

  }

  submitToolOutputs(run: Run, request: SubmitToolOutputsRequest, listener?: RunListener): void {
    this.checkToolOutputs(run, request);
    const live = this.track(run);
    if (listener) live.listeners.add(listener);
    this.clearTimers(live);
    const now = nowSeconds();
    const step = live.step ?? this.store.stepsOf(run.id).find((s) => s.status === 'in_progress');
    if (step && step.step_details.type === 'tool_calls') {
      for (const call of step.step_details.tool_calls) {
        if (call.type !== 'function') continue;
        const output = request.tool_outputs.find((o) => o.tool_call_id === call.id)?.output ?? '';
        call.function.output = output;
        live.facts.toolOutputs.push({ name: call.function.name, output });
      }
      step.status = 'completed';
      step.completed_at = now;
      step.usage = usage(step.step_details.tool_calls.map((c) => JSON.stringify(c)).join(''), '');
      this.emit(live, 'thread.run.step.completed', step);
    }
    live.step = undefined;
    run.status = 'in_progress';
    run.required_action = null;
    this.emit(live, 'thread.run.in_progress', run);
    live.phases = run.metadata?.['simulate'] === 'expire' ? [{ kind: 'message_begin' }, { kind: 'expire' }] : [{ kind: 'message_begin' }, { kind: 'message_end' }];
    this.schedule(live);
  }

  cancel(run: Run): void {
    if (!['queued', 'in_progress', 'requires_action'].includes(run.status)) {
      throw badRequest(`Cannot cancel run with status '${run.status}'.`, null, null);
    }
    const live = this.track(run);
    // Whatever was in progress (also a function step waiting for outputs) is cancelled at the end.
    live.step ??= this.store.stepsOf(run.id).find((step) => step.status === 'in_progress');
    this.clearTimers(live);
    run.status = 'cancelling';
    this.emit(live, 'thread.run.cancelling', run);
    live.phases = [{ kind: 'cancel_end' }];
    this.schedule(live);
  }

  /** Stops simulating runs whose thread was deleted. */
  forget(runIds: string[]): void {
    for (const id of runIds) {
      const live = this.live.get(id);
      if (!live) continue;
      this.clearTimers(live);
      live.listeners.clear();
      this.live.delete(id);
    }
  }

  close(): void {
    this.forget([...this.live.keys()]);
  }

  private track(run: Run): Live {
    let live = this.live.get(run.id);
    if (!live) {
      live = { run, phases: [], timer: undefined, expiryTimer: undefined, generation: 0, listeners: new Set(), step: undefined, message: undefined, reply: undefined, facts: { toolOutputs: [] } };
      this.live.set(run.id, live);
    }
    return live;
  }

  private clearTimers(live: Live): void {
    live.generation += 1;
    if (live.timer) clearTimeout(live.timer);
    if (live.expiryTimer) clearTimeout(live.expiryTimer);
    live.timer = undefined;
    live.expiryTimer = undefined;
  }

  private schedule(live: Live): void {
    if (live.timer) clearTimeout(live.timer);
    live.timer = undefined;
    if (live.phases.length === 0) return;
    const generation = live.generation;
    live.timer = setTimeout(() => {
      live.timer = undefined;
      if (generation !== live.generation || this.live.get(live.run.id) !== live) return;
      const phase = live.phases.shift();
      if (phase) this.apply(live, phase);
      if (this.live.get(live.run.id) === live) this.schedule(live);
    }, this.options.stepMs);
    live.timer.unref();
  }

  private armExpiry(live: Live): void {
    const generation = live.generation;
    live.expiryTimer = setTimeout(() => {
      live.expiryTimer = undefined;
      if (generation !== live.generation || live.run.status !== 'requires_action') return;
      this.expire(live);
    }, this.options.requiresActionTimeoutMs);
    live.expiryTimer.unref();
  }

  private apply(live: Live, phase: Phase): void {
    const { run } = live;
    // A phase only applies to the status it was planned for; anything else means the plan is stale.
    const expected = phase.kind === 'start' ? 'queued' : phase.kind === 'cancel_end' ? 'cancelling' : 'in_progress';
    if (run.status !== expected) return;
    const now = nowSeconds();
    switch (phase.kind) {
      case 'start':
        run.status = 'in_progress';
        run.started_at = now;
        this.emit(live, 'thread.run.in_progress', run);
        return;
      case 'tool_begin':
        this.beginTool(live, phase.tool);
        return;
      case 'tool_end':
        this.endTool(live);
        return;
      case 'function':
        this.callFunction(live, phase.tool);
        return;
      case 'message_begin':
        this.beginMessage(live);
        return;
      case 'message_end':
        this.endMessage(live);
        return;
      case 'expire':
        this.expire(live);
        return;
      case 'cancel_end':
        this.finishCancel(live);
        return;
    }
  }

  private newStep(live: Live, details: RunStep['step_details']): RunStep {
    const { run } = live;
    const step: RunStep = {
      id: newId('step'),
      object: 'thread.run.step',
      created_at: nowSeconds(),
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
    this.store.addStep(step);
    live.step = step;
    this.emit(live, 'thread.run.step.created', step);
    this.emit(live, 'thread.run.step.in_progress', step);
    return step;
  }

  /** Tool calls are added after `step.created`, as deltas, which is how the SDK's stream helper accumulates them. */
  private addToolCall(live: Live, step: RunStep, call: ToolCall): void {
    if (step.step_details.type !== 'tool_calls') return;
    step.step_details.tool_calls.push(call);
    this.emit(live, 'thread.run.step.delta', stepDelta(step.id, { index: 0, ...call }));
  }

  private beginTool(live: Live, tool: BuiltinTool): void {
    const step = this.newStep(live, { type: 'tool_calls', tool_calls: [] });
    if (tool === 'code_interpreter') {
      this.addToolCall(live, step, {
        id: newId('call'),
        type: 'code_interpreter',
        code_interpreter: { input: CODE_INPUT, outputs: [] },
      });
    } else {
      const fileSearch = live.run.tools.find((t) => t.type === 'file_search');
      const threshold = fileSearch?.type === 'file_search' ? (fileSearch.file_search?.ranking_options?.score_threshold ?? 0) : 0;
      this.addToolCall(live, step, {
        id: newId('call'),
        type: 'file_search',
        file_search: { ranking_options: { ranker: 'default_2024_08_21', score_threshold: threshold }, results: [] },
      });
    }
  }

  private endTool(live: Live): void {
    const step = live.step;
    if (!step || step.step_details.type !== 'tool_calls') return;
    const call = step.step_details.tool_calls[0];
    if (call?.type === 'code_interpreter') {
      const fileId = newFileId();
      live.facts.imageFileId = fileId;
      const outputs = [
        { type: 'logs' as const, logs: CODE_LOGS },
        { type: 'image' as const, image: { file_id: fileId } },
      ];
      call.code_interpreter.outputs = outputs;
      this.emit(live, 'thread.run.step.delta', stepDelta(step.id, { index: 0, type: 'code_interpreter', code_interpreter: { outputs: outputs.map((o, index) => ({ index, ...o })) } }));
    } else if (call?.type === 'file_search') {
      const fileId = newFileId();
      live.facts.citedFileId = fileId;
      const results = [
        { file_id: fileId, file_name: 'demo-notes.md', score: 0.92, content: [{ type: 'text' as const, text: SEARCH_SNIPPET }] },
        { file_id: newFileId(), file_name: 'faq.md', score: 0.61, content: [{ type: 'text' as const, text: 'Runs move through queued, in_progress and completed.' }] },
      ];
      call.file_search.results = results;
      this.emit(live, 'thread.run.step.delta', stepDelta(step.id, { index: 0, type: 'file_search', file_search: { results } }));
    }
    this.completeStep(live, step, JSON.stringify(step.step_details));
    live.step = undefined;
  }

  private callFunction(live: Live, tool: Extract<Tool, { type: 'function' }>): void {
    const { run } = live;
    const step = this.newStep(live, { type: 'tool_calls', tool_calls: [] });
    const call = { id: newId('call'), type: 'function' as const, function: { name: tool.function.name, arguments: argumentsFor(tool, lastUserText(this.store, run.thread_id)), output: null } };
    this.addToolCall(live, step, call);
    run.status = 'requires_action';
    run.required_action = { type: 'submit_tool_outputs', submit_tool_outputs: { tool_calls: [{ id: call.id, type: 'function', function: { name: call.function.name, arguments: call.function.arguments } }] } };
    this.emit(live, 'thread.run.requires_action', run);
    this.armExpiry(live);
  }

  private beginMessage(live: Live): void {
    const { run } = live;
    const message: Message = {
      id: newId('msg'),
      object: 'thread.message',
      created_at: nowSeconds(),
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
    this.newStep(live, { type: 'message_creation', message_creation: { message_id: message.id } });
    this.store.addMessage(message);
    live.message = message;
    this.emit(live, 'thread.message.created', message);
    this.emit(live, 'thread.message.in_progress', message);
    // The text streams now and the message completes a phase later, as a model's reply does.
    live.reply = this.plannedReply(live);
    if (live.reply) this.streamContent(live, message, live.reply);
  }

  /** What the assistant will say: nothing for a run that fails or expires, half for an incomplete one. */
  private plannedReply(live: Live): MessageContent[] | undefined {
    const simulate = live.run.metadata?.['simulate'];
    if (simulate === 'fail' || simulate === 'expire') return undefined;
    if (simulate === 'refusal') return refusalContent();
    const content = replyContent(live, lastUserText(this.store, live.run.thread_id));
    return simulate === 'incomplete' ? truncateContent(content) : content;
  }

  private endMessage(live: Live): void {
    const { run, message, step } = live;
    const now = nowSeconds();
    const simulate = run.metadata?.['simulate'];
    const prompt = promptText(this.store, run);

    if (simulate === 'fail') {
      if (message) this.finishMessageIncomplete(live, message, 'run_failed');
      const lastError = { code: 'server_error' as const, message: FAILURE_MESSAGE };
      if (step) {
        step.status = 'failed';
        step.failed_at = now;
        step.last_error = lastError;
        this.emit(live, 'thread.run.step.failed', step);
      }
      run.status = 'failed';
      run.failed_at = now;
      run.last_error = lastError;
      this.finish(live, 'thread.run.failed');
      return;
    }

    const content = live.reply ?? this.plannedReply(live) ?? [];
    const reply = contentText(content);
    if (simulate === 'incomplete') {
      // The reply was cut at half, as if max_completion_tokens ran out mid-sentence.
      const cut = content;
      if (message) {
        message.content = cut;
        this.finishMessageIncomplete(live, message, 'max_tokens');
      }
      if (step) this.completeStep(live, step, contentText(cut), prompt);
      run.status = 'incomplete';
      run.incomplete_details = { reason: 'max_completion_tokens' };
      run.usage = usage(prompt, contentText(cut));
      this.finish(live, 'thread.run.incomplete');
      return;
    }

    if (message) {
      message.content = content;
      message.status = 'completed';
      message.completed_at = now;
      this.emit(live, 'thread.message.completed', message);
    }
    if (step) this.completeStep(live, step, reply, prompt);
    run.status = 'completed';
    run.completed_at = now;
    run.usage = usage(prompt, reply);
    this.finish(live, 'thread.run.completed');
  }

  /** Several `thread.message.delta` events per part, in the spec's MessageDeltaObject shape. */
  private streamContent(live: Live, message: Message, content: MessageContent[]): void {
    content.forEach((part, index) => {
      if (part.type === 'text') {
        const chunks = splitText(part.text.value);
        chunks.forEach((chunk, n) => {
          const last = n === chunks.length - 1;
          const annotations = last ? part.text.annotations.map((a, i) => ({ index: i, ...a })) : [];
          this.emit(live, 'thread.message.delta', { id: message.id, object: 'thread.message.delta', delta: { ...(index === 0 && n === 0 ? { role: 'assistant' } : {}), content: [{ index, type: 'text', text: { value: chunk, annotations } }] } });
        });
      } else if (part.type === 'refusal') {
        for (const chunk of splitText(part.refusal)) {
          this.emit(live, 'thread.message.delta', { id: message.id, object: 'thread.message.delta', delta: { content: [{ index, type: 'refusal', refusal: chunk }] } });
        }
      } else {
        this.emit(live, 'thread.message.delta', { id: message.id, object: 'thread.message.delta', delta: { content: [{ index, ...part }] } });
      }
    });
  }

  private completeStep(live: Live, step: RunStep, completion: string, prompt = ''): void {
    step.status = 'completed';
    step.completed_at = nowSeconds();
    step.usage = usage(prompt, completion);
    this.emit(live, 'thread.run.step.completed', step);
  }

  private finishMessageIncomplete(live: Live, message: Message, reason: NonNullable<Message['incomplete_details']>['reason']): void {
    message.status = 'incomplete';
    message.incomplete_at = nowSeconds();
    message.incomplete_details = { reason };
    this.emit(live, 'thread.message.incomplete', message);
  }

  private expire(live: Live): void {
    const { run, step, message } = live;
    const now = nowSeconds();
    if (message?.status === 'in_progress') this.finishMessageIncomplete(live, message, 'run_expired');
    if (step?.status === 'in_progress') {
      step.status = 'expired';
      step.expired_at = now;
      this.emit(live, 'thread.run.step.expired', step);
    }
    run.status = 'expired';
    run.required_action = null;
    // The promised time has passed by definition once the run is expired.
    run.expires_at = Math.min(run.expires_at ?? now, now);
    this.finish(live, 'thread.run.expired', false);
  }

  private finishCancel(live: Live): void {
    const { run } = live;
    const now = nowSeconds();
    if (live.message?.status === 'in_progress') this.finishMessageIncomplete(live, live.message, 'run_cancelled');
    for (const step of this.store.stepsOf(run.id)) {
      if (step.status !== 'in_progress') continue;
      step.status = 'cancelled';
      step.cancelled_at = now;
      this.emit(live, 'thread.run.step.cancelled', step);
    }
    run.status = 'cancelled';
    run.cancelled_at = now;
    run.required_action = null;
    this.finish(live, 'thread.run.cancelled');
  }

  private finish(live: Live, event: string, clearExpiry = true): void {
    if (clearExpiry) live.run.expires_at = null;
    this.emit(live, event, live.run);
    this.clearTimers(live);
    live.listeners.clear();
    this.live.delete(live.run.id);
  }

  private emit(live: Live, event: string, data: unknown): void {
    if (live.listeners.size === 0) return;
    // A snapshot: later phases mutate the stored object, the event must not change with it.
    const snapshot = { event, data: structuredClone(data) };
    for (const listener of [...live.listeners]) listener(snapshot);
  }
}

const CODE_INPUT = "import matplotlib.pyplot as plt\nplt.plot([1, 2, 3], [2, 4, 9])\nplt.savefig('/mnt/data/chart.png')\nprint('saved')";
const CODE_LOGS = 'saved\n';
const SEARCH_SNIPPET = 'The embedded runs API simulates every run in time, one phase per step.';
const CHART_PATH = 'sandbox:/mnt/data/chart.png';
const CITATION = '【4:0†demo-notes.md】';

function plan(run: Run): Phase[] {
  const phases: Phase[] = [{ kind: 'start' }];
  if (run.metadata?.['simulate'] === 'expire') return [...phases, { kind: 'message_begin' }, { kind: 'expire' }];
  const { builtins, fn } = toolsToCall(run);
  for (const tool of builtins) phases.push({ kind: 'tool_begin', tool }, { kind: 'tool_end' });
  if (fn) phases.push({ kind: 'function', tool: fn });
  else phases.push({ kind: 'message_begin' }, { kind: 'message_end' });
  return phases;
}

/**
 * The simulated model is deterministic: with `tool_choice` auto or required it uses every kind
 * of tool the run has, in the order code interpreter, file search, then the first function.
 */
function toolsToCall(run: Run): { builtins: BuiltinTool[]; fn: Extract<Tool, { type: 'function' }> | undefined } {
  const choice = run.tool_choice;
  if (choice === 'none') return { builtins: [], fn: undefined };
  const functions = run.tools.filter((t): t is Extract<Tool, { type: 'function' }> => t.type === 'function');
  if (choice && typeof choice === 'object') {
    if (choice.type === 'function') return { builtins: [], fn: functions.find((f) => f.function.name === choice.function?.name) };
    return { builtins: [choice.type], fn: undefined };
  }
  const builtins: BuiltinTool[] = [];
  if (run.tools.some((t) => t.type === 'code_interpreter')) builtins.push('code_interpreter');
  if (run.tools.some((t) => t.type === 'file_search')) builtins.push('file_search');
  return { builtins, fn: functions[0] };
}

/** Arguments a model might pick: the user's words for the first string, the first enum value, small numbers. */
function argumentsFor(tool: Extract<Tool, { type: 'function' }>, userText: string): string {
  const properties = (tool.function.parameters as { properties?: Record<string, { type?: unknown; enum?: unknown[] }> } | undefined)?.properties ?? {};
  const args: Record<string, unknown> = {};
  let usedText = false;
  for (const [name, schema] of Object.entries(properties)) {
    if (Array.isArray(schema.enum) && schema.enum.length > 0) args[name] = schema.enum[0];
    else if (schema.type === 'string') {
      args[name] = usedText ? 'example' : userText.slice(0, 100) || 'example';
      usedText = true;
    } else if (schema.type === 'number' || schema.type === 'integer') args[name] = 1;
    else if (schema.type === 'boolean') args[name] = true;
    else if (schema.type === 'array') args[name] = [];
    else if (schema.type === 'object') args[name] = {};
  }
  return JSON.stringify(args);
}

function lastUserText(store: Store, threadId: string): string {
  const last = store.messagesOf(threadId).filter((m) => m.role === 'user').at(-1);
  if (!last) return '';
  const text = contentText(last.content).trim();
  return text || (last.content.length > 0 ? '(an image)' : '');
}

function contentText(content: MessageContent[]): string {
  return content
    .map((part) => (part.type === 'text' ? part.text.value : part.type === 'refusal' ? part.refusal : ''))
    .filter(Boolean)
    .join(' ');
}

function promptText(store: Store, run: Run): string {
  return [run.instructions ?? '', ...store.messagesOf(run.thread_id).map((m) => contentText(m.content))].join('\n');
}

function replyContent(live: Live, userText: string): MessageContent[] {
  const { facts } = live;
  let text = userText ? `You said: ${userText}` : 'Hello! How can I help you today?';
  for (const { name, output } of facts.toolOutputs) text += `\nThe ${name} tool returned: ${output}`;
  const annotations: Array<Extract<MessageContent, { type: 'text' }>['text']['annotations'][number]> = [];
  if (facts.imageFileId) {
    text += `\nI ran the code and saved the chart as ${CHART_PATH}.`;
    const start = text.indexOf(CHART_PATH);
    annotations.push({ type: 'file_path', text: CHART_PATH, file_path: { file_id: facts.imageFileId }, start_index: start, end_index: start + CHART_PATH.length });
  }
  if (facts.citedFileId) {
    text += `\nThe notes say each run phase takes one step${CITATION}.`;
    const start = text.indexOf(CITATION);
    annotations.push({ type: 'file_citation', text: CITATION, file_citation: { file_id: facts.citedFileId }, start_index: start, end_index: start + CITATION.length });
  }
  const parts: MessageContent[] = [];
  if (facts.imageFileId) parts.push({ type: 'image_file', image_file: { file_id: facts.imageFileId, detail: 'auto' } });
  parts.push({ type: 'text', text: { value: text, annotations } });
  return parts;
}

function refusalContent(): MessageContent[] {
  return [{ type: 'refusal', refusal: "I'm sorry, but I can't help with that request." }];
}

function truncateContent(content: MessageContent[]): MessageContent[] {
  return content.map((part) => {
    if (part.type !== 'text') return part;
    const value = part.text.value.slice(0, Math.max(1, Math.floor(part.text.value.length / 2)));
    return { type: 'text', text: { value, annotations: part.text.annotations.filter((a) => a.end_index <= value.length) } };
  });
}

/** Three or so chunks on word boundaries: enough for clients to see a reply arrive in parts. */
function splitText(text: string): string[] {
  const words = text.split(/(?<=\s)/);
  const size = Math.max(1, Math.ceil(words.length / 3));
  const chunks: string[] = [];
  for (let i = 0; i < words.length; i += size) chunks.push(words.slice(i, i + size).join(''));
  return chunks.length > 0 ? chunks : [''];
}

function stepDelta(id: string, toolCall: Record<string, unknown>): unknown {
  return { id, object: 'thread.run.step.delta', delta: { step_details: { type: 'tool_calls', tool_calls: [toolCall] } } };
}

function tokens(text: string): number {
  return text.length === 0 ? 0 : Math.max(1, Math.ceil(text.length / 4));
}

function usage(prompt: string, completion: string): { prompt_tokens: number; completion_tokens: number; total_tokens: number } {
  const promptTokens = tokens(prompt);
  const completionTokens = tokens(completion);
  return { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
}

/** Removes file search result content unless the request asked for it with `include[]`. */
export function withoutFileSearchContent<T>(value: T): T {
  const details = (value as { step_details?: unknown; delta?: { step_details?: unknown } }).step_details ?? (value as { delta?: { step_details?: unknown } }).delta?.step_details;
  const calls = (details as { tool_calls?: unknown[] } | undefined)?.tool_calls;
  if (!Array.isArray(calls) || !calls.some((c) => (c as { type?: unknown }).type === 'file_search')) return value;
  const copy = structuredClone(value);
  const copiedDetails = (copy as { step_details?: unknown; delta?: { step_details?: unknown } }).step_details ?? (copy as { delta?: { step_details?: unknown } }).delta?.step_details;
  for (const call of (copiedDetails as { tool_calls: Array<{ file_search?: { results?: Array<Record<string, unknown>> } }> }).tool_calls) {
    for (const result of call.file_search?.results ?? []) delete result['content'];
  }
  return copy;
}
