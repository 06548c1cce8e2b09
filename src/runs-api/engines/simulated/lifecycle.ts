import { nowSeconds, type Clock, type ClockTimer } from '../../../embedded/clock.js';
import { mcpOutput, respond, splitText, usage, type BuiltinCall, type CompletedCall, type FunctionCall, type McpCall, type ModelResponse } from '../../../model/index.js';
import { newId } from '../../ids.js';
import { newAssistantMessage, newRunStep } from '../../objects.js';
import { checkCancellable, checkToolApprovals, checkToolOutputs, expirySeconds, type PendingApproval, type SubmitToolApprovalsRequest } from '../../rules.js';
import type { Message, MessageContent, Run, RunStep, StreamEvent, SubmitToolOutputsRequest, ToolCall } from '../../types.js';
import type { Store } from './store.js';
import { turnOf, wireContent } from './turn.js';

export type RunListener = (event: StreamEvent) => void;

export interface SimulatorOptions {
  stepMs: number;
  requiresActionTimeoutMs: number;
  clock: Clock;
}

type Phase =
  | { kind: 'start' }
  | { kind: 'tool_begin'; call: BuiltinCall }
  | { kind: 'tool_end'; call: BuiltinCall }
  | { kind: 'function'; call: FunctionCall }
  /** The MCP call is asked for: it waits for approval when the run's tool_resources say so, else `mcp_end` makes it. */
  | { kind: 'mcp_begin'; call: McpCall }
  | { kind: 'mcp_end'; call: McpCall }
  | { kind: 'message_begin' }
  | { kind: 'message_end' }
  | { kind: 'expire' }
  | { kind: 'cancel_end' };

