/**
 * The wire shapes this server writes, narrowed to what it produces. They follow the normalised spec
 * (src/spec/responses-api.openapi.json); the conformance tests validate every answer and event against
 * it. The generated src/spec/responses-api.d.ts is not used here: its discriminated unions carry
 * invented `type` tags (an openapi-typescript quirk with `discriminator`).
 */

export type ResponseStatus = 'queued' | 'in_progress' | 'completed' | 'failed' | 'incomplete' | 'cancelled';
export const FINAL_STATUSES: ReadonlySet<ResponseStatus> = new Set(['completed', 'failed', 'incomplete', 'cancelled']);

export type Metadata = Record<string, string>;
export type ItemStatus = 'in_progress' | 'completed' | 'incomplete';

export interface Annotation {
  type: 'file_citation' | 'container_file_citation' | 'file_path';
  [field: string]: unknown;
}

export type InputContent =
  | { type: 'input_text'; text: string }
  | { type: 'input_image'; image_url?: string | null; file_id?: string | null; detail: string }
  | { type: 'input_file'; file_id?: string | null; filename?: string; file_data?: string; file_url?: string };

export type OutputContent = { type: 'output_text'; text: string; annotations: Annotation[]; logprobs: unknown[] } | { type: 'refusal'; refusal: string };

export interface MessageItem {
  type: 'message';
  id: string;
  status: ItemStatus;
  role: 'user' | 'assistant' | 'system' | 'developer';
  content: Array<InputContent | OutputContent>;
}

export interface FunctionCallItem {
  type: 'function_call';
  id: string;
  call_id: string;
  name: string;
  arguments: string;
  status: ItemStatus;
}

export interface FunctionCallOutputItem {
  type: 'function_call_output';
  id: string;
  call_id: string;
  output: string | unknown[];
  status: ItemStatus;
}

export interface FileSearchCallItem {
  type: 'file_search_call';
  id: string;
  status: 'in_progress' | 'searching' | 'completed' | 'incomplete' | 'failed';
  queries: string[];
  results: Array<{ file_id: string; filename: string; score: number; text: string; attributes: Record<string, string> }> | null;
}

export interface CodeInterpreterCallItem {
  type: 'code_interpreter_call';
  id: string;
  status: 'in_progress' | 'interpreting' | 'completed' | 'incomplete' | 'failed';
  container_id: string;
  code: string | null;
  outputs: Array<{ type: 'logs'; logs: string } | { type: 'image'; url: string }> | null;
}

/** Everything a conversation or a response's input and output may hold here. */
export type Item = MessageItem | FunctionCallItem | FunctionCallOutputItem | FileSearchCallItem | CodeInterpreterCallItem;
export type OutputItem = MessageItem | FunctionCallItem | FileSearchCallItem | CodeInterpreterCallItem;

export type ResponseTool =
  | { type: 'function'; name: string; description?: string | null; parameters: Record<string, unknown> | null; strict: boolean | null }
  | { type: 'file_search'; vector_store_ids: string[]; max_num_results?: number; ranking_options?: { ranker?: string; score_threshold?: number }; filters?: unknown }
  | { type: 'code_interpreter'; container: string | { type: 'auto'; file_ids?: string[] } };

export type ResponseToolChoice = 'none' | 'auto' | 'required' | { type: 'function'; name: string } | { type: 'file_search' | 'code_interpreter' } | { type: string; [field: string]: unknown };

export interface ResponseObject {
  /** The foundry presentation's: the agent that ran (foundry.ts). */
  agent_reference?: { type: 'agent_reference'; name: string; version?: string };
  id: string;
  object: 'response';
  created_at: number;
  status: ResponseStatus;
  background: boolean;
  completed_at: number | null;
  error: { code: string; message: string } | null;
  incomplete_details: { reason: 'max_output_tokens' | 'content_filter' } | null;
  instructions: string | unknown[] | null;
  max_output_tokens: number | null;
  max_tool_calls: number | null;
  model: string;
  output: OutputItem[];
  parallel_tool_calls: boolean;
  previous_response_id: string | null;
  conversation: { id: string } | null;
  reasoning: { effort: null; summary: null };
  service_tier: 'auto' | 'default';
  store: boolean;
  temperature: number | null;
  text: { format: Record<string, unknown>; verbosity: 'low' | 'medium' | 'high' };
  tool_choice: ResponseToolChoice;
  tools: ResponseTool[];
  top_logprobs: number;
  top_p: number | null;
  truncation: 'auto' | 'disabled';
  usage: ResponseUsage | null;
  metadata: Metadata;
}

export interface ResponseUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number; cache_write_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

export interface Conversation {
  id: string;
  object: 'conversation';
  created_at: number;
  metadata: Metadata;
}

export type { ListPage } from '../embedded/list-query.js';
