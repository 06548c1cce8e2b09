import { builder } from './builder.js';
import { describeNode, enumName, schemaAt, specEnum } from './spec.js';

/*
 * Input types shared by the mutations (run.ts, thread.ts, message.ts). They mirror the wire request bodies in
 * camelCase; the wire's "one of" shapes are @oneOf inputs whose members are named after the wire `type`, so that
 * exactly one form is given and validation errors name the field the client wrote (src/writes/validate.ts).
 * Input enums carry the wire values and, unlike the output enums, have no UNKNOWN member.
 */

const describe = (path: string, extra?: string) => [describeNode(schemaAt(path)), extra].filter(Boolean).join('\n\n') || undefined;

/** The spec's description of a request body property (e.g. `CreateRunRequest`, `temperature`), plus a note. */
export const requestDescription = (request: string, property: string, extra?: string) => describe(`${request}.${property}`, extra);

/** An input enum whose internal values are the spec's wire values. */
function inputEnum(name: string, values: readonly string[], description: string | undefined) {
  const config: Record<string, { value: string; description: string }> = {};
  for (const value of values) config[enumName(value)] = { value, description: `Wire value \`${value}\`.` };
  return builder.enumType(name, { description, values: config });
}
function specInputEnum(name: string, path: string, description?: string) {
  const fromSpec = specEnum(path);
  return inputEnum(name, fromSpec.values, description ?? fromSpec.description);
}

export const MessageRoleInput = specInputEnum('MessageRoleInput', 'CreateMessageRequest.role');
export const ImageDetailInput = specInputEnum('ImageDetailInput', 'MessageContentImageFileObject.image_file.detail');
export const AttachmentToolInput = inputEnum('AttachmentToolInput', ['code_interpreter', 'file_search'], 'A tool the attached file is added to.');
export const ReasoningEffortInput = specInputEnum('ReasoningEffortInput', 'ReasoningEffort');
export const ToolChoiceModeInput = specInputEnum('ToolChoiceModeInput', 'AssistantsApiToolChoiceOption#0');
export const FileSearchRankerInput = specInputEnum('FileSearchRankerInput', 'FileSearchRanker');
export const TruncationTypeInput = specInputEnum('TruncationTypeInput', 'TruncationObject.type');

export const MetadataDescription = describe('Metadata');

// Tools ----------------------------------------------------------------------------------------------------------

export const FileSearchRankingOptionsInput = builder.inputType('FileSearchRankingOptionsInput', {
  description: describe('FileSearchRankingOptions'),
  fields: (t) => ({
    ranker: t.field({ type: FileSearchRankerInput, description: describe('FileSearchRankingOptions.ranker') }),
    scoreThreshold: t.float({ required: true, description: describe('FileSearchRankingOptions.score_threshold') }),
  }),
});

export const FileSearchToolInput = builder.inputType('FileSearchToolInput', {
  description: describe('AssistantToolsFileSearch.file_search', 'Give `{}` for the defaults.'),
  fields: (t) => ({
    maxNumResults: t.int({ description: describe('AssistantToolsFileSearch.file_search.max_num_results') }),
    rankingOptions: t.field({ type: FileSearchRankingOptionsInput, description: describe('AssistantToolsFileSearch.file_search.ranking_options') }),
  }),
});

export const FunctionToolInput = builder.inputType('FunctionToolInput', {
  description: 'A function the model may call.',
  fields: (t) => ({
    name: t.string({ required: true, description: describe('FunctionObject.name') }),
    description: t.string({ description: describe('FunctionObject.description') }),
    parameters: t.field({ type: 'JSONObject', description: describe('FunctionObject.parameters') }),
    strict: t.boolean({ description: describe('FunctionObject.strict') }),
  }),
});

/* Azure AI Foundry's tools (`Azure.AI.Agents` 2025-05-01 ToolDefinition members): not in the OpenAI spec, so described here. */

const FOUNDRY_ONLY =
  '(Azure AI Foundry Agent Service; not in the OpenAI spec: where the profile lacks the `foundry_tools` capability it is refused, unsent, with UPSTREAM_UNSUPPORTED.)';

