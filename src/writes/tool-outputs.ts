import type { Schemas } from '../spec/index.js';
import { conflict, invalidInput, type FieldViolation } from './errors.js';

type Run = Pick<Schemas['RunObject'], 'id' | 'status' | 'required_action'>;

export interface ToolOutputCheckOptions {
  /** GraphQL path of the outputs list. @default 'input.toolOutputs' */
  field?: string;
  /** The upstream request id of the read that produced `run`, carried on a CONFLICT. */
  requestId?: string | undefined;
}

/** The ids the run waits for; empty when it waits for nothing. */
export function pendingToolCallIds(run: Run): string[] {
  if (run.status !== 'requires_action' || run.required_action?.type !== 'submit_tool_outputs') return [];
  return run.required_action.submit_tool_outputs.tool_calls.map((call) => call.id);
}

/**
 * The upstream wants all outputs of a requires_action step in one request ("once they're all completed"): exactly
 * one output per pending tool call, no unknown ids, no duplicates. Throws CONFLICT when the run does not wait for
 * outputs, BAD_USER_INPUT (naming the offending entries) when the outputs do not match its calls.
 */
export function assertToolOutputsMatch(run: Run, outputs: ReadonlyArray<{ tool_call_id?: string | undefined }>, options: ToolOutputCheckOptions = {}): void {
  const field = options.field ?? 'input.toolOutputs';
  const pending = pendingToolCallIds(run);
  if (pending.length === 0) {
    throw conflict(`Run ${run.id} is ${run.status} and does not accept tool outputs; only a run in requires_action does.`, {
      reason: 'run_not_accepting_tool_outputs',
      runStatus: run.status,
      requestId: options.requestId,
    });
  }
  const violations = answerViolations(field, outputs.map((output) => output.tool_call_id), pending, {
    unknown: (at, id) => `${at} ${id} is not a pending tool call of run ${run.id} (pending: ${pending.join(', ')})`,
    missing: (ids) => `${field} has no output for pending tool call${ids.length === 1 ? '' : 's'} ${ids.join(', ')}; all outputs must be submitted together`,
  });
  if (violations.length > 0) throw invalidInput(violations);
}

/**
 * One answer per pending call, as the upstream wants them all in one request: a violation for each repeat, each id
 * that is not pending and the calls left unanswered (empty or missing ids are the input validation's to report).
 */
export function answerViolations(
  field: string,
  ids: ReadonlyArray<string | undefined>,
  pending: readonly string[],
  words: { unknown: (at: string, id: string) => string; missing: (ids: string[]) => string },
): FieldViolation[] {
  const violations: FieldViolation[] = [];
  const firstIndex = new Map<string, number>();
  ids.forEach((id, index) => {
    const at = `${field}[${index}].toolCallId`;
    if (id === undefined || id === '') return;
    const earlier = firstIndex.get(id);
    if (earlier !== undefined) {
      violations.push({ field: at, message: `${at} repeats tool call ${id} (already answered at ${field}[${earlier}])` });
      return;
    }
    firstIndex.set(id, index);
    if (!pending.includes(id)) violations.push({ field: at, message: words.unknown(at, id) });
  });
  const missing = pending.filter((id) => !firstIndex.has(id));
  if (missing.length > 0) violations.push({ field, message: words.missing(missing) });
  return violations;
}
