import type { Schemas } from '../spec/index.js';

/**
 * GraphQL mutation inputs (camelCase, as Pothos hands them to resolvers) → the wire bodies the upstream takes.
 *
 * The inputs mirror the wire so that validation errors map back by name (see validate.ts): a "one of" on the wire
 * (`{ type: 'function', function: {...} }`) is a `@oneOf` input whose member is named after the wire type
 * (`{ function: {...} }`); members without options are `true` (`{ codeInterpreter: true }`). Enum inputs carry wire
 * values already. Absent fields are left out; an explicit null is sent as null (the API's "default" where allowed,
 * a validation error where not).
 */

type Maybe<T> = T | null | undefined;
type JsonObject = Record<string, unknown>;

export interface FunctionToolInput {
  name: string;
  description?: Maybe<string>;
  parameters?: Maybe<JsonObject>;
  strict?: Maybe<boolean>;
}
export interface FileSearchToolInput {
  maxNumResults?: Maybe<number>;
  rankingOptions?: Maybe<{ ranker?: Maybe<string>; scoreThreshold: number }>;
}
/* Azure AI Foundry's tools (`Azure.AI.Agents` 2025-05-01 ToolDefinition members), sent only where the profile has them. */
export interface McpToolInput {
  serverLabel: string;
  serverUrl: string;
  allowedTools?: Maybe<readonly string[]>;
}
export interface BingSearchConfigurationInput {
  connectionId: string;
  market?: Maybe<string>;
  setLang?: Maybe<string>;
  count?: Maybe<number>;
  freshness?: Maybe<string>;
}
export interface ConnectedAgentToolInput {
  id: string;
  name: string;
  description: string;
}
export interface OpenApiAuthInput {
  anonymous?: Maybe<boolean>;
  connection?: Maybe<{ connectionId: string }>;
  managedIdentity?: Maybe<{ audience: string }>;
}
export interface OpenApiToolInput {
  name: string;
  description?: Maybe<string>;
  spec: JsonObject;
  auth: OpenApiAuthInput;
  defaultParams?: Maybe<readonly string[]>;
}
export interface ToolInput {
  codeInterpreter?: Maybe<boolean>;
  fileSearch?: Maybe<FileSearchToolInput>;
  function?: Maybe<FunctionToolInput>;
  mcp?: Maybe<McpToolInput>;
  azureAiSearch?: Maybe<boolean>;
  bingGrounding?: Maybe<{ searchConfigurations: readonly BingSearchConfigurationInput[] }>;
  connectedAgent?: Maybe<ConnectedAgentToolInput>;
  openapi?: Maybe<OpenApiToolInput>;
}
export interface ToolChoiceInput {
  /** none | auto | required */
  mode?: Maybe<string>;
  function?: Maybe<{ name: string }>;
  codeInterpreter?: Maybe<boolean>;
  fileSearch?: Maybe<boolean>;
}
export interface ResponseFormatInput {
  auto?: Maybe<boolean>;
  text?: Maybe<boolean>;
  jsonObject?: Maybe<boolean>;
  jsonSchema?: Maybe<{ name: string; description?: Maybe<string>; schema?: Maybe<JsonObject>; strict?: Maybe<boolean> }>;
}
export interface TruncationStrategyInput {
  /** auto | last_messages */
  type: string;
  lastMessages?: Maybe<number>;
}
export interface ContentPartInput {
  text?: Maybe<string>;
  imageFile?: Maybe<{ fileId: string; detail?: Maybe<string> }>;
  imageUrl?: Maybe<{ url: string; detail?: Maybe<string> }>;
}
export interface AttachmentInput {
  fileId: string;
  /** code_interpreter | file_search */
  tools: readonly string[];
}
export interface MessageInput {
  /** user | assistant */
  role: string;
  content: readonly ContentPartInput[];
  attachments?: Maybe<readonly AttachmentInput[]>;
  metadata?: Maybe<JsonObject>;
}
/** Azure's `MCPToolResource`: `requireApproval` is one of `mode` (always | never) or per-tool lists. */
export interface McpServerResourcesInput {
  serverLabel: string;
  requireApproval?: Maybe<{ mode?: Maybe<string>; tools?: Maybe<{ always?: Maybe<readonly string[]>; never?: Maybe<readonly string[]> }> }>;
  headers?: Maybe<JsonObject>;
}
export interface AzureAiSearchIndexInput {
  indexConnectionId?: Maybe<string>;
  indexName?: Maybe<string>;
  indexAssetId?: Maybe<string>;
  queryType?: Maybe<string>;
  topK?: Maybe<number>;
  filter?: Maybe<string>;
}
export interface ToolResourcesInput {
  codeInterpreter?: Maybe<{ fileIds?: Maybe<readonly string[]> }>;
  fileSearch?: Maybe<{ vectorStoreIds?: Maybe<readonly string[]> }>;
  mcp?: Maybe<readonly McpServerResourcesInput[]>;
  azureAiSearch?: Maybe<{ indexes: readonly AzureAiSearchIndexInput[] }>;
}
export interface ChunkingStrategyInput {
  auto?: Maybe<boolean>;
  static?: Maybe<{ maxChunkSizeTokens: number; chunkOverlapTokens: number }>;
}
export interface NewThreadToolResourcesInput {
  codeInterpreter?: Maybe<{ fileIds?: Maybe<readonly string[]> }>;
  fileSearch?: Maybe<{
    vectorStoreIds?: Maybe<readonly string[]>;
    vectorStores?: Maybe<ReadonlyArray<{ fileIds?: Maybe<readonly string[]>; chunkingStrategy?: Maybe<ChunkingStrategyInput>; metadata?: Maybe<JsonObject> }>>;
  }>;
}
export interface ThreadInput {
  messages?: Maybe<readonly MessageInput[]>;
  toolResources?: Maybe<NewThreadToolResourcesInput>;
  metadata?: Maybe<JsonObject>;
}