const McpToolInput = builder.inputType('McpToolInput', {
  description: `A Model Context Protocol server the upstream calls (\`{ type: "mcp", server_label, server_url, allowed_tools }\`); its calls wait for approval unless \`toolResources.mcp\` says otherwise. ${FOUNDRY_ONLY}`,
  fields: (t) => ({
    serverLabel: t.string({ required: true, description: 'The label of the server (letters, digits, `_`, `-`; at most 64), as in its tool calls and tool resources.' }),
    serverUrl: t.string({ required: true, description: 'The http(s) URL of the server.' }),
    allowedTools: t.stringList({ description: "The server's tools the model may call; left out: all of them." }),
  }),
});

const BingSearchConfigurationInput = builder.inputType('BingSearchConfigurationInput', {
  description: 'One Bing search the tool may make: the Grounding with Bing Search connection and its options.',
  fields: (t) => ({
    connectionId: t.string({ required: true, description: 'The project connection to the Bing resource.' }),
    market: t.string({ description: 'The market results come from (e.g. `en-US`).' }),
    setLang: t.string({ description: 'The language of the user interface strings.' }),
    count: t.int({ description: 'How many results to return.' }),
    freshness: t.string({ description: 'How recent results must be (`Day`, `Week`, `Month` or a date range).' }),
  }),
});

const BingGroundingToolInput = builder.inputType('BingGroundingToolInput', {
  description: `Grounding with Bing Search. ${FOUNDRY_ONLY}`,
  fields: (t) => ({
    searchConfigurations: t.field({ type: [BingSearchConfigurationInput], required: true, description: 'The search it may make (exactly one, as Azure allows).' }),
  }),
});

const ConnectedAgentToolInput = builder.inputType('ConnectedAgentToolInput', {
  description: `Another agent (assistant) the model may hand work to. ${FOUNDRY_ONLY}`,
  fields: (t) => ({
    id: t.string({ required: true, description: 'The upstream id of the agent (an assistant id).' }),
    name: t.string({ required: true, description: 'The name the model calls it by (a-z, A-Z, 0-9, `_`, `-`; at most 64).' }),
    description: t.string({ required: true, description: 'What it does, for the model to decide when to call it.' }),
  }),
});

const OpenApiAuthInput = builder.inputType('OpenApiAuthInput', {
  isOneOf: true,
  description: 'How the upstream authenticates to the API: exactly one of `anonymous: true`, `connection: {…}` or `managedIdentity: {…}`.',
  fields: (t) => ({
    anonymous: t.boolean({ description: 'No authentication (`true`).' }),
    connection: t.field({
      type: builder.inputType('OpenApiConnectionAuthInput', {
        description: 'Credentials kept in a project connection.',
        fields: (f) => ({ connectionId: f.string({ required: true, description: 'The project connection that holds them.' }) }),
      }),
      description: 'A project connection holds the credentials.',
    }),
    managedIdentity: t.field({
      type: builder.inputType('OpenApiManagedIdentityAuthInput', {
        description: "The project's managed identity, for an audience.",
        fields: (f) => ({ audience: f.string({ required: true, description: 'The audience (scope) of the token.' }) }),
      }),
      description: "The project's managed identity.",
    }),
  }),
});

const OpenApiToolInput = builder.inputType('OpenApiToolInput', {
  description: `An API described by an OpenAPI document, called by the upstream. ${FOUNDRY_ONLY}`,
  fields: (t) => ({
    name: t.string({ required: true, description: 'The name the model calls it by (a-z, A-Z, 0-9, `_`, `-`; at most 64).' }),
    description: t.string({ description: 'What it does, for the model to decide when to call it.' }),
    spec: t.field({ type: 'JSONObject', required: true, description: 'The OpenAPI document.' }),
    auth: t.field({ type: OpenApiAuthInput, required: true, description: 'How the upstream authenticates to the API.' }),
    defaultParams: t.stringList({ description: 'Parameters the upstream fills in with their defaults (`default_params`).' }),
  }),
});

