import { SIMULATE_VALUES, type CompletedCall, type ModelTool, type ReplyPart, type SimulateRule, type ToolChoice, type Turn } from '../../../model/index.js';
import type { MessageContent, Run, Tool } from '../../types.js';
import type { Store } from './store.js';

/** Translations between the runs wire and the simulated model's own words. */

/** The model's view of a run: its settings and the thread's messages as they stand. */
export function turnOf(store: Store, run: Run, completedCalls: CompletedCall[]): Turn {
  const simulate = run.metadata?.['simulate'];
  return {
    instructions: run.instructions,
    messages: store.messagesOf(run.thread_id).map((m) => ({ role: m.role, text: contentText(m.content), parts: m.content.length })),
    tools: run.tools.map(modelTool),
    toolChoice: modelToolChoice(run.tool_choice),
    simulate: (SIMULATE_VALUES as readonly string[]).includes(simulate ?? '') ? (simulate as SimulateRule) : undefined,
    completedCalls,
  };
}

function modelTool(tool: Tool): ModelTool {
  // Foundry classic's MCP tool is not in the OpenAI spec's union; the wire lets it through only on that profile.
  const mcp = tool as unknown as { type: string; server_label?: string; allowed_tools?: string[] };
  if (mcp.type === 'mcp') return { type: 'mcp', serverLabel: mcp.server_label ?? '', allowedTools: mcp.allowed_tools };
  if (tool.type === 'function') return { type: 'function', name: tool.function.name, parameters: tool.function.parameters };
  if (tool.type === 'code_interpreter') return { type: 'code_interpreter' };
  const threshold = tool.file_search?.ranking_options?.score_threshold;
  return threshold === undefined ? { type: 'file_search' } : { type: 'file_search', scoreThreshold: threshold };
}

function modelToolChoice(choice: Run['tool_choice']): ToolChoice {
  if (choice === null || choice === undefined) return 'auto';
  if (typeof choice === 'string') return choice;
  if (choice.type === 'function') return { type: 'function', name: choice.function?.name };
  return { type: choice.type };
}

export function contentText(content: MessageContent[]): string {
  return content
    .map((part) => (part.type === 'text' ? part.text.value : part.type === 'refusal' ? part.refusal : ''))
    .filter(Boolean)
    .join(' ');
}

export function wireContent(content: ReplyPart[]): MessageContent[] {
  return content.map((part): MessageContent => {
    if (part.type === 'image') return { type: 'image_file', image_file: { file_id: part.fileId, detail: 'auto' } };
    if (part.type === 'refusal') return { type: 'refusal', refusal: part.refusal };
    const annotations = part.annotations.map((a) =>
      a.type === 'file_path'
        ? { type: 'file_path' as const, text: a.text, file_path: { file_id: a.fileId }, start_index: a.start, end_index: a.end }
        : { type: 'file_citation' as const, text: a.text, file_citation: { file_id: a.fileId }, start_index: a.start, end_index: a.end },
    );
    return { type: 'text', text: { value: part.text, annotations } };
  });
}