/** The run options createRun and createThreadAndRun share. */
export interface RunOptionsInput {
  model?: Maybe<string>;
  instructions?: Maybe<string>;
  tools?: Maybe<readonly ToolInput[]>;
  metadata?: Maybe<JsonObject>;
  temperature?: Maybe<number>;
  topP?: Maybe<number>;
  maxPromptTokens?: Maybe<number>;
  maxCompletionTokens?: Maybe<number>;
  truncationStrategy?: Maybe<TruncationStrategyInput>;
  toolChoice?: Maybe<ToolChoiceInput>;
  parallelToolCalls?: Maybe<boolean>;
  responseFormat?: Maybe<ResponseFormatInput>;
}
export interface CreateRunFields extends RunOptionsInput {
  assistantId: string;
  /** Foundry only: the OpenAI wire has no tool_resources on a run. */
  toolResources?: Maybe<ToolResourcesInput>;
  reasoningEffort?: Maybe<string>;
  additionalInstructions?: Maybe<string>;
  additionalMessages?: Maybe<readonly MessageInput[]>;
}
export interface CreateThreadAndRunFields extends RunOptionsInput {
  assistantId: string;
  thread?: Maybe<ThreadInput>;
  toolResources?: Maybe<ToolResourcesInput>;
}

/** Copies the fields that are set (null included), leaving out undefined ones. */
function defined<T extends Record<string, unknown>>(fields: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> };
}

const map = <T, U>(list: Maybe<readonly T[]>, fn: (item: T) => U): U[] | null | undefined => (list == null ? (list as null | undefined) : list.map(fn));
const nullable = <T, U>(value: Maybe<T>, fn: (value: T) => U): U | null | undefined => (value == null ? (value as null | undefined) : fn(value));

/**
 * A @oneOf input's member, by name. GraphQL already guarantees exactly one non-null member, so the fallback
 * (an empty object, rejected by the spec validation) is only reached by callers that skip the GraphQL layer.
 */
function member<T extends object>(input: T): [keyof T & string, unknown] | undefined {
  const entries = Object.entries(input).filter(([, value]) => value !== undefined && value !== null);
  return entries.length === 1 ? (entries[0] as [keyof T & string, unknown]) : undefined;
}

