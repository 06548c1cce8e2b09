/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
/** A file attached to the message, and the tools it is added to. */
export type AttachmentInput = {
  /** The ID of the file to attach to the message. */
  fileId: string;
  /** The tools to add this file to. */
  tools: Array<AttachmentToolInput>;
};

/** A tool the attached file is added to. */
export type AttachmentToolInput =
  /** Wire value `code_interpreter`. */
  | 'CODE_INTERPRETER'
  /** Wire value `file_search`. */
  | 'FILE_SEARCH';

/** The index the azure_ai_search tool searches: a project connection and an index name, or an index asset. */
export type AzureAiSearchIndexInput = {
  /** An OData filter applied to the search. */
  filter?: string | null | undefined;
  /** The index as a project asset, instead of a connection and a name. */
  indexAssetId?: string | null | undefined;
  /** The project connection to the search service (with indexName). */
  indexConnectionId?: string | null | undefined;
  /** The index on that service (with indexConnectionId). */
  indexName?: string | null | undefined;
  /** How the index is queried. */
  queryType?: AzureAiSearchQueryTypeInput | null | undefined;
  /** How many documents to retrieve (at least 1). */
  topK?: number | null | undefined;
};

/** How Azure AI Search queries the index (`AzureAISearchQueryType`). */
export type AzureAiSearchQueryTypeInput =
  /** Wire value `semantic`. */
  | 'SEMANTIC'
  /** Wire value `simple`. */
  | 'SIMPLE'
  /** Wire value `vector`. */
  | 'VECTOR'
  /** Wire value `vector_semantic_hybrid`. */
  | 'VECTOR_SEMANTIC_HYBRID'
  /** Wire value `vector_simple_hybrid`. */
  | 'VECTOR_SIMPLE_HYBRID';

/** Resources of the azure_ai_search tool (Azure's `AzureAISearchToolResource`). (Azure AI Foundry Agent Service; not in the OpenAI spec: where the profile lacks the `foundry_tools` capability it is refused, unsent, with UPSTREAM_UNSUPPORTED.) */
export type AzureAiSearchResourcesInput = {
  /** The index it searches (exactly one, as Azure allows). */
  indexes: Array<AzureAiSearchIndexInput>;
};

/** Grounding with Bing Search. (Azure AI Foundry Agent Service; not in the OpenAI spec: where the profile lacks the `foundry_tools` capability it is refused, unsent, with UPSTREAM_UNSUPPORTED.) */
export type BingGroundingToolInput = {
  /** The search it may make (exactly one, as Azure allows). */
  searchConfigurations: Array<BingSearchConfigurationInput>;
};

/** One Bing search the tool may make: the Grounding with Bing Search connection and its options. */
export type BingSearchConfigurationInput = {
  /** The project connection to the Bing resource. */
  connectionId: string;
  /** How many results to return. */
  count?: number | null | undefined;
  /** How recent results must be (`Day`, `Week`, `Month` or a date range). */
  freshness?: string | null | undefined;
  /** The market results come from (e.g. `en-US`). */
  market?: string | null | undefined;
  /** The language of the user interface strings. */
  setLang?: string | null | undefined;
};

/** The chunking strategy used to chunk the files: exactly one of `auto: true` or `static: {…}`. */
export type ChunkingStrategyInput =
  {   /** The default strategy (`true`): 800-token chunks overlapping by 400. */
  auto: boolean; static?: never; }
  |  { auto?: never;   /** Fixed chunk sizes. */
  static: StaticChunkingInput; };

/** Files made available to the code interpreter tool. */
export type CodeInterpreterResourcesInput = {
  /** A list of [file](/docs/api-reference/files) IDs made available to the `code_interpreter` tool. There can be a maximum of 20 files associated with the tool. */
  fileIds?: Array<string> | null | undefined;
};

/** Another agent (assistant) the model may hand work to. (Azure AI Foundry Agent Service; not in the OpenAI spec: where the profile lacks the `foundry_tools` capability it is refused, unsent, with UPSTREAM_UNSUPPORTED.) */
export type ConnectedAgentToolInput = {
  /** What it does, for the model to decide when to call it. */
  description: string;
  /** The upstream id of the agent (an assistant id). */
  id: string;
  /** The name the model calls it by (a-z, A-Z, 0-9, `_`, `-`; at most 64). */
  name: string;
};

