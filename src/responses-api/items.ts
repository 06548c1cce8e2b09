import { badRequest, duplicateItem, noToolCall, noToolOutput } from './errors.js';
import { newHexId } from './ids.js';
import type { Annotation, FunctionCallItem, InputContent, Item, MessageItem, OutputContent } from './types.js';
import type { Json } from './validation.js';

type JsonObject = { [key: string]: Json };

/**
 * Turns checked input items into stored items: ids assigned where the client gave none, the short
 * message form expanded (`content: "hi"` → one `input_text` part; an assistant's → `output_text`),
 * item references resolved to the item they name.
 */
export function toItems(input: JsonObject[], resolve: (id: string) => Item | undefined): Item[] {
  return input.map((raw, index): Item => {
    const id = typeof raw['id'] === 'string' ? raw['id'] : undefined;
    switch (raw['type']) {
      case 'function_call':
        return { type: 'function_call', id: id ?? newHexId('fc'), call_id: String(raw['call_id']), name: String(raw['name']), arguments: String(raw['arguments']), status: 'completed' };
      case 'function_call_output':
        return { type: 'function_call_output', id: id ?? newHexId('fco'), call_id: String(raw['call_id']), output: raw['output'] as string | unknown[], status: 'completed' };
      case 'item_reference': {
        const found = resolve(String(raw['id']));
        if (!found) throw badRequest(`Item with id '${String(raw['id'])}' not found.`, `input[${index}].id`, null);
        return structuredClone(found);
      }
      default:
        return toMessage(raw, id);
    }
  });
}

function toMessage(raw: JsonObject, id: string | undefined): MessageItem {
  const role = raw['role'] as MessageItem['role'];
  const content = raw['content'];
  const parts: Array<InputContent | OutputContent> =
    typeof content === 'string'
      ? [role === 'assistant' ? { type: 'output_text', text: content, annotations: [], logprobs: [] } : { type: 'input_text', text: content }]
      : (content as JsonObject[]).map((part) => normalisePart(part));
  return { type: 'message', id: id ?? newHexId('msg'), status: 'completed', role, content: parts };
}

function normalisePart(part: JsonObject): InputContent | OutputContent {
  switch (part['type']) {
    case 'input_image':
      return { ...(part as object), type: 'input_image', detail: typeof part['detail'] === 'string' ? part['detail'] : 'auto' } as InputContent;
    case 'output_text':
      return { type: 'output_text', text: String(part['text']), annotations: Array.isArray(part['annotations']) ? (part['annotations'] as unknown as Annotation[]) : [], logprobs: [] };
    default:
      return part as unknown as InputContent | OutputContent;
  }
}

/**
 * The function-call bookkeeping the real API enforces before a response starts, in its order:
 * an item id seen twice, an output without its call, a call without its output. `context` is what
 * the new input continues (the previous responses' items, or the conversation's).
 */
export function checkContinuation(context: readonly Item[], input: readonly Item[]): void {
  const ids = new Set(context.map((item) => item.id));
  for (const item of input) {
    if (ids.has(item.id)) throw duplicateItem(item.id);
    ids.add(item.id);
  }
  const all = [...context, ...input];
  const calls = new Set(all.filter((item): item is FunctionCallItem => item.type === 'function_call').map((item) => item.call_id));
  const answered = new Set<string>();
  for (const item of all) if (item.type === 'function_call_output') answered.add(item.call_id);
  for (const item of input) {
    if (item.type === 'function_call_output' && !calls.has(item.call_id)) throw noToolCall(item.call_id);
  }
  for (const item of all) {
    if (item.type === 'function_call' && !answered.has(item.call_id)) throw noToolOutput(item.call_id);
  }
}

/** The function calls that `input` answers, with their outputs, in the order of the answers. */
export function answeredCalls(context: readonly Item[], input: readonly Item[]): Array<{ call: FunctionCallItem; output: string }> {
  const calls = new Map([...context, ...input].filter((item): item is FunctionCallItem => item.type === 'function_call').map((item) => [item.call_id, item]));
  return input.flatMap((item) => {
    if (item.type !== 'function_call_output') return [];
    const call = calls.get(item.call_id);
    return call ? [{ call, output: typeof item.output === 'string' ? item.output : JSON.stringify(item.output) }] : [];
  });
}

/** The text of a message's text and refusal parts, joined by spaces, as the model reads it. */
export function messageText(item: MessageItem): string {
  return item.content
    .map((part) => (part.type === 'input_text' || part.type === 'output_text' ? part.text : part.type === 'refusal' ? part.refusal : ''))
    .filter(Boolean)
    .join(' ');
}