/** Per live run: what is left to do and who is watching. Dropped when the run ends. */
interface Live {
  run: Run;
  phases: Phase[];
  timer: ClockTimer | undefined;
  expiryTimer: ClockTimer | undefined;
  /** Bumped whenever the plan changes, so a timer armed for an older plan does nothing. */
  generation: number;
  listeners: Set<RunListener>;
  step: RunStep | undefined;
  message: Message | undefined;
  /** The reply, streamed when the message begins and stored when it ends (a phase later). */
  reply: MessageContent[] | undefined;
  /** The calls made so far in this run, which the final reply mentions. */
  completed: CompletedCall[];
}

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
    return expirySeconds(this.options.requiresActionTimeoutMs);
  }

  /** Unix seconds on the simulator's clock. */
  now(): number {
    return nowSeconds(this.options.clock);
  }

  start(run: Run, listener?: RunListener): void {
    const live = this.track(run);
    if (listener) live.listeners.add(listener);
    live.phases = plan(respond(turnOf(this.store, run, [])));
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

  submitToolOutputs(run: Run, request: SubmitToolOutputsRequest, listener?: RunListener): void {
    checkToolOutputs(run, request);
    const live = this.track(run);
    if (listener) live.listeners.add(listener);
    this.clearTimers(live);
    const now = this.now();
    const step = live.step ?? this.store.stepsOf(run.id).find((s) => s.status === 'in_progress');
    if (step && step.step_details.type === 'tool_calls') {
      for (const call of step.step_details.tool_calls) {
        if (call.type !== 'function') continue;
        const output = request.tool_outputs.find((o) => o.tool_call_id === call.id)?.output ?? '';
        call.function.output = output;
        live.completed.push({ type: 'function', name: call.function.name, output });
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

  /** Approved calls are made (the simulated server answers at once), denied ones are not; then the run replies. */
  submitToolApprovals(run: Run, request: SubmitToolApprovalsRequest, listener?: RunListener): void {
    checkToolApprovals(run, request);
    const live = this.track(run);
    if (listener) live.listeners.add(listener);
    this.clearTimers(live);
    const step = live.step ?? this.store.stepsOf(run.id).find((s) => s.status === 'in_progress');
    live.step = step;
    if (step && step.step_details.type === 'tool_calls') {
      for (const call of step.step_details.tool_calls as unknown as McpStepCall[]) {
        if (call.type !== 'mcp') continue;
        const approved = request.tool_approvals.find((approval) => approval.tool_call_id === call.id)?.approve === true;
        this.finishMcpCall(live, call, approved);
      }
      this.completeStep(live, step, JSON.stringify(step.step_details));
    }
    live.step = undefined;
    run.status = 'in_progress';
    run.required_action = null;
    this.emit(live, 'thread.run.in_progress', run);
    live.phases = [{ kind: 'message_begin' }, { kind: 'message_end' }];
    this.schedule(live);
  }

  cancel(run: Run): void {
    checkCancellable(run);
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
      live = { run, phases: [], timer: undefined, expiryTimer: undefined, generation: 0, listeners: new Set(), step: undefined, message: undefined, reply: undefined, completed: [] };
      this.live.set(run.id, live);
    }
    return live;
  }

  private clearTimers(live: Live): void {
    live.generation += 1;
    if (live.timer) this.options.clock.clearTimeout(live.timer);
    if (live.expiryTimer) this.options.clock.clearTimeout(live.expiryTimer);
    live.timer = undefined;
    live.expiryTimer = undefined;
  }

  private schedule(live: Live): void {
    if (live.timer) this.options.clock.clearTimeout(live.timer);
    live.timer = undefined;
    if (live.phases.length === 0) return;
    const generation = live.generation;
    live.timer = this.options.clock.setTimeout(() => {
      live.timer = undefined;
      if (generation !== live.generation || this.live.get(live.run.id) !== live) return;
      const phase = live.phases.shift();
      if (phase) this.apply(live, phase);
      if (this.live.get(live.run.id) === live) this.schedule(live);
    }, this.options.stepMs);
  }

  private armExpiry(live: Live): void {
    const generation = live.generation;
    live.expiryTimer = this.options.clock.setTimeout(() => {
      live.expiryTimer = undefined;
      if (generation !== live.generation || live.run.status !== 'requires_action') return;
      this.expire(live);
    }, this.options.requiresActionTimeoutMs);
  }

  private apply(live: Live, phase: Phase): void {
    const { run } = live;
    // A phase only applies to the status it was planned for; anything else means the plan is stale.
    const expected = phase.kind === 'start' ? 'queued' : phase.kind === 'cancel_end' ? 'cancelling' : 'in_progress';
    if (run.status !== expected) return;
    const now = this.now();
    switch (phase.kind) {
      case 'start':
        run.status = 'in_progress';
        run.started_at = now;
        this.emit(live, 'thread.run.in_progress', run);
        return;
      case 'tool_begin':
        this.beginTool(live, phase.call);
        return;
      case 'tool_end':
        this.endTool(live, phase.call);
        return;
      case 'function':
        this.callFunction(live, phase.call);
        return;
      case 'mcp_begin':
        this.beginMcpCall(live, phase.call);
        return;
      case 'mcp_end':
        this.endMcpCall(live);
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
    const step = newRunStep(live.run, details, { id: newId('step'), createdAt: this.now() });
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

  private beginTool(live: Live, call: BuiltinCall): void {
    const step = this.newStep(live, { type: 'tool_calls', tool_calls: [] });
    if (call.type === 'code_interpreter') {
      this.addToolCall(live, step, { id: newId('call'), type: 'code_interpreter', code_interpreter: { input: call.input, outputs: [] } });
    } else {
      this.addToolCall(live, step, {
        id: newId('call'),
        type: 'file_search',
        file_search: { ranking_options: { ranker: 'default_2024_08_21', score_threshold: call.scoreThreshold }, results: [] },
      });
    }
  }

  /** The tool's results arrive as a delta a phase after the call, and the step completes. */
  private endTool(live: Live, done: BuiltinCall): void {
    const step = live.step;
    if (!step || step.step_details.type !== 'tool_calls') return;
    const call = step.step_details.tool_calls[0];
    if (call?.type === 'code_interpreter' && done.type === 'code_interpreter') {
      const outputs = [
        { type: 'logs' as const, logs: done.logs },
        { type: 'image' as const, image: { file_id: done.imageFileId } },
      ];
      call.code_interpreter.outputs = outputs;
      this.emit(live, 'thread.run.step.delta', stepDelta(step.id, { index: 0, type: 'code_interpreter', code_interpreter: { outputs: outputs.map((o, index) => ({ index, ...o })) } }));
    } else if (call?.type === 'file_search' && done.type === 'file_search') {
      const results = done.results.map((r) => ({ file_id: r.fileId, file_name: r.fileName, score: r.score, content: [{ type: 'text' as const, text: r.text }] }));
      call.file_search.results = results;
      this.emit(live, 'thread.run.step.delta', stepDelta(step.id, { index: 0, type: 'file_search', file_search: { results } }));
    }
    live.completed.push(done);
    this.completeStep(live, step, JSON.stringify(step.step_details));
    live.step = undefined;
  }

  private callFunction(live: Live, fn: FunctionCall): void {
    const { run } = live;
    const step = this.newStep(live, { type: 'tool_calls', tool_calls: [] });
    const call = { id: newId('call'), type: 'function' as const, function: { name: fn.name, arguments: fn.arguments, output: null } };
    this.addToolCall(live, step, call);
    run.status = 'requires_action';
    run.required_action = { type: 'submit_tool_outputs', submit_tool_outputs: { tool_calls: [{ id: call.id, type: 'function', function: { name: call.function.name, arguments: call.function.arguments } }] } };
    this.emit(live, 'thread.run.requires_action', run);
    this.armExpiry(live);
  }

  private beginMcpCall(live: Live, mcp: McpCall): void {
    const { run } = live;
    const step = this.newStep(live, { type: 'tool_calls', tool_calls: [] });
    const call: McpStepCall = { id: newId('call'), type: 'mcp', name: mcp.name, arguments: mcp.arguments, server_label: mcp.serverLabel, output: null };
    this.addToolCall(live, step, call as unknown as ToolCall);
    if (!approvalRequired(run, mcp)) return;
    const pending: PendingApproval = { id: call.id, type: 'mcp', name: call.name, arguments: call.arguments, server_label: call.server_label };
    run.status = 'requires_action';
    run.required_action = { type: 'submit_tool_approval', submit_tool_approval: { tool_calls: [pending] } } as unknown as Run['required_action'];
    // What was planned after the approval is planned again when it comes.
    live.phases = [];
    this.emit(live, 'thread.run.requires_action', run);
    this.armExpiry(live);
  }

  /** A call that needed no approval is made a phase after it was asked for. */
  private endMcpCall(live: Live): void {
    const step = live.step;
    if (!step || step.step_details.type !== 'tool_calls') return;
    for (const call of step.step_details.tool_calls as unknown as McpStepCall[]) if (call.type === 'mcp') this.finishMcpCall(live, call, true);
    this.completeStep(live, step, JSON.stringify(step.step_details));
    live.step = undefined;
  }

  private finishMcpCall(live: Live, call: McpStepCall, approved: boolean): void {
    const output = approved ? mcpOutput({ serverLabel: call.server_label, name: call.name, arguments: call.arguments }) : null;
    call.output = output;
    live.completed.push({ type: 'mcp', serverLabel: call.server_label, name: call.name, output });
    if (live.step && output !== null) this.emit(live, 'thread.run.step.delta', stepDelta(live.step.id, { index: 0, type: 'mcp', output }));
  }

  private beginMessage(live: Live): void {
    const message = newAssistantMessage(live.run, { id: newId('msg'), createdAt: this.now() });
    this.newStep(live, { type: 'message_creation', message_creation: { message_id: message.id } });
    this.store.addMessage(message);
    live.message = message;
    this.emit(live, 'thread.message.created', message);
    this.emit(live, 'thread.message.in_progress', message);
    // The text streams now and the message completes a phase later, as a model's reply does.
    live.reply = this.plannedReply(live);
    if (live.reply) this.streamContent(live, message, live.reply);
  }

  /** What the model says now; a reply that fails or expires has no content. */
  private reply(live: Live): Extract<ModelResponse, { kind: 'reply' }> {
    const response = respond(turnOf(this.store, live.run, live.completed));
    // Tools are called once per turn, so a turn that gets here always has a reply; the guard is for the type.
    if (response.kind !== 'reply') return { kind: 'reply', builtinCalls: [], content: [], ending: { kind: 'completed' }, usage: null };
    return response;
  }

  /** What the assistant will say: nothing for a run that fails or expires, half for an incomplete one. */
  private plannedReply(live: Live): MessageContent[] | undefined {
    const { content, ending } = this.reply(live);
    return ending.kind === 'failed' || ending.kind === 'expired' ? undefined : wireContent(content);
  }

  private endMessage(live: Live): void {
    const { run, message, step } = live;
    const now = this.now();
    const response = this.reply(live);
    const { ending } = response;

    if (ending.kind === 'expired') {
      this.expire(live);
      return;
    }
    if (ending.kind === 'failed') {
      if (message) this.finishMessageIncomplete(live, message, 'run_failed');
      const lastError = { code: ending.code, message: ending.message };
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

    const content = live.reply ?? wireContent(response.content);
    const runUsage = response.usage;
    if (ending.kind === 'incomplete') {
      // The reply was cut, as if max_completion_tokens ran out mid-sentence.
      if (message) {
        message.content = content;
        this.finishMessageIncomplete(live, message, 'max_tokens');
      }
      if (step) this.completeStepWithUsage(live, step, runUsage);
      run.status = 'incomplete';
      run.incomplete_details = { reason: 'max_completion_tokens' };
      run.usage = runUsage;
      this.finish(live, 'thread.run.incomplete');
      return;
    }

    if (message) {
      message.content = content;
      message.status = 'completed';
      message.completed_at = now;
      this.emit(live, 'thread.message.completed', message);
    }
    if (step) this.completeStepWithUsage(live, step, runUsage);
    run.status = 'completed';
    run.completed_at = now;
    run.usage = runUsage;
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

  private completeStep(live: Live, step: RunStep, completion: string): void {
    this.completeStepWithUsage(live, step, usage('', completion));
  }

  private completeStepWithUsage(live: Live, step: RunStep, stepUsage: RunStep['usage']): void {
    step.status = 'completed';
    step.completed_at = this.now();
    step.usage = stepUsage;
    this.emit(live, 'thread.run.step.completed', step);
  }

  private finishMessageIncomplete(live: Live, message: Message, reason: NonNullable<Message['incomplete_details']>['reason']): void {
    message.status = 'incomplete';
    message.incomplete_at = this.now();
    message.incomplete_details = { reason };
    this.emit(live, 'thread.message.incomplete', message);
  }

  private expire(live: Live): void {
    const { run, step, message } = live;
    const now = this.now();
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
    const now = this.now();
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

function plan(response: ModelResponse): Phase[] {
  const phases: Phase[] = [{ kind: 'start' }];
  if (response.kind === 'reply' && response.ending.kind === 'expired') return [...phases, { kind: 'message_begin' }, { kind: 'expire' }];
  for (const call of response.builtinCalls) phases.push({ kind: 'tool_begin', call }, { kind: 'tool_end', call });
  if (response.kind === 'function_call') phases.push({ kind: 'function', call: response.functionCall });
  else if (response.kind === 'mcp_call') phases.push({ kind: 'mcp_begin', call: response.mcpCall }, { kind: 'mcp_end', call: response.mcpCall }, { kind: 'message_begin' }, { kind: 'message_end' });
  else phases.push({ kind: 'message_begin' }, { kind: 'message_end' });
  return phases;
}

/** Foundry classic's record of an MCP call in a run step (not in the OpenAI spec's tool call union). */
interface McpStepCall {
  id: string;
  type: 'mcp';
  name: string;
  arguments: string;
  server_label: string;
  /** The server's answer; null until the call is made, and for good when it was denied. */
  output: string | null;
}

/**
 * Whether a call waits for approval: the run's `tool_resources.mcp` entry for the server says (`always`, `never`, or
 * per tool `{ always: { tool_names }, never: { tool_names } }`); without one, Azure's default: always.
 */
function approvalRequired(run: Run, call: McpCall): boolean {
  const resources = (run as { tool_resources?: { mcp?: Array<{ server_label?: string; require_approval?: unknown }> } | null }).tool_resources;
  const rule = resources?.mcp?.find((entry) => entry.server_label === call.serverLabel)?.require_approval;
  if (rule === 'never') return false;
  if (rule && typeof rule === 'object') {
    const names = (list: unknown): string[] => ((list as { tool_names?: unknown } | undefined)?.tool_names as string[] | undefined) ?? [];
    if (names((rule as { never?: unknown }).never).includes(call.name)) return false;
  }
  return true;
}

function stepDelta(id: string, toolCall: Record<string, unknown>): unknown {
  return { id, object: 'thread.run.step.delta', delta: { step_details: { type: 'tool_calls', tool_calls: [toolCall] } } };
}