/** Create a run. Every field of the upstream create-run request (`stream` excepted: follow a run with the subscription instead). */
export type CreateRunInput = {
  /** Appends additional instructions at the end of the instructions for the run. This is useful for modifying the behavior on a per-run basis without overriding other instructions. */
  additionalInstructions?: string | null | undefined;
  /** Adds additional messages to the thread before creating the run. */
  additionalMessages?: Array<MessageInput> | null | undefined;
  /** The ID of the [assistant](/docs/api-reference/assistants) to use to execute this run. `asst_…` or an Assistant global id. */
  assistantId: string | number;
  /** Echoed back in the payload (Relay). */
  clientMutationId?: string | null | undefined;
  /** Makes the mutation safe to repeat: a repeat with the same key (within IDEMPOTENCY_TTL_MS, 24 h by default) returns the first result without a second upstream write, also while the first is still running. The same key with a different input is a BAD_USER_INPUT error. If the first attempt failed with UPSTREAM_UNAVAILABLE (the write may or may not have happened), repeats get that error too: check the thread, then retry with a new key. 1–255 printable ASCII characters. */
  idempotencyKey?: string | null | undefined;
  /**
   * A list of additional fields to include in the response. Currently the only supported value is `step_details.tool_calls[*].file_search.results[*].content` to fetch the file search result content.
   *
   * See the [file search tool documentation](/docs/assistants/tools/file-search#customizing-file-search-settings) for more information.
   */
  include?: Array<RunStepInclude> | null | undefined;
  /** Overrides the [instructions](/docs/api-reference/assistants/createAssistant) of the assistant. This is useful for modifying the behavior on a per-run basis. */
  instructions?: string | null | undefined;
  /**
   * The maximum number of completion tokens that may be used over the course of the run. The run will make a best effort to use only the number of completion tokens specified, across multiple turns of the run. If the run exceeds the number of completion tokens specified, the run will end with status `incomplete`. See `incomplete_details` for more info.
   *
   * At least 256.
   */
  maxCompletionTokens?: number | null | undefined;
  /**
   * The maximum number of prompt tokens that may be used over the course of the run. The run will make a best effort to use only the number of prompt tokens specified, across multiple turns of the run. If the run exceeds the number of prompt tokens specified, the run will end with status `incomplete`. See `incomplete_details` for more info.
   *
   * At least 256.
   */
  maxPromptTokens?: number | null | undefined;
  /**
   * Set of 16 key-value pairs that can be attached to an object. This can be
   * useful for storing additional information about the object in a structured
   * format, and querying for objects via API or the dashboard.
   *
   * Keys are strings with a maximum length of 64 characters. Values are strings
   * with a maximum length of 512 characters.
   */
  metadata?: Record<string, unknown> | null | undefined;
  /** The ID of the [Model](/docs/api-reference/models) to be used to execute this run. If a value is provided here, it will override the model associated with the assistant. If not, the model associated with the assistant will be used. */
  model?: string | null | undefined;
  /** Whether to enable [parallel function calling](/docs/guides/function-calling#configuring-parallel-function-calling) during tool use. */
  parallelToolCalls?: boolean | null | undefined;
  /**
   * Constrains effort on reasoning for reasoning models. Currently supported
   * values are `none`, `minimal`, `low`, `medium`, `high`, `xhigh`, and `max`.
   * Reducing reasoning effort can result in faster responses and fewer tokens
   * used on reasoning in a response. Not all reasoning models support every
   * value. See the
   * [reasoning guide](https://platform.openai.com/docs/guides/reasoning)
   * for model-specific support.
   */
  reasoningEffort?: ReasoningEffortInput | null | undefined;
  /**
   * Specifies the format that the model must output. Compatible with [GPT-4o](/docs/models#gpt-4o), [GPT-4 Turbo](/docs/models#gpt-4-turbo-and-gpt-4), and all GPT-3.5 Turbo models since `gpt-3.5-turbo-1106`.
   *
   * Setting to `{ "type": "json_schema", "json_schema": {...} }` enables Structured Outputs which ensures the model will match your supplied JSON schema. Learn more in the [Structured Outputs guide](/docs/guides/structured-outputs).
   *
   * Setting to `{ "type": "json_object" }` enables JSON mode, which ensures the message the model generates is valid JSON.
   *
   * **Important:** when using JSON mode, you **must** also instruct the model to produce JSON yourself via a system or user message. Without this, the model may generate an unending stream of whitespace until the generation reaches the token limit, resulting in a long-running and seemingly "stuck" request. Also note that the message content may be partially cut off if `finish_reason="length"`, which indicates the generation exceeded `max_tokens` or the conversation exceeded the max context length.
   */
  responseFormat?: ResponseFormatInput | null | undefined;
  /**
   * What sampling temperature to use, between 0 and 2. Higher values like 0.8 will make the output more random, while lower values like 0.2 will make it more focused and deterministic.
   *
   * From 0 to 2.
   */
  temperature?: number | null | undefined;
  /** The thread to run: `thread_…` or a Thread global id. */
  threadId: string | number;
  /**
   * Controls which (if any) tool is called by the model.
   * `none` means the model will not call any tools and instead generates a message.
   * `auto` is the default value and means the model can pick between generating a message or calling one or more tools.
   * `required` means the model must call one or more tools before responding to the user.
   * Specifying a particular tool like `{"type": "file_search"}` or `{"type": "function", "function": {"name": "my_function"}}` forces the model to call that tool.
   */
  toolChoice?: ToolChoiceInput | null | undefined;
  /** The run's own tool resources (Azure's `tool_resources` on create-run, e.g. `mcp` approvals and headers). Azure AI Foundry only: the OpenAI wire has none, so where the profile lacks the `foundry_tools` capability it is refused, unsent, with UPSTREAM_UNSUPPORTED. */
  toolResources?: ToolResourcesInput | null | undefined;
  /**
   * Override the tools the assistant can use for this run. This is useful for modifying the behavior on a per-run basis.
   *
   * At most 20.
   */
  tools?: Array<ToolInput> | null | undefined;
  /**
   * An alternative to sampling with temperature, called nucleus sampling, where the model considers the results of the tokens with top_p probability mass. So 0.1 means only the tokens comprising the top 10% probability mass are considered.
   *
   * We generally recommend altering this or temperature but not both.
   *
   * From 0 to 1.
   */
  topP?: number | null | undefined;
  /** Controls for how a thread will be truncated prior to the run. Use this to control the initial context window of the run. */
  truncationStrategy?: TruncationStrategyInput | null | undefined;
};

/** Create a thread and run it in one request. Only the fields of the upstream create-thread-and-run request (`stream` excepted). */
export type CreateThreadAndRunInput = {
  /** The ID of the [assistant](/docs/api-reference/assistants) to use to execute this run. `asst_…` or an Assistant global id. */
  assistantId: string | number;
  /** Echoed back in the payload (Relay). */
  clientMutationId?: string | null | undefined;
  /** Makes the mutation safe to repeat: a repeat with the same key (within IDEMPOTENCY_TTL_MS, 24 h by default) returns the first result without a second upstream write, also while the first is still running. The same key with a different input is a BAD_USER_INPUT error. If the first attempt failed with UPSTREAM_UNAVAILABLE (the write may or may not have happened), repeats get that error too: check the thread, then retry with a new key. 1–255 printable ASCII characters. */
  idempotencyKey?: string | null | undefined;
  /** Override the default system message of the assistant. This is useful for modifying the behavior on a per-run basis. */
  instructions?: string | null | undefined;
  /**
   * The maximum number of completion tokens that may be used over the course of the run. The run will make a best effort to use only the number of completion tokens specified, across multiple turns of the run. If the run exceeds the number of completion tokens specified, the run will end with status `incomplete`. See `incomplete_details` for more info.
   *
   * At least 256.
   */
  maxCompletionTokens?: number | null | undefined;
  /**
   * The maximum number of prompt tokens that may be used over the course of the run. The run will make a best effort to use only the number of prompt tokens specified, across multiple turns of the run. If the run exceeds the number of prompt tokens specified, the run will end with status `incomplete`. See `incomplete_details` for more info.
   *
   * At least 256.
   */
  maxPromptTokens?: number | null | undefined;
  /**
   * Set of 16 key-value pairs that can be attached to an object. This can be
   * useful for storing additional information about the object in a structured
   * format, and querying for objects via API or the dashboard.
   *
   * Keys are strings with a maximum length of 64 characters. Values are strings
   * with a maximum length of 512 characters.
   */
  metadata?: Record<string, unknown> | null | undefined;
  /** The ID of the [Model](/docs/api-reference/models) to be used to execute this run. If a value is provided here, it will override the model associated with the assistant. If not, the model associated with the assistant will be used. */
  model?: string | null | undefined;
  /** Whether to enable [parallel function calling](/docs/guides/function-calling#configuring-parallel-function-calling) during tool use. */
  parallelToolCalls?: boolean | null | undefined;
  /**
   * Specifies the format that the model must output. Compatible with [GPT-4o](/docs/models#gpt-4o), [GPT-4 Turbo](/docs/models#gpt-4-turbo-and-gpt-4), and all GPT-3.5 Turbo models since `gpt-3.5-turbo-1106`.
   *
   * Setting to `{ "type": "json_schema", "json_schema": {...} }` enables Structured Outputs which ensures the model will match your supplied JSON schema. Learn more in the [Structured Outputs guide](/docs/guides/structured-outputs).
   *
   * Setting to `{ "type": "json_object" }` enables JSON mode, which ensures the message the model generates is valid JSON.
   *
   * **Important:** when using JSON mode, you **must** also instruct the model to produce JSON yourself via a system or user message. Without this, the model may generate an unending stream of whitespace until the generation reaches the token limit, resulting in a long-running and seemingly "stuck" request. Also note that the message content may be partially cut off if `finish_reason="length"`, which indicates the generation exceeded `max_tokens` or the conversation exceeded the max context length.
   */
  responseFormat?: ResponseFormatInput | null | undefined;
  /**
   * What sampling temperature to use, between 0 and 2. Higher values like 0.8 will make the output more random, while lower values like 0.2 will make it more focused and deterministic.
   *
   * From 0 to 2.
   */
  temperature?: number | null | undefined;
  /** The thread to create, with its first messages. Without it an empty thread is created. */
  thread?: NewThreadInput | null | undefined;
  /**
   * Controls which (if any) tool is called by the model.
   * `none` means the model will not call any tools and instead generates a message.
   * `auto` is the default value and means the model can pick between generating a message or calling one or more tools.
   * `required` means the model must call one or more tools before responding to the user.
   * Specifying a particular tool like `{"type": "file_search"}` or `{"type": "function", "function": {"name": "my_function"}}` forces the model to call that tool.
   */
  toolChoice?: ToolChoiceInput | null | undefined;
  /** A set of resources that are used by the assistant's tools. The resources are specific to the type of tool. For example, the `code_interpreter` tool requires a list of file IDs, while the `file_search` tool requires a list of vector store IDs. */
  toolResources?: ToolResourcesInput | null | undefined;
  /**
   * Override the tools the assistant can use for this run. This is useful for modifying the behavior on a per-run basis.
   *
   * At most 20.
   */
  tools?: Array<ToolInput> | null | undefined;
  /**
   * An alternative to sampling with temperature, called nucleus sampling, where the model considers the results of the tokens with top_p probability mass. So 0.1 means only the tokens comprising the top 10% probability mass are considered.
   *
   * We generally recommend altering this or temperature but not both.
   *
   * From 0 to 1.
   */
  topP?: number | null | undefined;
  /** Controls for how a thread will be truncated prior to the run. Use this to control the initial context window of the run. */
  truncationStrategy?: TruncationStrategyInput | null | undefined;
};