export const ToolInput = builder.inputType('ToolInput', {
  isOneOf: true,
  description:
    'One tool: exactly one of `codeInterpreter: true`, `fileSearch: {…}` or `function: {…}`; on Azure AI Foundry (profile with `foundry_tools`) ' +
    'also `mcp: {…}`, `azureAiSearch: true`, `bingGrounding: {…}`, `connectedAgent: {…}` or `openapi: {…}`.',
  fields: (t) => ({
    codeInterpreter: t.boolean({ description: 'The code interpreter tool (`true`).' }),
    fileSearch: t.field({ type: FileSearchToolInput, description: 'The file search tool, with its options (`{}` for the defaults).' }),
    function: t.field({ type: FunctionToolInput, description: 'A function tool.' }),
    mcp: t.field({ type: McpToolInput, description: `An MCP server. ${FOUNDRY_ONLY}` }),
    azureAiSearch: t.boolean({ description: `Azure AI Search (\`true\`) over the index named in \`toolResources.azureAiSearch\` (the run's, the thread's or the assistant's). ${FOUNDRY_ONLY}` }),
    bingGrounding: t.field({ type: BingGroundingToolInput, description: `Grounding with Bing Search. ${FOUNDRY_ONLY}` }),
    connectedAgent: t.field({ type: ConnectedAgentToolInput, description: `A connected agent. ${FOUNDRY_ONLY}` }),
    openapi: t.field({ type: OpenApiToolInput, description: `An OpenAPI tool. ${FOUNDRY_ONLY}` }),
  }),
});

export const ToolChoiceInput = builder.inputType('ToolChoiceInput', {
  isOneOf: true,
  description: `${describe('AssistantsApiToolChoiceOption') ?? ''}\n\nExactly one of: \`mode\` (the string form) or the tool to force (the object form).`.trim(),
  fields: (t) => ({
    mode: t.field({ type: ToolChoiceModeInput, description: describe('AssistantsApiToolChoiceOption#0') }),
    function: t.field({ type: builder.inputType('NamedFunctionInput', { description: 'The function the model must call.', fields: (f) => ({ name: f.string({ required: true, description: 'The name of the function to call.' }) }) }), description: 'Force a call of this function.' }),
    codeInterpreter: t.boolean({ description: 'Force the code interpreter tool (`true`).' }),
    fileSearch: t.boolean({ description: 'Force the file search tool (`true`).' }),
  }),
});

export const JsonSchemaFormatInput = builder.inputType('JsonSchemaFormatInput', {
  description: describe('ResponseFormatJsonSchema.json_schema'),
  fields: (t) => ({
    name: t.string({ required: true, description: describe('ResponseFormatJsonSchema.json_schema.name') }),
    description: t.string({ description: describe('ResponseFormatJsonSchema.json_schema.description') }),
    schema: t.field({ type: 'JSONObject', description: describe('ResponseFormatJsonSchema.json_schema.schema') }),
    strict: t.boolean({ description: describe('ResponseFormatJsonSchema.json_schema.strict') }),
  }),
});

export const ResponseFormatInput = builder.inputType('ResponseFormatInput', {
  isOneOf: true,
  description: `${describe('AssistantsApiResponseFormatOption') ?? ''}\n\nExactly one of: \`auto: true\` (the string "auto"), \`text: true\`, \`jsonObject: true\` or \`jsonSchema: {…}\`.`.trim(),
  fields: (t) => ({
    auto: t.boolean({ description: '`"auto"`: the default response format (`true`).' }),
    text: t.boolean({ description: describe('ResponseFormatText', 'Give `true`.') }),
    jsonObject: t.boolean({ description: describe('ResponseFormatJsonObject', 'Give `true`.') }),
    jsonSchema: t.field({ type: JsonSchemaFormatInput, description: describe('ResponseFormatJsonSchema') }),
  }),
});

export const TruncationStrategyInput = builder.inputType('TruncationStrategyInput', {
  description: describe('TruncationObject'),
  fields: (t) => ({
    type: t.field({ type: TruncationTypeInput, required: true, description: describe('TruncationObject.type') }),
    lastMessages: t.int({ description: describe('TruncationObject.last_messages', 'Required when `type` is LAST_MESSAGES.') }),
  }),
});

// Messages -------------------------------------------------------------------------------------------------------

