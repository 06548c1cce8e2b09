import { badRequest } from './errors.js';
import type { Assistant, CreateRunRequest, CreateThreadAndRunRequest, Run, RunStatus, SubmitToolOutputsRequest } from './types.js';

/**
 * The API's rules, which every engine obeys: pure functions that throw the real API's 400s
 * or compute what the API defines, so no engine carries its own copy.
 */

/** A run is active (blocks new runs and messages on its thread) in these statuses. */
export const ACTIVE_RUN_STATUSES: ReadonlySet<RunStatus> = new Set(['queued', 'in_progress', 'requires_action', 'cancelling']);
/** Responses carrying a run in these statuses get `openai-poll-after-ms`. */
export const NON_TERMINAL_RUN_STATUSES = ACTIVE_RUN_STATUSES;
/** A run can be cancelled in these statuses. */
export const CANCELLABLE_RUN_STATUSES: ReadonlySet<RunStatus> = new Set(['queued', 'in_progress', 'requires_action']);

/** Run events after which a stream ends: the run is done, or waits for tool outputs (their own stream continues it). */
const FINAL_EVENTS: ReadonlySet<string> = new Set([
  'thread.run.completed',
  'thread.run.incomplete',
  'thread.run.failed',
  'thread.run.cancelled',
  'thread.run.expired',
  'thread.run.requires_action',
]);

export function isFinalEvent(event: string): boolean {
  return FINAL_EVENTS.has(event);
}

export function checkCancellable(run: Run): void {
  if (!CANCELLABLE_RUN_STATUSES.has(run.status)) throw badRequest(`Cannot cancel run with status '${run.status}'.`, null, null);
}

/** A thread with an active run takes no new messages. */
export function checkMessageAllowed(threadId: string, active: Run | undefined): void {
  if (active) throw badRequest(`Can't add messages to ${threadId} while a run ${active.id} is active.`);
}

/** A thread runs one run at a time. */
export function checkRunAllowed(threadId: string, active: Run | undefined): void {
  if (active) throw badRequest(`Thread ${threadId} already has an active run ${active.id}.`);
}

/** One output for each pending tool call, in one request; checked before anything changes (a stream may only open after it passes). */
export function checkToolOutputs(run: Run, request: SubmitToolOutputsRequest): void {
  if (run.status !== 'requires_action' || !run.required_action) {
    throw badRequest(`Runs in status "${run.status}" do not accept tool outputs.`, null, null);
  }
  if (pendingApprovals(run) !== undefined) {
    throw badRequest(`Run ${run.id} is waiting for tool approvals: answer them with 'tool_approvals', not 'tool_outputs'.`, 'tool_outputs', 'invalid_value');
  }
  const pending = run.required_action.submit_tool_outputs.tool_calls;
  const given = request.tool_outputs.map((output, index) => {
    if (typeof output.tool_call_id !== 'string') {
      throw badRequest(`Missing required parameter: 'tool_outputs[${index}].tool_call_id'.`, `tool_outputs[${index}].tool_call_id`, 'missing_required_parameter');
    }
    return output.tool_call_id;
  });
  checkOneAnswerEach('tool_outputs', 'output', pending.map((call) => call.id), given);
}

/** An MCP call waiting for approval (Foundry classic's `submit_tool_approval` required action). */
export interface PendingApproval {
  id: string;
  type: 'mcp';
  name: string;
  arguments: string;
  server_label: string;
}

/** The answer to one pending approval (Foundry classic's ToolApproval): `headers` go to the MCP server with the call. */
export interface ToolApproval {
  tool_call_id: string;
  approve: boolean;
  headers?: Record<string, string> | undefined;
}

export interface SubmitToolApprovalsRequest {
  tool_approvals: ToolApproval[];
  stream?: boolean | null | undefined;
}

/** The calls a run waits to have approved, or undefined when it waits for nothing of the kind. */
export function pendingApprovals(run: Run): PendingApproval[] | undefined {
  const action = run.required_action as { type?: string; submit_tool_approval?: { tool_calls: PendingApproval[] } } | null;
  return action?.type === 'submit_tool_approval' ? action.submit_tool_approval?.tool_calls : undefined;
}