/** The ranker to use for the file search. If not specified will use the `auto` ranker. */
export type FileSearchRankerInput =
  /** Wire value `auto`. */
  | 'AUTO'
  /** Wire value `default_2024_08_21`. */
  | 'DEFAULT_2024_08_21';

/**
 * The ranking options for the file search. If not specified, the file search tool will use the `auto` ranker and a score_threshold of 0.
 *
 * See the [file search tool documentation](/docs/assistants/tools/file-search#customizing-file-search-settings) for more information.
 */
export type FileSearchRankingOptionsInput = {
  /** The ranker to use for the file search. If not specified will use the `auto` ranker. */
  ranker?: FileSearchRankerInput | null | undefined;
  /** The score threshold for the file search. All values must be a floating point number between 0 and 1. */
  scoreThreshold: number;
};

/** The vector store used by the file search tool. */
export type FileSearchResourcesInput = {
  /** The [vector store](/docs/api-reference/vector-stores/object) attached to this thread. There can be a maximum of 1 vector store attached to the thread. */
  vectorStoreIds?: Array<string> | null | undefined;
};

/**
 * Overrides for the file search tool.
 *
 * Give `{}` for the defaults.
 */
export type FileSearchToolInput = {
  /**
   * The maximum number of results the file search tool should output. The default is 20 for `gpt-4*` models and 5 for `gpt-3.5-turbo`. This number should be between 1 and 50 inclusive.
   *
   * Note that the file search tool may output fewer than `max_num_results` results. See the [file search tool documentation](/docs/assistants/tools/file-search#customizing-file-search-settings) for more information.
   */
  maxNumResults?: number | null | undefined;
  /**
   * The ranking options for the file search. If not specified, the file search tool will use the `auto` ranker and a score_threshold of 0.
   *
   * See the [file search tool documentation](/docs/assistants/tools/file-search#customizing-file-search-settings) for more information.
   */
  rankingOptions?: FileSearchRankingOptionsInput | null | undefined;
};

/** A function the model may call. */
export type FunctionToolInput = {
  /** A description of what the function does, used by the model to choose when and how to call the function. */
  description?: string | null | undefined;
  /** The name of the function to be called. Must be a-z, A-Z, 0-9, or contain underscores and dashes, with a maximum length of 64. */
  name: string;
  /**
   * The parameters the functions accepts, described as a JSON Schema object. See the [guide](/docs/guides/function-calling) for examples, and the [JSON Schema reference](https://json-schema.org/understanding-json-schema/) for documentation about the format.
   *
   * Omitting `parameters` defines a function with an empty parameter list.
   */
  parameters?: Record<string, unknown> | null | undefined;
  /** Whether to enable strict schema adherence when generating the function call. If set to true, the model will follow the exact schema defined in the `parameters` field. Only a subset of JSON Schema is supported when `strict` is `true`. Learn more about Structured Outputs in the [function calling guide](/docs/guides/function-calling). */
  strict?: boolean | null | undefined;
};

/** Specifies the detail level of the image if specified by the user. `low` uses fewer tokens, you can opt in to high resolution using `high`. */
export type ImageDetailInput =
  /** Wire value `auto`. */
  | 'AUTO'
  /** Wire value `high`. */
  | 'HIGH'
  /** Wire value `low`. */
  | 'LOW';

/** An uploaded image file, by its file id. */
export type ImageFileInput = {
  /** Specifies the detail level of the image if specified by the user. `low` uses fewer tokens, you can opt in to high resolution using `high`. */
  detail?: ImageDetailInput | null | undefined;
  /** The [File](/docs/api-reference/files) ID of the image in the message content. Set `purpose="vision"` when uploading the File if you need to later display the file content. */
  fileId: string;
};

/** An image on the web, by its URL. */
export type ImageUrlInput = {
  /** Specifies the detail level of the image. `low` uses fewer tokens, you can opt in to high resolution using `high`. Default value is `auto` */
  detail?: ImageDetailInput | null | undefined;
  /** The external URL of the image, must be a supported image types: jpeg, jpg, png, gif, webp. */
  url: string;
};

/** Structured Outputs configuration options, including a JSON Schema. */
export type JsonSchemaFormatInput = {
  /**
   * A description of what the response format is for, used by the model to
   * determine how to respond in the format.
   */
  description?: string | null | undefined;
  /**
   * The name of the response format. Must be a-z, A-Z, 0-9, or contain
   * underscores and dashes, with a maximum length of 64.
   */
  name: string;
  /**
   * The schema for the response format, described as a JSON Schema object.
   * Learn how to build JSON schemas [here](https://json-schema.org/).
   */
  schema?: Record<string, unknown> | null | undefined;
  /**
   * Whether to enable strict schema adherence when generating the output.
   * If set to true, the model will always follow the exact schema defined
   * in the `schema` field. Only a subset of JSON Schema is supported when
   * `strict` is `true`. To learn more, read the [Structured Outputs
   * guide](/docs/guides/structured-outputs).
   */
  strict?: boolean | null | undefined;
};

