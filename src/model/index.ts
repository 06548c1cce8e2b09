import { randomInt } from 'node:crypto';
import { FAILURE_MESSAGE, lastUserText, promptText, REFUSAL, replyContent, replyText, truncateContent, usage } from './text.js';
import { argumentsFor, mcpCallFor, runBuiltin, toolsToCall } from './tools.js';
import type { BuiltinCall, CompletedCall, ModelOptions, ModelResponse, ReplyPart, Turn } from './types.js';

export * from './types.js';
export { lastUserText, promptText, replyText, splitText, tokens, usage } from './text.js';
export { DEFAULT_MCP_TOOL, mcpOutput } from './tools.js';

/**
 * The simulated model: what it does with a turn. Pure apart from the file ids its tools make
 * (inject `newFileId` for fixed ones): no timers, no HTTP, no store. Tools are called once per
 * turn, so a turn with completed calls always gets a reply.
 */
export function respond(turn: Turn, options: ModelOptions = {}): ModelResponse {
  const newFileId = options.newFileId ?? randomFileId;
  // An expiring turn never gets as far as its tools.
  if (turn.simulate === 'expire') return { kind: 'reply', builtinCalls: [], content: [], ending: { kind: 'expired' }, usage: null };
  let builtinCalls: BuiltinCall[] = [];
  if (turn.completedCalls.length === 0) {
    const { builtins, fn, mcp } = toolsToCall(turn);
    builtinCalls = builtins.map((type) => runBuiltin(type, turn.tools, newFileId));
    if (mcp) return { kind: 'mcp_call', builtinCalls, mcpCall: mcpCallFor(mcp, lastUserText(turn.messages)) };
    if (fn) return { kind: 'function_call', builtinCalls, functionCall: { name: fn.name, arguments: argumentsFor(fn, lastUserText(turn.messages)) } };
  }
  return { kind: 'reply', builtinCalls, ...reply(turn, [...turn.completedCalls, ...builtinCalls]) };
}

function reply(turn: Turn, calls: CompletedCall[]): Pick<Extract<ModelResponse, { kind: 'reply' }>, 'content' | 'ending' | 'usage'> {
  if (turn.simulate === 'fail') return { content: [], ending: { kind: 'failed', code: 'server_error', message: FAILURE_MESSAGE }, usage: null };
  const prompt = promptText(turn);
  if (turn.simulate === 'refusal') return completed([{ type: 'refusal', refusal: REFUSAL }], prompt);
  const content = replyContent(lastUserText(turn.messages), calls);
  if (turn.simulate === 'incomplete') {
    const cut = truncateContent(content);
    return { content: cut, ending: { kind: 'incomplete', reason: 'max_tokens' }, usage: usage(prompt, replyText(cut)) };
  }
  return completed(content, prompt);
}

function completed(content: ReplyPart[], prompt: string): Pick<Extract<ModelResponse, { kind: 'reply' }>, 'content' | 'ending' | 'usage'> {
  return { content, ending: { kind: 'completed' }, usage: usage(prompt, replyText(content)) };
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** File ids use a dash, as OpenAI's do: `file-` + 22 alphanumerics. */
export function randomFileId(): string {
  let out = 'file-';
  for (let i = 0; i < 22; i += 1) out += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
  return out;
}
