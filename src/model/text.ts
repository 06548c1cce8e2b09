import type { Annotation, CompletedCall, ReplyPart, Turn, TurnMessage, Usage } from './types.js';

const CHART_PATH = 'sandbox:/mnt/data/chart.png';
const CITATION = '【4:0†demo-notes.md】';
export const FAILURE_MESSAGE = 'Sorry, something went wrong.';
export const REFUSAL = "I'm sorry, but I can't help with that request.";

/** The last user message's text; an image-only message reads as "(an image)". */
export function lastUserText(messages: TurnMessage[]): string {
  const last = messages.filter((m) => m.role === 'user').at(-1);
  if (!last) return '';
  return last.text.trim() || (last.parts > 0 ? '(an image)' : '');
}

/** The text a reply is counted by: text and refusal parts, joined by spaces. */
export function replyText(content: ReplyPart[]): string {
  return content
    .map((part) => (part.type === 'text' ? part.text : part.type === 'refusal' ? part.refusal : ''))
    .filter(Boolean)
    .join(' ');
}

/** What the prompt is counted by: the instructions and every message. */
export function promptText(turn: Pick<Turn, 'instructions' | 'messages'>): string {
  return [turn.instructions ?? '', ...turn.messages.map((m) => m.text)].join('\n');
}

/** The echo reply, with what the tools returned, a chart link and a citation when those tools ran. */
export function replyContent(userText: string, calls: CompletedCall[]): ReplyPart[] {
  let text = userText ? `You said: ${userText}` : 'Hello! How can I help you today?';
  for (const call of calls) {
    if (call.type === 'function') text += `\nThe ${call.name} tool returned: ${call.output}`;
    if (call.type === 'mcp') text += call.output === null ? `\nThe call to ${call.serverLabel}/${call.name} was not approved, so I answered without it.` : `\nThe ${call.serverLabel}/${call.name} tool returned: ${call.output}`;
  }
  const imageFileId = calls.find((c) => c.type === 'code_interpreter')?.imageFileId;
  const citedFileId = calls.find((c) => c.type === 'file_search')?.results[0]?.fileId;
  const annotations: Annotation[] = [];
  if (imageFileId) {
    text += `\nI ran the code and saved the chart as ${CHART_PATH}.`;
    const start = text.indexOf(CHART_PATH);
    annotations.push({ type: 'file_path', text: CHART_PATH, fileId: imageFileId, start, end: start + CHART_PATH.length });
  }
  if (citedFileId) {
    text += `\nThe notes say each run phase takes one step${CITATION}.`;
    const start = text.indexOf(CITATION);
    annotations.push({ type: 'file_citation', text: CITATION, fileId: citedFileId, start, end: start + CITATION.length });
  }
  const parts: ReplyPart[] = [];
  if (imageFileId) parts.push({ type: 'image', fileId: imageFileId });
  parts.push({ type: 'text', text, annotations });
  return parts;
}

/** Half of each text part, as if the token limit ran out mid-sentence; annotations past the cut go. */
export function truncateContent(content: ReplyPart[]): ReplyPart[] {
  return content.map((part) => {
    if (part.type !== 'text') return part;
    const text = part.text.slice(0, Math.max(1, Math.floor(part.text.length / 2)));
    return { type: 'text', text, annotations: part.annotations.filter((a) => a.end <= text.length) };
  });
}

/** Three or so chunks on word boundaries: enough for clients to see a reply arrive in parts. */
export function splitText(text: string): string[] {
  const words = text.split(/(?<=\s)/);
  const size = Math.max(1, Math.ceil(words.length / 3));
  const chunks: string[] = [];
  for (let i = 0; i < words.length; i += size) chunks.push(words.slice(i, i + size).join(''));
  return chunks.length > 0 ? chunks : [''];
}

/** About four characters a token, at least one for any text. */
export function tokens(text: string): number {
  return text.length === 0 ? 0 : Math.max(1, Math.ceil(text.length / 4));
}

export function usage(prompt: string, completion: string): Usage {
  const promptTokens = tokens(prompt);
  const completionTokens = tokens(completion);
  return { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
}