export const ImageFileInput = builder.inputType('ImageFileInput', {
  description: describe('MessageContentImageFileObject.image_file') ?? 'An uploaded image file, by its file id.',
  fields: (t) => ({
    fileId: t.string({ required: true, description: describe('MessageContentImageFileObject.image_file.file_id') }),
    detail: t.field({ type: ImageDetailInput, description: describe('MessageContentImageFileObject.image_file.detail') }),
  }),
});

export const ImageUrlInput = builder.inputType('ImageUrlInput', {
  description: describe('MessageContentImageUrlObject.image_url') ?? 'An image on the web, by its URL.',
  fields: (t) => ({
    url: t.string({ required: true, description: describe('MessageContentImageUrlObject.image_url.url') }),
    detail: t.field({ type: ImageDetailInput, description: describe('MessageContentImageUrlObject.image_url.detail') }),
  }),
});

export const MessageContentPartInput = builder.inputType('MessageContentPartInput', {
  isOneOf: true,
  description: 'One content part: exactly one of `text`, `imageFile` or `imageUrl`. (A plain text message is `[{ text: "…" }]`.)',
  fields: (t) => ({
    text: t.string({ description: describe('MessageRequestContentTextObject.text') }),
    imageFile: t.field({ type: ImageFileInput, description: describe('MessageContentImageFileObject') }),
    imageUrl: t.field({ type: ImageUrlInput, description: describe('MessageContentImageUrlObject') }),
  }),
});

export const AttachmentInput = builder.inputType('AttachmentInput', {
  description: 'A file attached to the message, and the tools it is added to.',
  fields: (t) => ({
    fileId: t.string({ required: true, description: 'The ID of the file to attach to the message.' }),
    tools: t.field({ type: [AttachmentToolInput], required: true, description: 'The tools to add this file to.' }),
  }),
});

/** The fields of a new message (CreateMessageRequest), shared by createMessage, additionalMessages and new threads. */
export const messageFields = (t: InputFields) => ({
  role: t.field({ type: MessageRoleInput, required: true, description: describe('CreateMessageRequest.role') }),
  content: t.field({ type: [MessageContentPartInput], required: true, description: 'The content parts of the message (at least one).' }),
  attachments: t.field({ type: [AttachmentInput], description: 'A list of files attached to the message, and the tools they should be added to.' }),
  metadata: t.field({ type: 'JSONObject', description: MetadataDescription }),
});

export const MessageInput = builder.inputType('MessageInput', {
  description: 'A message to add to a thread.',
  fields: (t) => messageFields(t),
});

// Tool resources -------------------------------------------------------------------------------------------------

const CodeInterpreterResourcesInput = builder.inputType('CodeInterpreterResourcesInput', {
  description: 'Files made available to the code interpreter tool.',
  fields: (t) => ({
    fileIds: t.stringList({ description: describe('ModifyThreadRequest.tool_resources.code_interpreter.file_ids') }),
  }),
});

const FileSearchResourcesInput = builder.inputType('FileSearchResourcesInput', {
  description: 'The vector store used by the file search tool.',
  fields: (t) => ({
    vectorStoreIds: t.stringList({ description: describe('ModifyThreadRequest.tool_resources.file_search.vector_store_ids') }),
  }),
});

const McpApprovalModeInput = inputEnum('McpApprovalModeInput', ['always', 'never'], 'Whether every call of the server waits for approval (`always`, the default) or none does (`never`).');

const McpApprovalInput = builder.inputType('McpApprovalInput', {
  isOneOf: true,
  description: 'Which calls of an MCP server wait for approval: exactly one of `mode` (every call or none) or `tools` (per tool).',
  fields: (t) => ({
    mode: t.field({ type: McpApprovalModeInput, description: 'Every call (`ALWAYS`) or none (`NEVER`).' }),
    tools: t.field({
      type: builder.inputType('McpApprovalToolsInput', {
        description: 'Per tool: the tools named under `always` wait for approval, those under `never` do not (the rest: always).',
        fields: (f) => ({
          always: f.stringList({ description: 'Tools whose calls wait for approval.' }),
          never: f.stringList({ description: 'Tools whose calls do not.' }),
        }),
      }),
      description: 'Per tool.',
    }),
  }),
});

