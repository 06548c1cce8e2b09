import type { SseEvent } from '../embedded/sse.js';
import type { RunStep } from './types.js';

/** What the wire shows of engine answers: `include[]` filtering and delete envelopes. */

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

export function presentStep(step: RunStep, fileSearchContent: boolean): RunStep {
  return fileSearchContent ? step : withoutFileSearchContent(step);
}

/** Stream events as written: step events lose file search content unless it was included. */
export function presentEvent(fileSearchContent: boolean): (event: SseEvent) => unknown {
  return (event) => (event.event.startsWith('thread.run.step') && !fileSearchContent ? withoutFileSearchContent(event.data) : event.data);
}

export function deleted(id: string, object: 'assistant.deleted' | 'thread.deleted' | 'thread.message.deleted'): { id: string; object: string; deleted: true } {
  return { id, object, deleted: true };
}
