import type { BuiltinCall, BuiltinToolType, McpCall, ModelTool, Turn } from './types.js';

export const CODE_INPUT = "import matplotlib.pyplot as plt\nplt.plot([1, 2, 3], [2, 4, 9])\nplt.savefig('/mnt/data/chart.png')\nprint('saved')";
export const CODE_LOGS = 'saved\n';
export const SEARCH_SNIPPET = 'The embedded runs API simulates every run in time, one phase per step.';

type FunctionTool = Extract<ModelTool, { type: 'function' }>;
type McpTool = Extract<ModelTool, { type: 'mcp' }>;

/** The tool the simulated model calls on an MCP server that lists none: every server is assumed to have it. */
export const DEFAULT_MCP_TOOL = 'search';

/**
 * The simulated model is deterministic: with tool choice auto or required it uses every kind of
 * tool the turn has, in the order code interpreter, file search, then the first MCP server, else the first function
 * (one call that waits per turn).
 */
export function toolsToCall(turn: Pick<Turn, 'tools' | 'toolChoice'>): { builtins: BuiltinToolType[]; fn: FunctionTool | undefined; mcp: McpTool | undefined } {
  const choice = turn.toolChoice;
  if (choice === 'none') return { builtins: [], fn: undefined, mcp: undefined };
  const functions = turn.tools.filter((t): t is FunctionTool => t.type === 'function');
  if (typeof choice === 'object') {
    if (choice.type === 'function') return { builtins: [], fn: functions.find((f) => f.name === choice.name), mcp: undefined };
    return { builtins: [choice.type], fn: undefined, mcp: undefined };
  }
  const builtins: BuiltinToolType[] = [];
  if (turn.tools.some((t) => t.type === 'code_interpreter')) builtins.push('code_interpreter');
  if (turn.tools.some((t) => t.type === 'file_search')) builtins.push('file_search');
  const mcp = turn.tools.find((t): t is McpTool => t.type === 'mcp');
  return { builtins, fn: mcp ? undefined : functions[0], mcp };
}

/** The MCP call the model asks for: the server's first allowed tool, with the user's words as the query. */
export function mcpCallFor(tool: McpTool, userText: string): McpCall {
  return { serverLabel: tool.serverLabel, name: tool.allowedTools?.[0] ?? DEFAULT_MCP_TOOL, arguments: JSON.stringify({ query: userText.slice(0, 100) || 'example' }) };
}

/** What a simulated MCP server answers a call with. */
export function mcpOutput(call: McpCall): string {
  return `${call.serverLabel}/${call.name} found 1 result for ${call.arguments}`;
}

/** Runs a built-in tool: code makes one chart, search finds two files. */
export function runBuiltin(type: BuiltinToolType, tools: ModelTool[], newFileId: () => string): BuiltinCall {
  if (type === 'code_interpreter') return { type, input: CODE_INPUT, logs: CODE_LOGS, imageFileId: newFileId() };
  const fileSearch = tools.find((t) => t.type === 'file_search');
  const scoreThreshold = fileSearch?.type === 'file_search' ? (fileSearch.scoreThreshold ?? 0) : 0;
  return {
    type,
    scoreThreshold,
    results: [
      { fileId: newFileId(), fileName: 'demo-notes.md', score: 0.92, text: SEARCH_SNIPPET },
      { fileId: newFileId(), fileName: 'faq.md', score: 0.61, text: 'Runs move through queued, in_progress and completed.' },
    ],
  };
}

/** Arguments a model might pick: the user's words for the first string, the first enum value, small numbers. */
export function argumentsFor(tool: FunctionTool, userText: string): string {
  const properties = (tool.parameters as { properties?: Record<string, { type?: unknown; enum?: unknown[] }> } | undefined)?.properties ?? {};
  const args: Record<string, unknown> = {};
  let usedText = false;
  for (const [name, schema] of Object.entries(properties)) {
    if (Array.isArray(schema.enum) && schema.enum.length > 0) args[name] = schema.enum[0];
    else if (schema.type === 'string') {
      args[name] = usedText ? 'example' : userText.slice(0, 100) || 'example';
      usedText = true;
    } else if (schema.type === 'number' || schema.type === 'integer') args[name] = 1;
    else if (schema.type === 'boolean') args[name] = true;
    else if (schema.type === 'array') args[name] = [];
    else if (schema.type === 'object') args[name] = {};
  }
  return JSON.stringify(args);
}
