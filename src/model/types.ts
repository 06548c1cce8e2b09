/**
 * The simulated model's own vocabulary: no wire shapes of either API, so the runs API and the
 * Responses API each map a turn in and a response out with their own words.
 */

/** What `metadata.simulate` can force: see README "Simulated runs". */
export const SIMULATE_VALUES = ['fail', 'incomplete', 'expire', 'refusal'] as const;
export type SimulateRule = (typeof SIMULATE_VALUES)[number];

export interface TurnMessage {
  role: 'user' | 'assistant';
  /** The text of every text (and refusal) part, joined by spaces. */
  text: string;
  /** How many content parts the message has; an image-only message has parts but no text. */
  parts: number;
}

export type ModelTool =
  | { type: 'function'; name: string; /** JSON Schema of the arguments, as the client gave it. */ parameters?: unknown }
  | { type: 'code_interpreter' }
  | { type: 'file_search'; scoreThreshold?: number }
  /** A remote MCP server (Foundry classic): the model asks to call one of its tools, which the wire may gate behind an approval. */
  | { type: 'mcp'; serverLabel: string; allowedTools?: string[] | undefined };

export type BuiltinToolType = 'code_interpreter' | 'file_search';

export type ToolChoice = 'none' | 'auto' | 'required' | { type: 'function'; name: string | undefined } | { type: BuiltinToolType };

/** A built-in tool the model ran, with what it produced (the simulation runs it at once). */
export type BuiltinCall =
  | { type: 'code_interpreter'; input: string; logs: string; imageFileId: string }
  | { type: 'file_search'; scoreThreshold: number; results: FileSearchResult[] };

export interface FileSearchResult {
  fileId: string;
  fileName: string;
  score: number;
  text: string;
}

export interface FunctionCall {
  name: string;
  /** JSON text, as both wires carry it. */
  arguments: string;
}

/** A call the model asks an MCP server for: the tool's name there and its arguments (JSON text). */
export interface McpCall {
  serverLabel: string;
  name: string;
  arguments: string;
}

/**
 * A call already made in this turn: a built-in one with its results, a function with the client's output, or an MCP
 * call with the server's output (`null`: the call was denied and never made).
 */
export type CompletedCall = BuiltinCall | { type: 'function'; name: string; output: string } | { type: 'mcp'; serverLabel: string; name: string; output: string | null };

export interface Turn {
  instructions: string | null;
  /** The conversation so far, oldest first. */
  messages: TurnMessage[];
  tools: ModelTool[];
  toolChoice: ToolChoice;
  simulate: SimulateRule | undefined;
  /** Calls made earlier in this turn (empty when the turn starts). The model calls tools once per turn. */
  completedCalls: CompletedCall[];
}

export type Annotation =
  | { type: 'file_path'; text: string; fileId: string; start: number; end: number }
  | { type: 'file_citation'; text: string; fileId: string; start: number; end: number };

export type ReplyPart =
  | { type: 'text'; text: string; annotations: Annotation[] }
  | { type: 'image'; fileId: string }
  | { type: 'refusal'; refusal: string };

/** How a reply ends. `incomplete` means the output was cut at the token limit. */
export type Ending =
  | { kind: 'completed' }
  | { kind: 'incomplete'; reason: 'max_tokens' }
  | { kind: 'failed'; code: 'server_error'; message: string }
  | { kind: 'expired' };

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/**
 * What the model does with a turn: run built-in tools (in order), then either call a function
 * and wait for its output, ask for an MCP call and wait for it to be made (or denied), or reply. A reply that fails or expires has no content.
 */
export type ModelResponse =
  | { kind: 'function_call'; builtinCalls: BuiltinCall[]; functionCall: FunctionCall }
  | { kind: 'mcp_call'; builtinCalls: BuiltinCall[]; mcpCall: McpCall }
  | { kind: 'reply'; builtinCalls: BuiltinCall[]; content: ReplyPart[]; ending: Ending; usage: Usage | null };

export interface ModelOptions {
  /** Ids for the files built-in tools make (a chart, a cited file); random `file-…` ids by default. */
  newFileId?: () => string;
}