export function toolToWire(tool: ToolInput): unknown {
  const [name, value] = member(tool) ?? [];
  switch (name) {
    case 'codeInterpreter':
      return { type: 'code_interpreter' };
    case 'fileSearch': {
      const options = value as FileSearchToolInput;
      const fileSearch = defined({
        max_num_results: options.maxNumResults,
        ranking_options: nullable(options.rankingOptions, (ranking) => defined({ ranker: ranking.ranker, score_threshold: ranking.scoreThreshold })),
      });
      return Object.keys(fileSearch).length > 0 ? { type: 'file_search', file_search: fileSearch } : { type: 'file_search' };
    }
    case 'function': {
      const fn = value as FunctionToolInput;
      return { type: 'function', function: defined({ name: fn.name, description: fn.description, parameters: fn.parameters, strict: fn.strict }) };
    }
    case 'mcp': {
      const mcp = value as McpToolInput;
      return defined({ type: 'mcp', server_label: mcp.serverLabel, server_url: mcp.serverUrl, allowed_tools: mcp.allowedTools });
    }
    case 'azureAiSearch':
      return { type: 'azure_ai_search' };
    case 'bingGrounding': {
      const bing = value as NonNullable<ToolInput['bingGrounding']>;
      const searchConfigurations = bing.searchConfigurations.map((config) =>
        defined({ connection_id: config.connectionId, market: config.market, set_lang: config.setLang, count: config.count, freshness: config.freshness }),
      );
      return { type: 'bing_grounding', bing_grounding: { search_configurations: searchConfigurations } };
    }
    case 'connectedAgent': {
      const agent = value as ConnectedAgentToolInput;
      return { type: 'connected_agent', connected_agent: { id: agent.id, name: agent.name, description: agent.description } };
    }
    case 'openapi': {
      const api = value as OpenApiToolInput;
      return { type: 'openapi', openapi: defined({ name: api.name, description: api.description, spec: api.spec, auth: openApiAuthToWire(api.auth), default_params: api.defaultParams }) };
    }
    default:
      return {};
  }
}

function openApiAuthToWire(auth: OpenApiAuthInput): unknown {
  const [name, value] = member(auth) ?? [];
  switch (name) {
    case 'anonymous':
      return { type: 'anonymous' };
    case 'connection':
      return { type: 'connection', security_scheme: { connection_id: (value as { connectionId: string }).connectionId } };
    case 'managedIdentity':
      return { type: 'managed_identity', security_scheme: { audience: (value as { audience: string }).audience } };
    default:
      return {};
  }
}

function mcpResourcesToWire(resources: McpServerResourcesInput): unknown {
  const approval = resources.requireApproval;
  const rule = nullable(approval, (given) =>
    given.mode != null ? given.mode : nullable(given.tools, (tools) => defined({ always: nullable(tools.always, (names) => ({ tool_names: names })), never: nullable(tools.never, (names) => ({ tool_names: names })) })),
  );
  return defined({ server_label: resources.serverLabel, require_approval: rule, headers: resources.headers });
}

export function toolChoiceToWire(choice: ToolChoiceInput): unknown {
  const [name, value] = member(choice) ?? [];
  switch (name) {
    case 'mode':
      return value;
    case 'function':
      return { type: 'function', function: { name: (value as { name: string }).name } };
    case 'codeInterpreter':
      return { type: 'code_interpreter' };
    case 'fileSearch':
      return { type: 'file_search' };
    default:
      return {};
  }
}

export function responseFormatToWire(format: ResponseFormatInput): unknown {
  const [name, value] = member(format) ?? [];
  switch (name) {
    case 'auto':
      return 'auto';
    case 'text':
      return { type: 'text' };
    case 'jsonObject':
      return { type: 'json_object' };
    case 'jsonSchema': {
      const schema = value as NonNullable<ResponseFormatInput['jsonSchema']>;
      return { type: 'json_schema', json_schema: defined({ name: schema.name, description: schema.description, schema: schema.schema, strict: schema.strict }) };
    }
    default:
      return {};
  }
}

export function contentPartToWire(part: ContentPartInput): unknown {
  const [name, value] = member(part) ?? [];
  switch (name) {
    case 'text':
      return { type: 'text', text: value };
    case 'imageFile': {
      const image = value as NonNullable<ContentPartInput['imageFile']>;
      return { type: 'image_file', image_file: defined({ file_id: image.fileId, detail: image.detail }) };
    }
    case 'imageUrl': {
      const image = value as NonNullable<ContentPartInput['imageUrl']>;
      return { type: 'image_url', image_url: defined({ url: image.url, detail: image.detail }) };
    }
    default:
      return {};
  }
}