const McpServerResourcesInput = builder.inputType('McpServerResourcesInput', {
  description: `Per-server settings of an MCP tool (Azure's \`MCPToolResource\`). ${FOUNDRY_ONLY}`,
  fields: (t) => ({
    serverLabel: t.string({ required: true, description: 'The server (McpToolInput.serverLabel).' }),
    requireApproval: t.field({ type: McpApprovalInput, description: 'Which calls wait for approval (left out: all of them).' }),
    headers: t.field({
      type: 'JSONObject',
      description: "HTTP headers sent to the server with each call (e.g. its credentials): names and one-line string values. Never read back: McpServerResources has no headers.",
    }),
  }),
});

const AzureAiSearchQueryTypeInput = inputEnum(
  'AzureAiSearchQueryTypeInput',
  ['simple', 'semantic', 'vector', 'vector_simple_hybrid', 'vector_semantic_hybrid'],
  'How Azure AI Search queries the index (`AzureAISearchQueryType`).',
);

const AzureAiSearchIndexInput = builder.inputType('AzureAiSearchIndexInput', {
  description: 'The index the azure_ai_search tool searches: a project connection and an index name, or an index asset.',
  fields: (t) => ({
    indexConnectionId: t.string({ description: 'The project connection to the search service (with indexName).' }),
    indexName: t.string({ description: 'The index on that service (with indexConnectionId).' }),
    indexAssetId: t.string({ description: 'The index as a project asset, instead of a connection and a name.' }),
    queryType: t.field({ type: AzureAiSearchQueryTypeInput, description: 'How the index is queried.' }),
    topK: t.int({ description: 'How many documents to retrieve (at least 1).' }),
    filter: t.string({ description: 'An OData filter applied to the search.' }),
  }),
});

const AzureAiSearchResourcesInput = builder.inputType('AzureAiSearchResourcesInput', {
  description: `Resources of the azure_ai_search tool (Azure's \`AzureAISearchToolResource\`). ${FOUNDRY_ONLY}`,
  fields: (t) => ({ indexes: t.field({ type: [AzureAiSearchIndexInput], required: true, description: 'The index it searches (exactly one, as Azure allows).' }) }),
});

export const ToolResourcesInput = builder.inputType('ToolResourcesInput', {
  description: describe('ModifyThreadRequest.tool_resources'),
  fields: (t) => ({
    codeInterpreter: t.field({ type: CodeInterpreterResourcesInput }),
    fileSearch: t.field({ type: FileSearchResourcesInput }),
    mcp: t.field({ type: [McpServerResourcesInput], description: `Settings of each MCP server the tools name. ${FOUNDRY_ONLY}` }),
    azureAiSearch: t.field({ type: AzureAiSearchResourcesInput, description: `The index of the azure_ai_search tool. ${FOUNDRY_ONLY}` }),
  }),
});

const StaticChunkingInput = builder.inputType('StaticChunkingInput', {
  description: 'Chunk sizes of the static strategy.',
  fields: (t) => ({
    maxChunkSizeTokens: t.int({ required: true, description: 'The maximum number of tokens in each chunk (100 to 4096; the default is 800).' }),
    chunkOverlapTokens: t.int({ required: true, description: 'The number of tokens that overlap between chunks (the default is 400); at most half of maxChunkSizeTokens.' }),
  }),
});

const ChunkingStrategyInput = builder.inputType('ChunkingStrategyInput', {
  isOneOf: true,
  description: 'The chunking strategy used to chunk the files: exactly one of `auto: true` or `static: {…}`.',
  fields: (t) => ({
    auto: t.boolean({ description: 'The default strategy (`true`): 800-token chunks overlapping by 400.' }),
    static: t.field({ type: StaticChunkingInput, description: 'Fixed chunk sizes.' }),
  }),
});

const NewVectorStoreInput = builder.inputType('NewVectorStoreInput', {
  description: 'A vector store created with the thread from these files.',
  fields: (t) => ({
    fileIds: t.stringList({ description: 'The files to add to the vector store.' }),
    chunkingStrategy: t.field({ type: ChunkingStrategyInput }),
    metadata: t.field({ type: 'JSONObject', description: MetadataDescription }),
  }),
});

