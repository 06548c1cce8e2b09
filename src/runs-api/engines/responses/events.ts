import type { StreamEvent } from '../../types.js';
import type { OutputItem, ResponseObject } from '../../../responses-api/types.js';
import type { ResponsesEvent } from './client.js';
import type { ItemLink } from './mapping.js';

/**
 * A response as its stream has told it so far. Each Responses event updates it; the engine then applies the
 * whole response to the run (mapping.ts applyResponse), so a run streamed and a run polled go through the same
 * translation, and only the deltas (text, arguments, code) are translated event by event here.
 */
export class StreamedResponse {
  response: ResponseObject | undefined;
  /** The highest sequence number applied: a resumed stream starts after it, and nothing at or below it is applied twice. */
  lastSequence = -1;

  /** True when the event was new (not a repeat after a resumption). */
  apply(event: ResponsesEvent): boolean {
    if (event.sequence_number <= this.lastSequence) return false;
    this.lastSequence = event.sequence_number;
    const carried = event['response'] as ResponseObject | undefined;
    if (carried) {
      // Start events carry the response before its output; a final one carries all of it.
      const output = this.response && carried.output.length < this.response.output.length ? this.response.output : carried.output;
      this.response = { ...carried, output: structuredClone(output) };
      return true;
    }
    const response = this.response;
    if (!response) return true;
    const item = event['item'] as OutputItem | undefined;
    const outputIndex = typeof event['output_index'] === 'number' ? event['output_index'] : -1;
    switch (event.type) {
      case 'response.output_item.added':
      case 'response.output_item.done':
        if (item) response.output[outputIndex >= 0 ? outputIndex : response.output.length] = structuredClone(item);
        return true;
    }
    const target = response.output[outputIndex];
    if (!target) return true;
    const delta = typeof event['delta'] === 'string' ? event['delta'] : '';
    const contentIndex = typeof event['content_index'] === 'number' ? event['content_index'] : 0;
    switch (event.type) {
      case 'response.content_part.added':
        if (target.type === 'message') target.content[contentIndex] = structuredClone(event['part'] as never);
        break;
      case 'response.output_text.delta': {
        const part = target.type === 'message' ? target.content[contentIndex] : undefined;
        if (part?.type === 'output_text') part.text += delta;
        break;
      }
      case 'response.refusal.delta': {
        const part = target.type === 'message' ? target.content[contentIndex] : undefined;
        if (part?.type === 'refusal') part.refusal += delta;
        break;
      }
      case 'response.function_call_arguments.delta':
        if (target.type === 'function_call') target.arguments += delta;
        break;
      case 'response.code_interpreter_call_code.delta':
        if (target.type === 'code_interpreter_call') target.code = (target.code ?? '') + delta;
        break;
    }
    return true;
  }

  /** The stream said its last word: the response ended (there is no event for a cancel, a GET tells that). */
  get ended(): boolean {
    const status = this.response?.status;
    return status === 'completed' || status === 'failed' || status === 'incomplete' || status === 'cancelled';
  }
}

/**
 * The runs delta events of one Responses event (after its item is known to the run: `links`): message text and
 * refusal deltas as `thread.message.delta`, function arguments and code as `thread.run.step.delta`.
 */
export function deltaEvents(event: ResponsesEvent, response: ResponseObject | undefined, links: Record<string, ItemLink>): StreamEvent[] {
  const itemId = typeof event['item_id'] === 'string' ? event['item_id'] : undefined;
  const link = itemId ? links[itemId] : undefined;
  const delta = typeof event['delta'] === 'string' ? event['delta'] : undefined;
  if (!link || delta === undefined) return [];
  // Image parts the runs wire puts before the text (a chart the code drew) are not known until the text is done.
  const index = typeof event['content_index'] === 'number' ? event['content_index'] : 0;
  switch (event.type) {
    case 'response.output_text.delta':
      return link.messageId ? [{ event: 'thread.message.delta', data: { id: link.messageId, object: 'thread.message.delta', delta: { ...(index === 0 && isFirstDelta(response, event) ? { role: 'assistant' } : {}), content: [{ index, type: 'text', text: { value: delta } }] } } }] : [];
    case 'response.refusal.delta':
      return link.messageId ? [{ event: 'thread.message.delta', data: { id: link.messageId, object: 'thread.message.delta', delta: { content: [{ index, type: 'refusal', refusal: delta }] } } }] : [];
    case 'response.function_call_arguments.delta':
      return [{ event: 'thread.run.step.delta', data: { id: link.stepId, object: 'thread.run.step.delta', delta: { step_details: { type: 'tool_calls', tool_calls: [{ index: 0, type: 'function', function: { arguments: delta } }] } } } }];
    case 'response.code_interpreter_call_code.delta':
      return [{ event: 'thread.run.step.delta', data: { id: link.stepId, object: 'thread.run.step.delta', delta: { step_details: { type: 'tool_calls', tool_calls: [{ index: 0, type: 'code_interpreter', code_interpreter: { input: delta } }] } } } }];
    default:
      return [];
  }
}

/** The first text delta of a message carries the role, as on the runs API. */
function isFirstDelta(response: ResponseObject | undefined, event: ResponsesEvent): boolean {
  const outputIndex = typeof event['output_index'] === 'number' ? event['output_index'] : -1;
  const item = response?.output[outputIndex];
  const part = item?.type === 'message' ? item.content[0] : undefined;
  return part?.type === 'output_text' && part.text === event['delta'];
}