/** Which calls of an MCP server wait for approval: exactly one of `mode` (every call or none) or `tools` (per tool). */
export type McpApprovalInput =
  {   /** Every call (`ALWAYS`) or none (`NEVER`). */
  mode: McpApprovalModeInput; tools?: never; }
  |  { mode?: never;   /** Per tool. */
  tools: McpApprovalToolsInput; };

/** Whether every call of the server waits for approval (`always`, the default) or none does (`never`). */
export type McpApprovalModeInput =
  /** Wire value `always`. */
  | 'ALWAYS'
  /** Wire value `never`. */
  | 'NEVER';

/** Per tool: the tools named under `always` wait for approval, those under `never` do not (the rest: always). */
export type McpApprovalToolsInput = {
  /** Tools whose calls wait for approval. */
  always?: Array<string> | null | undefined;
  /** Tools whose calls do not. */
  never?: Array<string> | null | undefined;
};

/** Per-server settings of an MCP tool (Azure's `MCPToolResource`). (Azure AI Foundry Agent Service; not in the OpenAI spec: where the profile lacks the `foundry_tools` capability it is refused, unsent, with UPSTREAM_UNSUPPORTED.) */
export type McpServerResourcesInput = {
  /** HTTP headers sent to the server with each call (e.g. its credentials): names and one-line string values. Never read back: McpServerResources has no headers. */
  headers?: Record<string, unknown> | null | undefined;
  /** Which calls wait for approval (left out: all of them). */
  requireApproval?: McpApprovalInput | null | undefined;
  /** The server (McpToolInput.serverLabel). */
  serverLabel: string;
};

/** A Model Context Protocol server the upstream calls (`{ type: "mcp", server_label, server_url, allowed_tools }`); its calls wait for approval unless `toolResources.mcp` says otherwise. (Azure AI Foundry Agent Service; not in the OpenAI spec: where the profile lacks the `foundry_tools` capability it is refused, unsent, with UPSTREAM_UNSUPPORTED.) */
export type McpToolInput = {
  /** The server's tools the model may call; left out: all of them. */
  allowedTools?: Array<string> | null | undefined;
  /** The label of the server (letters, digits, `_`, `-`; at most 64), as in its tool calls and tool resources. */
  serverLabel: string;
  /** The http(s) URL of the server. */
  serverUrl: string;
};

/** One content part: exactly one of `text`, `imageFile` or `imageUrl`. (A plain text message is `[{ text: "…" }]`.) */
export type MessageContentPartInput =
  {   /** References an image [File](/docs/api-reference/files) in the content of a message. */
  imageFile: ImageFileInput; imageUrl?: never; text?: never; }
  |  { imageFile?: never;   /** References an image URL in the content of a message. */
  imageUrl: ImageUrlInput; text?: never; }
  |  { imageFile?: never; imageUrl?: never;   /** Text content to be sent to the model */
  text: string; };

/** A message to add to a thread. */
export type MessageInput = {
  /** A list of files attached to the message, and the tools they should be added to. */
  attachments?: Array<AttachmentInput> | null | undefined;
  /** The content parts of the message (at least one). */
  content: Array<MessageContentPartInput>;
  /**
   * Set of 16 key-value pairs that can be attached to an object. This can be
   * useful for storing additional information about the object in a structured
   * format, and querying for objects via API or the dashboard.
   *
   * Keys are strings with a maximum length of 64 characters. Values are strings
   * with a maximum length of 512 characters.
   */
  metadata?: Record<string, unknown> | null | undefined;
  /**
   * The role of the entity that is creating the message. Allowed values include:
   * - `user`: Indicates the message is sent by an actual user and should be used in most cases to represent user-generated messages.
   * - `assistant`: Indicates the message is generated by the assistant. Use this value to insert messages from the assistant into the conversation.
   */
  role: MessageRoleInput;
};

/**
 * The entity that produced the message. One of `user` or `assistant`.
 *
 * UNKNOWN: the upstream sent a value this version of the gateway does not know (a newer API). The rest of the object is still returned, rather than failing the whole result.
 */
export type MessageRole =
  /** Wire value `assistant`. */
  | 'ASSISTANT'
  /** UNKNOWN: the upstream sent a value this version of the gateway does not know (a newer API). The rest of the object is still returned, rather than failing the whole result. */
  | 'UNKNOWN'
  /** Wire value `user`. */
  | 'USER';

/**
 * The role of the entity that is creating the message. Allowed values include:
 * - `user`: Indicates the message is sent by an actual user and should be used in most cases to represent user-generated messages.
 * - `assistant`: Indicates the message is generated by the assistant. Use this value to insert messages from the assistant into the conversation.
 */
export type MessageRoleInput =
  /** Wire value `assistant`. */
  | 'ASSISTANT'
  /** Wire value `user`. */
  | 'USER';

/** The function the model must call. */
export type NamedFunctionInput = {
  /** The name of the function to call. */
  name: string;
};

/** The vector store of the new thread: an existing one (`vectorStoreIds`) or one created from files (`vectorStores`). */
export type NewThreadFileSearchResourcesInput = {
  /** The [vector store](/docs/api-reference/vector-stores/object) attached to this thread. There can be a maximum of 1 vector store attached to the thread. */
  vectorStoreIds?: Array<string> | null | undefined;
  /** A helper to create a [vector store](/docs/api-reference/vector-stores/object) with file_ids and attach it to this thread. There can be a maximum of 1 vector store attached to the thread. */
  vectorStores?: Array<NewVectorStoreInput> | null | undefined;
};

/**
 * Options to create a new thread. If no thread is provided when running a
 * request, an empty thread will be created.
 */
export type NewThreadInput = {
  /** A list of [messages](/docs/api-reference/messages) to start the thread with. */
  messages?: Array<MessageInput> | null | undefined;
  /**
   * Set of 16 key-value pairs that can be attached to an object. This can be
   * useful for storing additional information about the object in a structured
   * format, and querying for objects via API or the dashboard.
   *
   * Keys are strings with a maximum length of 64 characters. Values are strings
   * with a maximum length of 512 characters.
   */
  metadata?: Record<string, unknown> | null | undefined;
  /** A set of resources that are made available to the assistant's tools in this thread. The resources are specific to the type of tool. For example, the `code_interpreter` tool requires a list of file IDs, while the `file_search` tool requires a list of vector store IDs. */
  toolResources?: NewThreadToolResourcesInput | null | undefined;
};

/** A set of resources that are made available to the assistant's tools in this thread. The resources are specific to the type of tool. For example, the `code_interpreter` tool requires a list of file IDs, while the `file_search` tool requires a list of vector store IDs. */
export type NewThreadToolResourcesInput = {
  codeInterpreter?: CodeInterpreterResourcesInput | null | undefined;
  fileSearch?: NewThreadFileSearchResourcesInput | null | undefined;
};