/** One approval (or denial) for each pending MCP call, in one request, as for tool outputs. */
export function checkToolApprovals(run: Run, request: SubmitToolApprovalsRequest): void {
  const pending = run.status === 'requires_action' ? pendingApprovals(run) : undefined;
  if (run.status === 'requires_action' && pending === undefined) {
    throw badRequest(`Run ${run.id} is waiting for tool outputs: answer them with 'tool_outputs', not 'tool_approvals'.`, 'tool_approvals', 'invalid_value');
  }
  if (pending === undefined) throw badRequest(`Runs in status "${run.status}" do not accept tool approvals.`, null, null);
  checkOneAnswerEach('tool_approvals', 'approval', pending.map((call) => call.id), request.tool_approvals.map((approval) => approval.tool_call_id));
}

function checkOneAnswerEach(param: 'tool_outputs' | 'tool_approvals', noun: 'output' | 'approval', pendingIds: string[], given: string[]): void {
  const unknown = given.filter((id) => !pendingIds.includes(id));
  const missing = pendingIds.filter((id) => !given.includes(id));
  const duplicate = given.filter((id, index) => given.indexOf(id) !== index);
  if (unknown.length === 0 && missing.length === 0 && duplicate.length === 0) return;
  const problems = [
    missing.length > 0 ? `missing ${noun}s for ${missing.map((id) => `'${id}'`).join(', ')}` : '',
    unknown.length > 0 ? `no pending tool call ${unknown.map((id) => `'${id}'`).join(', ')}` : '',
    duplicate.length > 0 ? `more than one ${noun} for ${[...new Set(duplicate)].map((id) => `'${id}'`).join(', ')}` : '',
  ].filter(Boolean);
  throw badRequest(
    `Invalid '${param}': expected exactly one ${noun} for each pending tool call [${pendingIds.join(', ')}] in one request; ${problems.join('; ')}.`,
    param,
    'invalid_value',
  );
}

/** A named tool choice must name a tool the run has; `required` needs at least one. */
export function checkToolChoice(tools: Run['tools'], choice: CreateRunRequest['tool_choice']): void {
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

export type RunRequest = Omit<CreateRunRequest, 'additional_messages'> | Omit<CreateThreadAndRunRequest, 'thread'>;

/** The settings a new run takes: the request's, else its assistant's, else the API's defaults. */
export type RunSettings = Pick<
  Run,
  'model' | 'instructions' | 'tools' | 'metadata' | 'temperature' | 'top_p' | 'max_prompt_tokens' | 'max_completion_tokens' | 'truncation_strategy' | 'tool_choice' | 'parallel_tool_calls' | 'response_format'
> & { reasoning_effort: unknown };

export function runSettings(assistant: Assistant, req: RunRequest): RunSettings {
  const base = req.instructions ?? assistant.instructions ?? null;
  const additional = 'additional_instructions' in req ? req.additional_instructions : undefined;
  const instructions = additional ? (base ? `${base}\n\n${additional}` : additional) : base;
  return {
    model: req.model ?? assistant.model,
    instructions,
    tools: req.tools ?? assistant.tools,
    metadata: req.metadata ?? {},
    temperature: req.temperature ?? assistant.temperature ?? 1,
    top_p: req.top_p ?? assistant.top_p ?? 1,
    max_prompt_tokens: req.max_prompt_tokens ?? null,
    max_completion_tokens: req.max_completion_tokens ?? null,
    truncation_strategy: req.truncation_strategy ?? { type: 'auto', last_messages: null },
    tool_choice: req.tool_choice ?? 'auto',
    parallel_tool_calls: req.parallel_tool_calls ?? true,
    response_format: req.response_format ?? assistant.response_format ?? 'auto',
    // Returned by the real API although the spec's RunObject does not list it.
    reasoning_effort: ('reasoning_effort' in req ? req.reasoning_effort : undefined) ?? null,
  };
}

/** Seconds a live run is promised before it expires (`expires_at - created_at`): whole, at least one. */
export function expirySeconds(requiresActionTimeoutMs: number): number {
  return Math.max(1, Math.ceil(requiresActionTimeoutMs / 1000));
}