const NewThreadFileSearchResourcesInput = builder.inputType('NewThreadFileSearchResourcesInput', {
  description: 'The vector store of the new thread: an existing one (`vectorStoreIds`) or one created from files (`vectorStores`).',
  fields: (t) => ({
    vectorStoreIds: t.stringList({ description: describe('CreateThreadRequest.tool_resources.file_search.vector_store_ids') }),
    vectorStores: t.field({ type: [NewVectorStoreInput], description: describe('CreateThreadRequest.tool_resources.file_search.vector_stores') }),
  }),
});

export const NewThreadToolResourcesInput = builder.inputType('NewThreadToolResourcesInput', {
  description: describe('CreateThreadRequest.tool_resources'),
  fields: (t) => ({
    codeInterpreter: t.field({ type: CodeInterpreterResourcesInput }),
    fileSearch: t.field({ type: NewThreadFileSearchResourcesInput }),
  }),
});

/** The fields of a new thread (CreateThreadRequest), shared by createThread and createThreadAndRun. */
export const threadFields = (t: InputFields) => ({
  messages: t.field({ type: [MessageInput], description: describe('CreateThreadRequest.messages') }),
  toolResources: t.field({ type: NewThreadToolResourcesInput, description: describe('CreateThreadRequest.tool_resources') }),
  metadata: t.field({ type: 'JSONObject', description: MetadataDescription }),
});

export const NewThreadInput = builder.inputType('NewThreadInput', {
  description: describe('CreateThreadRequest'),
  fields: (t) => threadFields(t),
});

// Mutation plumbing ----------------------------------------------------------------------------------------------

builder.mutationType({
  description:
    'Writes to the upstream runs API (assistants stay read-only). Each mutation takes one `input` and returns a payload with ' +
    'the written object, so a client cache updates from the response. Input is checked against the spec before anything is ' +
    'sent (BAD_USER_INPUT with `extensions.field`, e.g. `input.temperature`); a write is sent once and never retried ' +
    '(UPSTREAM_UNAVAILABLE when its outcome is unknown); state conflicts are CONFLICT with `extensions.requestId`.',
});

export const IDEMPOTENCY_KEY_DESCRIPTION =
  'Makes the mutation safe to repeat: a repeat with the same key (within IDEMPOTENCY_TTL_MS, 24 h by default) returns the ' +
  'first result without a second upstream write, also while the first is still running. The same key with a different ' +
  'input is a BAD_USER_INPUT error. If the first attempt failed with UPSTREAM_UNAVAILABLE (the write may or may not have ' +
  'happened), repeats get that error too: check the thread, then retry with a new key. 1–255 printable ASCII characters.';

export const INPUT_ARG_DESCRIPTION = 'The input of the mutation (Relay style: one input object).';

/** `clientMutationId` and `idempotencyKey`, on every mutation input. */
export const mutationFields = (t: InputFields) => ({
  clientMutationId: t.string({ description: 'Echoed back in the payload (Relay).' }),
  idempotencyKey: t.string({ description: IDEMPOTENCY_KEY_DESCRIPTION }),
});

/** What every payload carries besides its objects. */
export interface PayloadShape {
  clientMutationId?: string | null | undefined;
  replayed: boolean;
}

/** `clientMutationId` and `replayed`, on every payload. */
export const payloadFields = <P extends PayloadShape>(t: PothosSchemaTypes.ObjectFieldBuilder<PothosTypes, P>) => ({
  clientMutationId: t.string({ nullable: true, description: 'The clientMutationId of the input.', resolve: (payload) => payload.clientMutationId ?? null }),
  replayed: t.boolean({
    description: 'True when the result is that of an earlier request with the same idempotencyKey (nothing was sent upstream this time).',
    resolve: (payload) => payload.replayed,
  }),
});

export type PothosTypes = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;
/** The field builder of input types, for field sets shared between inputs. */
export type InputFields = PothosSchemaTypes.InputFieldBuilder<PothosTypes, 'InputObject'>;