/** A vector store created with the thread from these files. */
export type NewVectorStoreInput = {
  chunkingStrategy?: ChunkingStrategyInput | null | undefined;
  /** The files to add to the vector store. */
  fileIds?: Array<string> | null | undefined;
  /**
   * Set of 16 key-value pairs that can be attached to an object. This can be
   * useful for storing additional information about the object in a structured
   * format, and querying for objects via API or the dashboard.
   *
   * Keys are strings with a maximum length of 64 characters. Values are strings
   * with a maximum length of 512 characters.
   */
  metadata?: Record<string, unknown> | null | undefined;
};

/** How the upstream authenticates to the API: exactly one of `anonymous: true`, `connection: {…}` or `managedIdentity: {…}`. */
export type OpenApiAuthInput =
  {   /** No authentication (`true`). */
  anonymous: boolean; connection?: never; managedIdentity?: never; }
  |  { anonymous?: never;   /** A project connection holds the credentials. */
  connection: OpenApiConnectionAuthInput; managedIdentity?: never; }
  |  { anonymous?: never; connection?: never;   /** The project's managed identity. */
  managedIdentity: OpenApiManagedIdentityAuthInput; };

/** Credentials kept in a project connection. */
export type OpenApiConnectionAuthInput = {
  /** The project connection that holds them. */
  connectionId: string;
};

/** The project's managed identity, for an audience. */
export type OpenApiManagedIdentityAuthInput = {
  /** The audience (scope) of the token. */
  audience: string;
};

/** An API described by an OpenAPI document, called by the upstream. (Azure AI Foundry Agent Service; not in the OpenAI spec: where the profile lacks the `foundry_tools` capability it is refused, unsent, with UPSTREAM_UNSUPPORTED.) */
export type OpenApiToolInput = {
  /** How the upstream authenticates to the API. */
  auth: OpenApiAuthInput;
  /** Parameters the upstream fills in with their defaults (`default_params`). */
  defaultParams?: Array<string> | null | undefined;
  /** What it does, for the model to decide when to call it. */
  description?: string | null | undefined;
  /** The name the model calls it by (a-z, A-Z, 0-9, `_`, `-`; at most 64). */
  name: string;
  /** The OpenAPI document. */
  spec: Record<string, unknown>;
};

/**
 * Constrains effort on reasoning for reasoning models. Currently supported
 * values are `none`, `minimal`, `low`, `medium`, `high`, `xhigh`, and `max`.
 * Reducing reasoning effort can result in faster responses and fewer tokens
 * used on reasoning in a response. Not all reasoning models support every
 * value. See the
 * [reasoning guide](https://platform.openai.com/docs/guides/reasoning)
 * for model-specific support.
 */
export type ReasoningEffortInput =
  /** Wire value `high`. */
  | 'HIGH'
  /** Wire value `low`. */
  | 'LOW'
  /** Wire value `max`. */
  | 'MAX'
  /** Wire value `medium`. */
  | 'MEDIUM'
  /** Wire value `minimal`. */
  | 'MINIMAL'
  /** Wire value `none`. */
  | 'NONE'
  /** Wire value `xhigh`. */
  | 'XHIGH';

/**
 * Specifies the format that the model must output. Compatible with [GPT-4o](/docs/models#gpt-4o), [GPT-4 Turbo](/docs/models#gpt-4-turbo-and-gpt-4), and all GPT-3.5 Turbo models since `gpt-3.5-turbo-1106`.
 *
 * Setting to `{ "type": "json_schema", "json_schema": {...} }` enables Structured Outputs which ensures the model will match your supplied JSON schema. Learn more in the [Structured Outputs guide](/docs/guides/structured-outputs).
 *
 * Setting to `{ "type": "json_object" }` enables JSON mode, which ensures the message the model generates is valid JSON.
 *
 * **Important:** when using JSON mode, you **must** also instruct the model to produce JSON yourself via a system or user message. Without this, the model may generate an unending stream of whitespace until the generation reaches the token limit, resulting in a long-running and seemingly "stuck" request. Also note that the message content may be partially cut off if `finish_reason="length"`, which indicates the generation exceeded `max_tokens` or the conversation exceeded the max context length.
 *
 * Exactly one of: `auto: true` (the string "auto"), `text: true`, `jsonObject: true` or `jsonSchema: {…}`.
 */
export type ResponseFormatInput =
  {   /** `"auto"`: the default response format (`true`). */
  auto: boolean; jsonObject?: never; jsonSchema?: never; text?: never; }
  |  { auto?: never;   /**
   * JSON object response format. An older method of generating JSON responses.
   * Using `json_schema` is recommended for models that support it. Note that the
   * model will not generate JSON without a system or user message instructing it
   * to do so.
   *
   * Give `true`.
   */
  jsonObject: boolean; jsonSchema?: never; text?: never; }
  |  { auto?: never; jsonObject?: never;   /**
   * JSON Schema response format. Used to generate structured JSON responses.
   * Learn more about [Structured Outputs](/docs/guides/structured-outputs).
   */
  jsonSchema: JsonSchemaFormatInput; text?: never; }
  |  { auto?: never; jsonObject?: never; jsonSchema?: never;   /**
   * Default response format. Used to generate text responses.
   *
   * Give `true`.
   */
  text: boolean; };

/**
 * One of `server_error`, `rate_limit_exceeded`, or `invalid_prompt`.
 *
 * UNKNOWN: the upstream sent a value this version of the gateway does not know (a newer API). The rest of the object is still returned, rather than failing the whole result.
 */
export type RunLastErrorCode =
  /** Wire value `invalid_prompt`. */
  | 'INVALID_PROMPT'
  /** Wire value `rate_limit_exceeded`. */
  | 'RATE_LIMIT_EXCEEDED'
  /** Wire value `server_error`. */
  | 'SERVER_ERROR'
  /** UNKNOWN: the upstream sent a value this version of the gateway does not know (a newer API). The rest of the object is still returned, rather than failing the whole result. */
  | 'UNKNOWN';

/**
 * The status of the run, which can be either `queued`, `in_progress`, `requires_action`, `cancelling`, `cancelled`, `failed`, `completed`, `incomplete`, or `expired`.
 *
 * UNKNOWN: the upstream sent a value this version of the gateway does not know (a newer API). The rest of the object is still returned, rather than failing the whole result.
 */
export type RunObjectStatus =
  /** Wire value `cancelled`. */
  | 'CANCELLED'
  /** Wire value `cancelling`. */
  | 'CANCELLING'
  /** Wire value `completed`. */
  | 'COMPLETED'
  /** Wire value `expired`. */
  | 'EXPIRED'
  /** Wire value `failed`. */
  | 'FAILED'
  /** Wire value `incomplete`. */
  | 'INCOMPLETE'
  /** Wire value `in_progress`. */
  | 'IN_PROGRESS'
  /** Wire value `queued`. */
  | 'QUEUED'
  /** Wire value `requires_action`. */
  | 'REQUIRES_ACTION'
  /** UNKNOWN: the upstream sent a value this version of the gateway does not know (a newer API). The rest of the object is still returned, rather than failing the whole result. */
  | 'UNKNOWN';