export function messageToWire(message: MessageInput): Schemas['CreateMessageRequest'] {
  return defined({
    role: message.role,
    content: message.content.map(contentPartToWire),
    attachments: map(message.attachments, (attachment) => ({ file_id: attachment.fileId, tools: attachment.tools.map((type) => ({ type })) })),
    metadata: message.metadata,
  }) as Schemas['CreateMessageRequest'];
}

export function toolResourcesToWire(resources: ToolResourcesInput): unknown {
  return defined({
    code_interpreter: nullable(resources.codeInterpreter, (ci) => defined({ file_ids: ci.fileIds })),
    file_search: nullable(resources.fileSearch, (fs) => defined({ vector_store_ids: fs.vectorStoreIds })),
    mcp: map(resources.mcp, mcpResourcesToWire),
    azure_ai_search: nullable(resources.azureAiSearch, (search) => ({
      indexes: search.indexes.map((index) =>
        defined({
          index_connection_id: index.indexConnectionId,
          index_name: index.indexName,
          index_asset_id: index.indexAssetId,
          query_type: index.queryType,
          top_k: index.topK,
          filter: index.filter,
        }),
      ),
    })),
  });
}

function chunkingToWire(strategy: ChunkingStrategyInput): unknown {
  const [name, value] = member(strategy) ?? [];
  if (name === 'auto') return { type: 'auto' };
  if (name === 'static') {
    const fixed = value as NonNullable<ChunkingStrategyInput['static']>;
    return { type: 'static', static: { max_chunk_size_tokens: fixed.maxChunkSizeTokens, chunk_overlap_tokens: fixed.chunkOverlapTokens } };
  }
  return {};
}

export function newThreadToolResourcesToWire(resources: NewThreadToolResourcesInput): unknown {
  return defined({
    code_interpreter: nullable(resources.codeInterpreter, (ci) => defined({ file_ids: ci.fileIds })),
    file_search: nullable(resources.fileSearch, (fs) =>
      defined({
        vector_store_ids: fs.vectorStoreIds,
        vector_stores: map(fs.vectorStores, (store) => defined({ file_ids: store.fileIds, chunking_strategy: nullable(store.chunkingStrategy, chunkingToWire), metadata: store.metadata })),
      }),
    ),
  });
}

export function threadToWire(thread: ThreadInput): Schemas['CreateThreadRequest'] {
  return defined({
    messages: map(thread.messages, messageToWire),
    tool_resources: nullable(thread.toolResources, newThreadToolResourcesToWire),
    metadata: thread.metadata,
  }) as Schemas['CreateThreadRequest'];
}

function runOptionsToWire(input: RunOptionsInput) {
  return {
    model: input.model,
    instructions: input.instructions,
    tools: map(input.tools, toolToWire),
    metadata: input.metadata,
    temperature: input.temperature,
    top_p: input.topP,
    max_prompt_tokens: input.maxPromptTokens,
    max_completion_tokens: input.maxCompletionTokens,
    truncation_strategy: nullable(input.truncationStrategy, (truncation) => defined({ type: truncation.type, last_messages: truncation.lastMessages })),
    tool_choice: nullable(input.toolChoice, toolChoiceToWire),
    parallel_tool_calls: input.parallelToolCalls,
    response_format: nullable(input.responseFormat, responseFormatToWire),
  };
}

export function createRunToWire(input: CreateRunFields): Schemas['CreateRunRequest'] {
  return defined({
    assistant_id: input.assistantId,
    reasoning_effort: input.reasoningEffort,
    additional_instructions: input.additionalInstructions,
    additional_messages: map(input.additionalMessages, messageToWire),
    tool_resources: nullable(input.toolResources, toolResourcesToWire),
    ...runOptionsToWire(input),
  }) as Schemas['CreateRunRequest'];
}

export function createThreadAndRunToWire(input: CreateThreadAndRunFields): Schemas['CreateThreadAndRunRequest'] {
  return defined({
    assistant_id: input.assistantId,
    thread: nullable(input.thread, threadToWire),
    tool_resources: nullable(input.toolResources, toolResourcesToWire),
    ...runOptionsToWire(input),
  }) as Schemas['CreateThreadAndRunRequest'];
}
