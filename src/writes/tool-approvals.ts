import type { Schemas } from '../spec/index.js';
import { conflict, invalidInput, type FieldViolation } from './errors.js';
import { answerViolations } from './tool-outputs.js';

/*
 * MCP tool approvals (Azure AI Foundry Agent Service, `Azure.AI.Agents` 2025-05-01): a run stops in requires_action
 * with `required_action: { type: 'submit_tool_approval', submit_tool_approval: { tool_calls: [RequiredMcpToolCall] } }`
 * and is answered on the same route as tool outputs, POST …/submit_tool_outputs, with `{ tool_approvals: [ToolApproval] }`.
 * None of it is in the OpenAI spec, so the wire types are written here.
 */

/** `RequiredMcpToolCall`: an MCP tool call the run waits to have approved or refused. */
export interface McpToolCallWire {
  id: string;
  type: 'mcp';
  name: string;
  /** The call's arguments as a JSON string. */
  arguments: string;
  server_label: string;
}

/** `SubmitToolApprovalAction`. */
export interface ToolApprovalActionWire {
  type: 'submit_tool_approval';
  submit_tool_approval: { tool_calls: McpToolCallWire[] };
}

/** `ToolApproval`: `headers` are sent to the MCP server with the call (e.g. its credentials), when approved. */
export interface ToolApprovalWire {
  tool_call_id: string;
  approve: boolean;
  headers?: Record<string, string>;
}

export interface ToolApprovalsBody {
  tool_approvals: ToolApprovalWire[];
}

export interface ToolApprovalInput {
  toolCallId: string;
  approve: boolean;
  headers?: Record<string, unknown> | null | undefined;
}

type Run = Pick<Schemas['RunObject'], 'id' | 'status'> & { required_action?: unknown };

/** The run's approval action when it waits for approvals (read tolerantly: a run of another shape is not waiting). */
export function toolApprovalAction(run: { required_action?: unknown }): ToolApprovalActionWire | undefined {
  return asToolApprovalAction(run.required_action);
}

/** A required action read as an approval action, when it is one. */
export function asToolApprovalAction(value: unknown): ToolApprovalActionWire | undefined {
  const action = value as Partial<ToolApprovalActionWire> | null | undefined;
  if (action?.type !== 'submit_tool_approval' || !Array.isArray(action.submit_tool_approval?.tool_calls)) return undefined;
  return action as ToolApprovalActionWire;
}

/** Header names MCP servers can receive: an HTTP token (RFC 9110 §5.6.2), as the upstream will send them on. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}$/;
const MAX_HEADER_VALUE = 8_192;
/** The upstream's own bound on a request's list (20 tools, so 20 calls), with room. */
const MAX_APPROVALS = 128;

/** The wire body, and every input problem that needs no upstream call. */
export function toolApprovalsToWire(approvals: readonly ToolApprovalInput[], field = 'input.approvals'): { body: ToolApprovalsBody; violations: FieldViolation[] } {
  const violations: FieldViolation[] = [];
  if (approvals.length === 0) violations.push({ field, message: `${field} must answer at least one tool call` });
  if (approvals.length > MAX_APPROVALS) violations.push({ field, message: `${field} has ${approvals.length} entries; at most ${MAX_APPROVALS}` });
  const toolApprovals = approvals.map((approval, index): ToolApprovalWire => {
    const at = `${field}[${index}]`;
    if (approval.toolCallId === '') violations.push({ field: `${at}.toolCallId`, message: `${at}.toolCallId must not be empty` });
    if (approval.headers == null) return { tool_call_id: approval.toolCallId, approve: approval.approve };
    return { tool_call_id: approval.toolCallId, approve: approval.approve, headers: mcpHeaders(approval.headers, `${at}.headers`, violations) };
  });
  return { body: { tool_approvals: toolApprovals }, violations };
}

/** Headers for an MCP server (an approval's, or a tool resource's): the valid ones, each invalid one reported at `at.name`. */
export function mcpHeaders(given: Record<string, unknown>, at: string, violations: FieldViolation[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(given)) {
    const headerAt = `${at}.${name}`;
    if (!HEADER_NAME.test(name)) violations.push({ field: headerAt, message: `${headerAt}: ${JSON.stringify(name)} is not an HTTP header name` });
    else if (typeof value !== 'string') violations.push({ field: headerAt, message: `${headerAt} must be a string` });
    else if (value.length > MAX_HEADER_VALUE || /[\r\n\0]/.test(value)) violations.push({ field: headerAt, message: `${headerAt} must be one line of at most ${MAX_HEADER_VALUE} characters` });
    else headers[name] = value;
  }
  return headers;
}

/**
 * Like tool outputs, approvals answer every pending call of the requires_action step in one request: one per call,
 * no unknown ids, no repeats. CONFLICT when the run does not wait for approvals, BAD_USER_INPUT naming each entry
 * that does not match.
 */
export function assertToolApprovalsMatch(run: Run, approvals: readonly ToolApprovalWire[], options: { field?: string; requestId?: string | undefined } = {}): void {
  const field = options.field ?? 'input.approvals';
  const action = run.status === 'requires_action' ? toolApprovalAction(run) : undefined;
  const pending = action?.submit_tool_approval.tool_calls.map((call) => call.id) ?? [];
  if (pending.length === 0) {
    throw conflict(`Run ${run.id} is ${run.status} and does not wait for tool approvals; only a run in requires_action with a submit_tool_approval action does.`, {
      reason: 'run_not_awaiting_tool_approvals',
      runStatus: run.status,
      requestId: options.requestId,
    });
  }
  const violations = answerViolations(field, approvals.map((approval) => approval.tool_call_id), pending, {
    unknown: (at, id) => `${at} ${id} is not a tool call of run ${run.id} awaiting approval (awaiting: ${pending.join(', ')})`,
    missing: (ids) => `${field} has no answer for tool call${ids.length === 1 ? '' : 's'} ${ids.join(', ')}; all approvals must be submitted together`,
  });
  if (violations.length > 0) throw invalidInput(violations);
}