/**
 * A list of additional fields to include in the response. Currently the only supported value is `step_details.tool_calls[*].file_search.results[*].content` to fetch the file search result content.
 *
 * See the [file search tool documentation](/docs/assistants/tools/file-search#customizing-file-search-settings) for more information.
 */
export type RunStepInclude =
  /** Wire value `step_details.tool_calls[*].file_search.results[*].content`. */
  | 'STEP_DETAILS_TOOL_CALLS_FILE_SEARCH_RESULTS_CONTENT';

/**
 * The status of the run step, which can be either `in_progress`, `cancelled`, `failed`, `completed`, or `expired`.
 *
 * UNKNOWN: the upstream sent a value this version of the gateway does not know (a newer API). The rest of the object is still returned, rather than failing the whole result.
 */
export type RunStepStatus =
  /** Wire value `cancelled`. */
  | 'CANCELLED'
  /** Wire value `completed`. */
  | 'COMPLETED'
  /** Wire value `expired`. */
  | 'EXPIRED'
  /** Wire value `failed`. */
  | 'FAILED'
  /** Wire value `in_progress`. */
  | 'IN_PROGRESS'
  /** UNKNOWN: the upstream sent a value this version of the gateway does not know (a newer API). The rest of the object is still returned, rather than failing the whole result. */
  | 'UNKNOWN';

/**
 * The type of run step, which can be either `message_creation` or `tool_calls`.
 *
 * UNKNOWN: the upstream sent a value this version of the gateway does not know (a newer API). The rest of the object is still returned, rather than failing the whole result.
 */
export type RunStepType =
  /** Wire value `message_creation`. */
  | 'MESSAGE_CREATION'
  /** Wire value `tool_calls`. */
  | 'TOOL_CALLS'
  /** UNKNOWN: the upstream sent a value this version of the gateway does not know (a newer API). The rest of the object is still returned, rather than failing the whole result. */
  | 'UNKNOWN';

/** Chunk sizes of the static strategy. */
export type StaticChunkingInput = {
  /** The number of tokens that overlap between chunks (the default is 400); at most half of maxChunkSizeTokens. */
  chunkOverlapTokens: number;
  /** The maximum number of tokens in each chunk (100 to 4096; the default is 800). */
  maxChunkSizeTokens: number;
};

/** When a run has the `status: "requires_action"` and `required_action.type` is `submit_tool_outputs`, this endpoint can be used to submit the outputs from the tool calls once they're all completed. All outputs must be submitted in a single request. The run must be in requires_action (else CONFLICT), and `toolOutputs` must answer each of its pending tool calls exactly once (else BAD_USER_INPUT); both are checked before the write. */
export type SubmitToolOutputsInput = {
  /** Echoed back in the payload (Relay). */
  clientMutationId?: string | null | undefined;
  /** Makes the mutation safe to repeat: a repeat with the same key (within IDEMPOTENCY_TTL_MS, 24 h by default) returns the first result without a second upstream write, also while the first is still running. The same key with a different input is a BAD_USER_INPUT error. If the first attempt failed with UPSTREAM_UNAVAILABLE (the write may or may not have happened), repeats get that error too: check the thread, then retry with a new key. 1–255 printable ASCII characters. */
  idempotencyKey?: string | null | undefined;
  /** The run: `run_…` or a RunObject global id. */
  runId: string | number;
  /** The thread: `thread_…` or a Thread global id. Not needed with a run global id. */
  threadId?: string | number | null | undefined;
  /** A list of tools for which the outputs are being submitted. */
  toolOutputs: Array<ToolOutputInput>;
};

/**
 * Controls which (if any) tool is called by the model.
 * `none` means the model will not call any tools and instead generates a message.
 * `auto` is the default value and means the model can pick between generating a message or calling one or more tools.
 * `required` means the model must call one or more tools before responding to the user.
 * Specifying a particular tool like `{"type": "file_search"}` or `{"type": "function", "function": {"name": "my_function"}}` forces the model to call that tool.
 *
 * Exactly one of: `mode` (the string form) or the tool to force (the object form).
 */
export type ToolChoiceInput =
  {   /** Force the code interpreter tool (`true`). */
  codeInterpreter: boolean; fileSearch?: never; function?: never; mode?: never; }
  |  { codeInterpreter?: never;   /** Force the file search tool (`true`). */
  fileSearch: boolean; function?: never; mode?: never; }
  |  { codeInterpreter?: never; fileSearch?: never;   /** Force a call of this function. */
  function: NamedFunctionInput; mode?: never; }
  |  { codeInterpreter?: never; fileSearch?: never; function?: never;   /** `none` means the model will not call any tools and instead generates a message. `auto` means the model can pick between generating a message or calling one or more tools. `required` means the model must call one or more tools before responding to the user. */
  mode: ToolChoiceModeInput; };

/** `none` means the model will not call any tools and instead generates a message. `auto` means the model can pick between generating a message or calling one or more tools. `required` means the model must call one or more tools before responding to the user. */
export type ToolChoiceModeInput =
  /** Wire value `auto`. */
  | 'AUTO'
  /** Wire value `none`. */
  | 'NONE'
  /** Wire value `required`. */
  | 'REQUIRED';

/** One tool: exactly one of `codeInterpreter: true`, `fileSearch: {…}` or `function: {…}`; on Azure AI Foundry (profile with `foundry_tools`) also `mcp: {…}`, `azureAiSearch: true`, `bingGrounding: {…}`, `connectedAgent: {…}` or `openapi: {…}`. */
export type ToolInput =
  {   /** Azure AI Search (`true`) over the index named in `toolResources.azureAiSearch` (the run's, the thread's or the assistant's). (Azure AI Foundry Agent Service; not in the OpenAI spec: where the profile lacks the `foundry_tools` capability it is refused, unsent, with UPSTREAM_UNSUPPORTED.) */
  azureAiSearch: boolean; bingGrounding?: never; codeInterpreter?: never; connectedAgent?: never; fileSearch?: never; function?: never; mcp?: never; openapi?: never; }
  |  { azureAiSearch?: never;   /** Grounding with Bing Search. (Azure AI Foundry Agent Service; not in the OpenAI spec: where the profile lacks the `foundry_tools` capability it is refused, unsent, with UPSTREAM_UNSUPPORTED.) */
  bingGrounding: BingGroundingToolInput; codeInterpreter?: never; connectedAgent?: never; fileSearch?: never; function?: never; mcp?: never; openapi?: never; }
  |  { azureAiSearch?: never; bingGrounding?: never;   /** The code interpreter tool (`true`). */
  codeInterpreter: boolean; connectedAgent?: never; fileSearch?: never; function?: never; mcp?: never; openapi?: never; }
  |  { azureAiSearch?: never; bingGrounding?: never; codeInterpreter?: never;   /** A connected agent. (Azure AI Foundry Agent Service; not in the OpenAI spec: where the profile lacks the `foundry_tools` capability it is refused, unsent, with UPSTREAM_UNSUPPORTED.) */
  connectedAgent: ConnectedAgentToolInput; fileSearch?: never; function?: never; mcp?: never; openapi?: never; }
  |  { azureAiSearch?: never; bingGrounding?: never; codeInterpreter?: never; connectedAgent?: never;   /** The file search tool, with its options (`{}` for the defaults). */
  fileSearch: FileSearchToolInput; function?: never; mcp?: never; openapi?: never; }
  |  { azureAiSearch?: never; bingGrounding?: never; codeInterpreter?: never; connectedAgent?: never; fileSearch?: never;   /** A function tool. */
  function: FunctionToolInput; mcp?: never; openapi?: never; }
  |  { azureAiSearch?: never; bingGrounding?: never; codeInterpreter?: never; connectedAgent?: never; fileSearch?: never; function?: never;   /** An MCP server. (Azure AI Foundry Agent Service; not in the OpenAI spec: where the profile lacks the `foundry_tools` capability it is refused, unsent, with UPSTREAM_UNSUPPORTED.) */
  mcp: McpToolInput; openapi?: never; }
  |  { azureAiSearch?: never; bingGrounding?: never; codeInterpreter?: never; connectedAgent?: never; fileSearch?: never; function?: never; mcp?: never;   /** An OpenAPI tool. (Azure AI Foundry Agent Service; not in the OpenAI spec: where the profile lacks the `foundry_tools` capability it is refused, unsent, with UPSTREAM_UNSUPPORTED.) */
  openapi: OpenApiToolInput; };

/** The output of one tool call. */
export type ToolOutputInput = {
  /** The output of the tool call to be submitted to continue the run. */
  output: string;
  /** The ID of the tool call in the `required_action` object within the run object the output is being submitted for. */
  toolCallId: string | number;
};

/** A set of resources that are made available to the assistant's tools in this thread. The resources are specific to the type of tool. For example, the `code_interpreter` tool requires a list of file IDs, while the `file_search` tool requires a list of vector store IDs. */
export type ToolResourcesInput = {
  /** The index of the azure_ai_search tool. (Azure AI Foundry Agent Service; not in the OpenAI spec: where the profile lacks the `foundry_tools` capability it is refused, unsent, with UPSTREAM_UNSUPPORTED.) */
  azureAiSearch?: AzureAiSearchResourcesInput | null | undefined;
  codeInterpreter?: CodeInterpreterResourcesInput | null | undefined;
  fileSearch?: FileSearchResourcesInput | null | undefined;
  /** Settings of each MCP server the tools name. (Azure AI Foundry Agent Service; not in the OpenAI spec: where the profile lacks the `foundry_tools` capability it is refused, unsent, with UPSTREAM_UNSUPPORTED.) */
  mcp?: Array<McpServerResourcesInput> | null | undefined;
};

/** Controls for how a thread will be truncated prior to the run. Use this to control the initial context window of the run. */
export type TruncationStrategyInput = {
  /**
   * The number of most recent messages from the thread when constructing the context for the run.
   *
   * Required when `type` is LAST_MESSAGES.
   */
  lastMessages?: number | null | undefined;
  /** The truncation strategy to use for the thread. The default is `auto`. If set to `last_messages`, the thread will be truncated to the n most recent messages in the thread. When set to `auto`, messages in the middle of the thread will be dropped to fit the context length of the model, `max_prompt_tokens`. */
  type: TruncationTypeInput;
};

/** The truncation strategy to use for the thread. The default is `auto`. If set to `last_messages`, the thread will be truncated to the n most recent messages in the thread. When set to `auto`, messages in the middle of the thread will be dropped to fit the context length of the model, `max_prompt_tokens`. */
export type TruncationTypeInput =
  /** Wire value `auto`. */
  | 'AUTO'
  /** Wire value `last_messages`. */
  | 'LAST_MESSAGES';

/** Whether the gateway could read this state from the upstream just now. */
export type UpstreamStatus =
  /** The state as the upstream answered it: every query and mutation, and subscription events normally. */
  | 'AVAILABLE'
  /** The upstream does not answer: a subscription sends the last state it knows again, and stays open. As soon as the upstream answers, the current state follows (AVAILABLE, even when unchanged). */
  | 'UNAVAILABLE';

export type RunFieldsFragment = { id: string, runId: string, threadId: string, status: RunObjectStatus, upstreamStatus: UpstreamStatus, createdAt: string, completedAt: string | null, assistant: { name: string | null } | null, lastError: { code: RunLastErrorCode, message: string } | null, requiredAction: { submitToolOutputs: { toolCalls: Array<{ id: string, function: { name: string, arguments: string } }> } } | null };

export type RunPageQueryVariables = Exact<{
  threadId: string | number;
  runId: string | number;
}>;


export type RunPageQuery = { run: { id: string, runId: string, threadId: string, status: RunObjectStatus, upstreamStatus: UpstreamStatus, createdAt: string, completedAt: string | null, messages: { edges: Array<{ node: { messageId: string, role: MessageRole, content: Array<
            | { __typename: 'MessageContentImageFile' }
            | { __typename: 'MessageContentImageUrl' }
            | { __typename: 'MessageContentRefusal' }
            | { __typename: 'MessageContentText', text: { value: string } }
            | { __typename: 'UnknownMessageContent' }
          > } }> } | null, steps: { edges: Array<{ node: { stepId: string, type: RunStepType, status: RunStepStatus, stepDetails:
            | { __typename: 'RunStepMessageCreationDetails', messageCreation: { messageId: string } }
            | { __typename: 'RunStepToolCallsDetails', toolCalls: Array<
                | { __typename: 'AzureAiSearchToolCall' }
                | { __typename: 'BingGroundingToolCall' }
                | { __typename: 'CodeInterpreterToolCall' }
                | { __typename: 'ConnectedAgentToolCall' }
                | { __typename: 'FileSearchToolCall' }
                | { __typename: 'FunctionToolCall', id: string, function: { name: string, arguments: string, output: string | null } }
                | { __typename: 'McpToolCall' }
                | { __typename: 'OpenApiToolCall' }
                | { __typename: 'UnknownRunStepToolCall' }
              > }
            | { __typename: 'UnknownRunStepDetails' }
           } }> } | null, assistant: { name: string | null } | null, lastError: { code: RunLastErrorCode, message: string } | null, requiredAction: { submitToolOutputs: { toolCalls: Array<{ id: string, function: { name: string, arguments: string } }> } } | null } | null };

export type RunUpdatedSubscriptionVariables = Exact<{
  threadId: string | number;
  runId: string | number;
}>;


export type RunUpdatedSubscription = { runUpdated: { id: string, runId: string, threadId: string, status: RunObjectStatus, upstreamStatus: UpstreamStatus, createdAt: string, completedAt: string | null, assistant: { name: string | null } | null, lastError: { code: RunLastErrorCode, message: string } | null, requiredAction: { submitToolOutputs: { toolCalls: Array<{ id: string, function: { name: string, arguments: string } }> } } | null } | null };

export type CreateThreadAndRunMutationVariables = Exact<{
  input: CreateThreadAndRunInput;
}>;


export type CreateThreadAndRunMutation = { createThreadAndRun: { replayed: boolean | null, run: { id: string, runId: string, threadId: string, status: RunObjectStatus, upstreamStatus: UpstreamStatus, createdAt: string, completedAt: string | null, assistant: { name: string | null } | null, lastError: { code: RunLastErrorCode, message: string } | null, requiredAction: { submitToolOutputs: { toolCalls: Array<{ id: string, function: { name: string, arguments: string } }> } } | null } | null } | null };

export type CreateRunMutationVariables = Exact<{
  input: CreateRunInput;
}>;


export type CreateRunMutation = { createRun: { replayed: boolean | null, run: { id: string, runId: string, threadId: string, status: RunObjectStatus, upstreamStatus: UpstreamStatus, createdAt: string, completedAt: string | null, assistant: { name: string | null } | null, lastError: { code: RunLastErrorCode, message: string } | null, requiredAction: { submitToolOutputs: { toolCalls: Array<{ id: string, function: { name: string, arguments: string } }> } } | null } | null } | null };

export type SubmitToolOutputsMutationVariables = Exact<{
  input: SubmitToolOutputsInput;
}>;


export type SubmitToolOutputsMutation = { submitToolOutputs: { replayed: boolean | null, run: { id: string, runId: string, threadId: string, status: RunObjectStatus, upstreamStatus: UpstreamStatus, createdAt: string, completedAt: string | null, assistant: { name: string | null } | null, lastError: { code: RunLastErrorCode, message: string } | null, requiredAction: { submitToolOutputs: { toolCalls: Array<{ id: string, function: { name: string, arguments: string } }> } } | null } | null } | null };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const RunFieldsFragmentDoc = new TypedDocumentString(`
    fragment RunFields on RunObject {
  id
  runId
  threadId
  status
  upstreamStatus
  createdAt
  completedAt
  assistant {
    name
  }
  lastError {
    code
    message
  }
  requiredAction {
    submitToolOutputs {
      toolCalls {
        id
        function {
          name
          arguments
        }
      }
    }
  }
}
    `, {"fragmentName":"RunFields"}) as unknown as TypedDocumentString<RunFieldsFragment, unknown>;
export const RunPageDocument = new TypedDocumentString(`
    query RunPage($threadId: ID!, $runId: ID!) {
  run(threadId: $threadId, runId: $runId) {
    ...RunFields
    messages(first: 20, order: ASC) {
      edges {
        node {
          messageId
          role
          content {
            __typename
            ... on MessageContentText {
              text {
                value
              }
            }
          }
        }
      }
    }
    steps(first: 20, order: ASC) {
      edges {
        node {
          stepId
          type
          status
          stepDetails {
            __typename
            ... on RunStepMessageCreationDetails {
              messageCreation {
                messageId
              }
            }
            ... on RunStepToolCallsDetails {
              toolCalls {
                __typename
                ... on FunctionToolCall {
                  id
                  function {
                    name
                    arguments
                    output
                  }
                }
              }
            }
          }
        }
      }
    }
  }
}
    fragment RunFields on RunObject {
  id
  runId
  threadId
  status
  upstreamStatus
  createdAt
  completedAt
  assistant {
    name
  }
  lastError {
    code
    message
  }
  requiredAction {
    submitToolOutputs {
      toolCalls {
        id
        function {
          name
          arguments
        }
      }
    }
  }
}`, {"hash":"sha256:fa54ef598155997415dfc648854b6cd9b0b10f5f913c7924564ecd31eb6cf925"}) as unknown as TypedDocumentString<RunPageQuery, RunPageQueryVariables>;
export const RunUpdatedDocument = new TypedDocumentString(`
    subscription RunUpdated($threadId: ID!, $runId: ID!) {
  runUpdated(threadId: $threadId, runId: $runId) {
    ...RunFields
  }
}
    fragment RunFields on RunObject {
  id
  runId
  threadId
  status
  upstreamStatus
  createdAt
  completedAt
  assistant {
    name
  }
  lastError {
    code
    message
  }
  requiredAction {
    submitToolOutputs {
      toolCalls {
        id
        function {
          name
          arguments
        }
      }
    }
  }
}`, {"hash":"sha256:55942ee965e3d10a8a3123a5ac2418a5a2d96249875964d1810a7439db88e530"}) as unknown as TypedDocumentString<RunUpdatedSubscription, RunUpdatedSubscriptionVariables>;
export const CreateThreadAndRunDocument = new TypedDocumentString(`
    mutation CreateThreadAndRun($input: CreateThreadAndRunInput!) {
  createThreadAndRun(input: $input) {
    replayed
    run {
      ...RunFields
    }
  }
}
    fragment RunFields on RunObject {
  id
  runId
  threadId
  status
  upstreamStatus
  createdAt
  completedAt
  assistant {
    name
  }
  lastError {
    code
    message
  }
  requiredAction {
    submitToolOutputs {
      toolCalls {
        id
        function {
          name
          arguments
        }
      }
    }
  }
}`, {"hash":"sha256:83ace4688e4ab679fe5faa1eb0f7c194501f6c296021bbfa5f1950731e581769"}) as unknown as TypedDocumentString<CreateThreadAndRunMutation, CreateThreadAndRunMutationVariables>;
export const CreateRunDocument = new TypedDocumentString(`
    mutation CreateRun($input: CreateRunInput!) {
  createRun(input: $input) {
    replayed
    run {
      ...RunFields
    }
  }
}
    fragment RunFields on RunObject {
  id
  runId
  threadId
  status
  upstreamStatus
  createdAt
  completedAt
  assistant {
    name
  }
  lastError {
    code
    message
  }
  requiredAction {
    submitToolOutputs {
      toolCalls {
        id
        function {
          name
          arguments
        }
      }
    }
  }
}`, {"hash":"sha256:cac67a8b6f054b526a3ed86ea157746c747b314fec507a565022a9b72e1339cb"}) as unknown as TypedDocumentString<CreateRunMutation, CreateRunMutationVariables>;
export const SubmitToolOutputsDocument = new TypedDocumentString(`
    mutation SubmitToolOutputs($input: SubmitToolOutputsInput!) {
  submitToolOutputs(input: $input) {
    replayed
    run {
      ...RunFields
    }
  }
}
    fragment RunFields on RunObject {
  id
  runId
  threadId
  status
  upstreamStatus
  createdAt
  completedAt
  assistant {
    name
  }
  lastError {
    code
    message
  }
  requiredAction {
    submitToolOutputs {
      toolCalls {
        id
        function {
          name
          arguments
        }
      }
    }
  }
}`, {"hash":"sha256:bdad20b65409ec971b74d4ee897e93ffb750765d6344bb960389575805ad9ea2"}) as unknown as TypedDocumentString<SubmitToolOutputsMutation, SubmitToolOutputsMutationVariables>;