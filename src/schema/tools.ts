import type { Schemas } from '../spec/index.js';
import { builder } from './builder.js';
import { UnknownValue, enumFromValues, typeOf, unionOf, unknownMember, wireEnum } from './helpers.js';
import { describeNode, schemaAt, specEnum, specObject } from './spec.js';

/*
 * Shapes shared by runs and assistants: the tools union, tool_choice and response_format.
 */

type CodeTool = Schemas['AssistantToolsCode'];
type FileSearchTool = Schemas['AssistantToolsFileSearch'];
type FunctionTool = Schemas['AssistantToolsFunction'];
type FileSearchOptions = NonNullable<FileSearchTool['file_search']>;

export const FileSearchRanker = wireEnum('FileSearchRanker', 'FileSearchRanker');

const rankingSpec = specObject('FileSearchRankingOptions', 'FileSearchRankingOptions');
export const FileSearchRankingOptionsRef = builder.objectRef<Schemas['FileSearchRankingOptions']>('FileSearchRankingOptions').implement({
  description: rankingSpec.description,
  fields: (t) => ({
    ranker: t.field({ type: FileSearchRanker.ref, ...rankingSpec.prop('ranker'), resolve: (o) => FileSearchRanker.wire(o.ranker) }),
    scoreThreshold: t.exposeFloat('score_threshold', rankingSpec.prop('score_threshold')),
  }),
});

const codeSpec = specObject('CodeInterpreterTool', 'AssistantToolsCode');
const CodeInterpreterToolRef = builder.objectRef<CodeTool>('CodeInterpreterTool').implement({
  description: codeSpec.description,
  fields: (t) => ({ type: t.exposeString('type', codeSpec.prop('type')) }),
});

const fileSearchOptionsSpec = specObject('FileSearchToolOptions', 'AssistantToolsFileSearch.file_search');
const FileSearchToolOptionsRef = builder.objectRef<FileSearchOptions>('FileSearchToolOptions').implement({
  description: fileSearchOptionsSpec.description,
  fields: (t) => ({
    maxNumResults: t.int({ ...fileSearchOptionsSpec.prop('max_num_results'), resolve: (o) => o.max_num_results ?? null }),
    rankingOptions: t.field({ type: FileSearchRankingOptionsRef, ...fileSearchOptionsSpec.prop('ranking_options'), resolve: (o) => o.ranking_options ?? null }),
  }),
});

const fileSearchSpec = specObject('FileSearchTool', 'AssistantToolsFileSearch');
const FileSearchToolRef = builder.objectRef<FileSearchTool>('FileSearchTool').implement({
  description: fileSearchSpec.description ?? 'The file search tool, with its options.',
  fields: (t) => ({
    type: t.exposeString('type', fileSearchSpec.prop('type')),
    fileSearch: t.field({ type: FileSearchToolOptionsRef, ...fileSearchSpec.prop('file_search'), resolve: (o) => o.file_search ?? null }),
  }),
});

const functionDefinitionSpec = specObject('FunctionDefinition', 'FunctionObject');
const FunctionDefinitionRef = builder.objectRef<Schemas['FunctionObject']>('FunctionDefinition').implement({
  description: functionDefinitionSpec.description ?? 'A function the model may call: its name, description and JSON Schema parameters.',
  fields: (t) => ({
    name: t.exposeString('name', functionDefinitionSpec.prop('name')),
    description: t.string({ ...functionDefinitionSpec.prop('description'), resolve: (o) => o.description ?? null }),
    parameters: t.field({ type: 'JSONObject', ...functionDefinitionSpec.prop('parameters'), resolve: (o) => o.parameters ?? null }),
    strict: t.boolean({ ...functionDefinitionSpec.prop('strict'), resolve: (o) => o.strict ?? null }),
  }),
});

const functionToolSpec = specObject('FunctionTool', 'AssistantToolsFunction');
const FunctionToolRef = builder.objectRef<FunctionTool>('FunctionTool').implement({
  description: functionToolSpec.description ?? 'A function tool.',
  fields: (t) => ({
    type: t.exposeString('type', functionToolSpec.prop('type')),
    function: t.field({ type: FunctionDefinitionRef, ...functionToolSpec.prop('function', 'The function: name, description, JSON Schema parameters and strictness.'), resolve: (o) => o.function }),
  }),
});

/*
 * Azure AI Foundry Agent Service's tools (`Azure.AI.Agents` 2025-05-01 ToolDefinition members): not in the OpenAI spec,
 * so their types are written here; a Foundry tool not listed (sharepoint_grounding, fabric_dataagent, …) is an UnknownTool.
 */

const FOUNDRY = '(Azure AI Foundry Agent Service; not in the OpenAI spec.)';

interface AzureAiSearchTool {
  type: 'azure_ai_search';
}
const AzureAiSearchToolRef = builder.objectRef<AzureAiSearchTool>('AzureAiSearchTool').implement({
  description: `Azure AI Search over the indexes named in the tool resources (\`toolResources.azureAiSearch\`). ${FOUNDRY}`,
  fields: (t) => ({ type: t.exposeString('type', { description: 'Always `azure_ai_search`.' }) }),
});

interface BingSearchConfiguration {
  connection_id: string;
  market?: string | null;
  set_lang?: string | null;
  count?: number | null;
  freshness?: string | null;
}
interface BingGroundingTool {
  type: 'bing_grounding';
  bing_grounding?: { search_configurations?: BingSearchConfiguration[] | null } | null;
}
const BingSearchConfigurationRef = builder.objectRef<BingSearchConfiguration>('BingSearchConfiguration').implement({
  description: `One Bing search the tool may make: the Grounding with Bing Search connection and its options. ${FOUNDRY}`,
  fields: (t) => ({
    connectionId: t.exposeString('connection_id', { description: 'The project connection to the Bing resource.' }),
    market: t.string({ nullable: true, description: 'The market results come from (e.g. `en-US`).', resolve: (o) => o.market ?? null }),
    setLang: t.string({ nullable: true, description: 'The language of the user interface strings.', resolve: (o) => o.set_lang ?? null }),
    count: t.int({ nullable: true, description: 'How many results to return.', resolve: (o) => o.count ?? null }),
    freshness: t.string({ nullable: true, description: 'How recent results must be (`Day`, `Week`, `Month` or a date range).', resolve: (o) => o.freshness ?? null }),
  }),
});
const BingGroundingToolRef = builder.objectRef<BingGroundingTool>('BingGroundingTool').implement({
  description: `Grounding with Bing Search. ${FOUNDRY}`,
  fields: (t) => ({
    type: t.exposeString('type', { description: 'Always `bing_grounding`.' }),
    searchConfigurations: t.field({
      type: [BingSearchConfigurationRef],
      description: 'The searches it may make (`bing_grounding.search_configurations`).',
      resolve: (o) => o.bing_grounding?.search_configurations ?? [],
    }),
  }),
});

interface ConnectedAgentTool {
  type: 'connected_agent';
  connected_agent: { id: string; name: string; description?: string | null };
}
const ConnectedAgentRef = builder.objectRef<ConnectedAgentTool['connected_agent']>('ConnectedAgent').implement({
  description: `The agent a connected_agent tool hands work to. ${FOUNDRY}`,
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The upstream id of the agent (an assistant id).' }),
    name: t.exposeString('name', { description: 'The name the model calls it by.' }),
    description: t.string({ nullable: true, description: 'What it does, for the model to decide when to call it.', resolve: (o) => o.description ?? null }),
  }),
});
const ConnectedAgentToolRef = builder.objectRef<ConnectedAgentTool>('ConnectedAgentTool').implement({
  description: `Another agent the model may call as a tool. ${FOUNDRY}`,
  fields: (t) => ({
    type: t.exposeString('type', { description: 'Always `connected_agent`.' }),
    connectedAgent: t.field({ type: ConnectedAgentRef, description: 'The agent it calls.', resolve: (o) => o.connected_agent }),
  }),
});

interface OpenApiTool {
  type: 'openapi';
  openapi: { name: string; description?: string | null; spec: Record<string, unknown>; auth?: { type?: string } | null; default_params?: string[] | null };
}
const OpenApiFunctionRef = builder.objectRef<OpenApiTool['openapi']>('OpenApiFunction').implement({
  description: `The OpenAPI operations an openapi tool calls, and how it authenticates. ${FOUNDRY}`,
  fields: (t) => ({
    name: t.exposeString('name', { description: 'The name the model calls it by.' }),
    description: t.string({ nullable: true, description: 'What it does, for the model to decide when to call it.', resolve: (o) => o.description ?? null }),
    spec: t.field({ type: 'JSONObject', description: 'The OpenAPI document.', resolve: (o) => o.spec }),
    authType: t.string({
      nullable: true,
      description: 'How the upstream authenticates to the API: `anonymous`, `connection` or `managed_identity` (the rest of `auth` names connections, never secrets, but is not typed here).',
      resolve: (o) => o.auth?.type ?? null,
    }),
    defaultParams: t.stringList({ description: 'Parameters the upstream fills in itself (`default_params`).', resolve: (o) => o.default_params ?? [] }),
  }),
});
const OpenApiToolRef = builder.objectRef<OpenApiTool>('OpenApiTool').implement({
  description: `An API described by an OpenAPI document, called by the upstream. ${FOUNDRY}`,
  fields: (t) => ({
    type: t.exposeString('type', { description: 'Always `openapi`.' }),
    openapi: t.field({ type: OpenApiFunctionRef, description: 'The API and how it is called.', resolve: (o) => o.openapi }),
  }),
});

interface McpTool {
  type: 'mcp';
  server_label: string;
  server_url: string;
  allowed_tools?: string[] | null;
}
const McpToolRef = builder.objectRef<McpTool>('McpTool').implement({
  description: `A Model Context Protocol server the upstream calls; calls may wait for approval (RunRequiredAction.submitToolApproval). ${FOUNDRY}`,
  fields: (t) => ({
    type: t.exposeString('type', { description: 'Always `mcp`.' }),
    serverLabel: t.exposeString('server_label', { description: 'The label of the server, as in the tool calls and tool resources.' }),
    serverUrl: t.exposeString('server_url', { description: 'The URL of the server.' }),
    allowedTools: t.stringList({ nullable: true, description: 'The server\'s tools the model may call; null: all of them.', resolve: (o) => o.allowed_tools ?? null }),
  }),
});

const UnknownToolRef = unknownMember('UnknownTool', 'tool');
const tools = unionOf<CodeTool | FileSearchTool | FunctionTool | AzureAiSearchTool | BingGroundingTool | ConnectedAgentTool | OpenApiTool | McpTool>(
  {
    code_interpreter: CodeInterpreterToolRef,
    file_search: FileSearchToolRef,
    function: FunctionToolRef,
    azure_ai_search: AzureAiSearchToolRef,
    bing_grounding: BingGroundingToolRef,
    connected_agent: ConnectedAgentToolRef,
    openapi: OpenApiToolRef,
    mcp: McpToolRef,
  },
  UnknownToolRef,
);
export const AssistantToolRef = builder.unionType('AssistantTool', {
  description:
    'A tool enabled for a run or an assistant: code interpreter, file search or function; on Azure AI Foundry also Azure AI Search, Bing grounding, ' +
    'a connected agent, an OpenAPI tool or an MCP server. A tool type the gateway does not know yet is returned as UnknownTool.',
  types: [CodeInterpreterToolRef, FileSearchToolRef, FunctionToolRef, AzureAiSearchToolRef, BingGroundingToolRef, ConnectedAgentToolRef, OpenApiToolRef, McpToolRef, UnknownToolRef],
  resolveType: tools.resolveType,
});
export const wrapTool = tools.wrap;

/* tool_choice: the string form (`none`/`auto`/`required`) or a named tool object. */

const toolChoiceModes = specEnum('AssistantsApiToolChoiceOption#0');
export const ToolChoiceMode = enumFromValues('ToolChoiceMode', toolChoiceModes.values, toolChoiceModes.description);

class ToolChoiceModeValue {
  constructor(readonly mode: string) {}
}

const ToolChoiceModeOptionRef = builder.objectRef<ToolChoiceModeValue>('ToolChoiceModeOption').implement({
  description: 'tool_choice sent in its string form (`"none"`, `"auto"` or `"required"`).',
  fields: (t) => ({
    mode: t.field({ type: ToolChoiceMode.ref, description: toolChoiceModes.description, resolve: (o) => ToolChoiceMode.wire(o.mode)! }),
  }),
});

export const NamedToolChoiceType = wireEnum('NamedToolChoiceType', 'AssistantsNamedToolChoice.type');
type NamedToolChoice = Schemas['AssistantsNamedToolChoice'];

const namedFunctionSpec = specObject('NamedToolChoiceFunction', 'AssistantsNamedToolChoice.function');
const NamedToolChoiceFunctionRef = builder.objectRef<NonNullable<NamedToolChoice['function']>>('NamedToolChoiceFunction').implement({
  description: namedFunctionSpec.description ?? 'The function the model must call.',
  fields: (t) => ({ name: t.exposeString('name', namedFunctionSpec.prop('name')) }),
});

const namedSpec = specObject('NamedToolChoice', 'AssistantsNamedToolChoice');
const NamedToolChoiceRef = builder.objectRef<NamedToolChoice>('NamedToolChoice').implement({
  description: `tool_choice sent in its object form. ${namedSpec.description ?? ''}`.trim(),
  fields: (t) => ({
    type: t.field({ type: NamedToolChoiceType.ref, ...namedSpec.prop('type'), resolve: (o) => NamedToolChoiceType.wire(o.type)! }),
    function: t.field({ type: NamedToolChoiceFunctionRef, ...namedSpec.prop('function', 'The function to call, when `type` is FUNCTION.'), resolve: (o) => o.function ?? null }),
  }),
});

const UnknownToolChoiceRef = unknownMember('UnknownToolChoice', 'tool_choice');
export const ToolChoiceRef = builder.unionType('ToolChoice', {
  description:
    `${describeNode(schemaAt('AssistantsApiToolChoiceOption')) ?? ''}\n\n` +
    'Both wire forms read back exactly: the string form is a ToolChoiceModeOption (`mode`), the object form a NamedToolChoice ' +
    '(`type` and, for functions, `function.name`). A string or object type the gateway does not know is an UnknownToolChoice with the raw value.',
  types: [ToolChoiceModeOptionRef, NamedToolChoiceRef, UnknownToolChoiceRef],
  resolveType: (value) =>
    value instanceof ToolChoiceModeValue ? ToolChoiceModeOptionRef : value instanceof UnknownValue ? UnknownToolChoiceRef : NamedToolChoiceRef,
});

export function wrapToolChoice(value: unknown): ToolChoiceModeValue | NamedToolChoice | UnknownValue | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return toolChoiceModes.values.includes(value) ? new ToolChoiceModeValue(value) : new UnknownValue(value);
  const type = typeOf(value);
  return type !== undefined && NamedToolChoiceType.values.includes(type) ? (value as NamedToolChoice) : new UnknownValue(value);
}

/* response_format: the string `auto` or one of three objects. */

const responseFormatModes = specEnum('AssistantsApiResponseFormatOption#0');
export const ResponseFormatMode = enumFromValues('ResponseFormatMode', responseFormatModes.values, responseFormatModes.description);

class ResponseFormatModeValue {
  constructor(readonly mode: string) {}
}

const ResponseFormatModeOptionRef = builder.objectRef<ResponseFormatModeValue>('ResponseFormatModeOption').implement({
  description: 'response_format sent in its string form (`"auto"`).',
  fields: (t) => ({
    mode: t.field({ type: ResponseFormatMode.ref, description: responseFormatModes.description, resolve: (o) => ResponseFormatMode.wire(o.mode)! }),
  }),
});

const textSpec = specObject('ResponseFormatText', 'ResponseFormatText');
const ResponseFormatTextRef = builder.objectRef<Schemas['ResponseFormatText']>('ResponseFormatText').implement({
  description: textSpec.description,
  fields: (t) => ({ type: t.exposeString('type', textSpec.prop('type')) }),
});

const jsonObjectSpec = specObject('ResponseFormatJsonObject', 'ResponseFormatJsonObject');
const ResponseFormatJsonObjectRef = builder.objectRef<Schemas['ResponseFormatJsonObject']>('ResponseFormatJsonObject').implement({
  description: jsonObjectSpec.description,
  fields: (t) => ({ type: t.exposeString('type', jsonObjectSpec.prop('type')) }),
});

type JsonSchemaFormat = Schemas['ResponseFormatJsonSchema'];
const jsonSchemaConfigSpec = specObject('ResponseFormatJsonSchemaConfig', 'ResponseFormatJsonSchema.json_schema');
const ResponseFormatJsonSchemaConfigRef = builder.objectRef<JsonSchemaFormat['json_schema']>('ResponseFormatJsonSchemaConfig').implement({
  description: jsonSchemaConfigSpec.description,
  fields: (t) => ({
    description: t.string({ ...jsonSchemaConfigSpec.prop('description'), resolve: (o) => o.description ?? null }),
    name: t.exposeString('name', jsonSchemaConfigSpec.prop('name')),
    schema: t.field({ type: 'JSONObject', ...jsonSchemaConfigSpec.prop('schema'), resolve: (o) => o.schema ?? null }),
    strict: t.boolean({ ...jsonSchemaConfigSpec.prop('strict'), resolve: (o) => o.strict ?? null }),
  }),
});

const jsonSchemaSpec = specObject('ResponseFormatJsonSchema', 'ResponseFormatJsonSchema');
const ResponseFormatJsonSchemaRef = builder.objectRef<JsonSchemaFormat>('ResponseFormatJsonSchema').implement({
  description: jsonSchemaSpec.description,
  fields: (t) => ({
    type: t.exposeString('type', jsonSchemaSpec.prop('type')),
    jsonSchema: t.field({ type: ResponseFormatJsonSchemaConfigRef, ...jsonSchemaSpec.prop('json_schema'), resolve: (o) => o.json_schema }),
  }),
});

const UnknownResponseFormatRef = unknownMember('UnknownResponseFormat', 'response_format');
const responseFormats = unionOf<Schemas['ResponseFormatText'] | Schemas['ResponseFormatJsonObject'] | JsonSchemaFormat>(
  { text: ResponseFormatTextRef, json_object: ResponseFormatJsonObjectRef, json_schema: ResponseFormatJsonSchemaRef },
  UnknownResponseFormatRef,
);
export const ResponseFormatRef = builder.unionType('ResponseFormat', {
  description:
    `${describeNode(schemaAt('AssistantsApiResponseFormatOption')) ?? ''}\n\n` +
    'Every wire form reads back exactly: the string `"auto"` is a ResponseFormatModeOption, the objects are ResponseFormatText, ' +
    'ResponseFormatJsonObject and ResponseFormatJsonSchema. Anything else is an UnknownResponseFormat with the raw value.',
  types: [ResponseFormatModeOptionRef, ResponseFormatTextRef, ResponseFormatJsonObjectRef, ResponseFormatJsonSchemaRef, UnknownResponseFormatRef],
  resolveType: (value) => (value instanceof ResponseFormatModeValue ? ResponseFormatModeOptionRef : responseFormats.resolveType(value)),
});

export function wrapResponseFormat(value: unknown) {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return responseFormatModes.values.includes(value) ? new ResponseFormatModeValue(value) : new UnknownValue(value);
  return responseFormats.wrap(value);
}

/* tool_resources of threads and assistants: same shape, different descriptions in the spec. */

/** Foundry adds resources for its own tools; the MCP servers' `headers` are never returned (they carry credentials). */
export type WireToolResources = ToolResources;
type ToolResources = NonNullable<Schemas['ThreadObject']['tool_resources']> & {
  azure_ai_search?: { indexes?: AzureAiSearchIndex[] | null } | null;
  mcp?: McpServerResources[] | null;
};
interface AzureAiSearchIndex {
  index_connection_id?: string | null;
  index_name?: string | null;
  query_type?: string | null;
  top_k?: number | null;
  filter?: string | null;
  index_asset_id?: string | null;
}
interface McpServerResources {
  server_label: string;
  require_approval?: unknown;
  headers?: Record<string, string> | null;
}

const AzureAiSearchIndexRef = builder.objectRef<AzureAiSearchIndex>('AzureAiSearchIndex').implement({
  description: `An index the azure_ai_search tool searches. ${FOUNDRY}`,
  fields: (t) => ({
    indexConnectionId: t.string({ nullable: true, description: 'The project connection to the search service.', resolve: (o) => o.index_connection_id ?? null }),
    indexName: t.string({ nullable: true, description: 'The index on that service.', resolve: (o) => o.index_name ?? null }),
    queryType: t.string({ nullable: true, description: '`simple`, `semantic`, `vector`, `vector_simple_hybrid` or `vector_semantic_hybrid`.', resolve: (o) => o.query_type ?? null }),
    topK: t.int({ nullable: true, description: 'How many documents to retrieve.', resolve: (o) => o.top_k ?? null }),
    filter: t.string({ nullable: true, description: 'An OData filter applied to the search.', resolve: (o) => o.filter ?? null }),
    indexAssetId: t.string({ nullable: true, description: 'The index as a project asset, instead of a connection and a name.', resolve: (o) => o.index_asset_id ?? null }),
  }),
});
const AzureAiSearchResourcesRef = builder.objectRef<NonNullable<ToolResources['azure_ai_search']>>('AzureAiSearchResources').implement({
  description: `Resources of the azure_ai_search tool. ${FOUNDRY}`,
  fields: (t) => ({ indexes: t.field({ type: [AzureAiSearchIndexRef], description: 'The indexes it searches (at most one on the wire today).', resolve: (o) => o.indexes ?? [] }) }),
});
const McpServerResourcesRef = builder.objectRef<McpServerResources>('McpServerResources').implement({
  description: `Per-server settings of an MCP tool. The server's \`headers\` are not returned: they carry its credentials. ${FOUNDRY}`,
  fields: (t) => ({
    serverLabel: t.exposeString('server_label', { description: 'The server (McpTool.serverLabel).' }),
    requireApproval: t.field({
      type: 'JSON',
      nullable: true,
      description: 'Which calls wait for approval: `always`, `never`, or an object naming tools under `always`/`never`, as sent.',
      resolve: (o) => o.require_approval ?? null,
    }),
  }),
});

export function toolResourcesType(prefix: 'Thread' | 'Assistant' | 'Run', path: string, description?: string) {
  const codeSpec = specObject(`${prefix}CodeInterpreterResources`, `${path}.code_interpreter`);
  const CodeRef = builder.objectRef<NonNullable<ToolResources['code_interpreter']>>(`${prefix}CodeInterpreterResources`).implement({
    description: codeSpec.description ?? 'Resources of the code interpreter tool.',
    fields: (t) => ({ fileIds: t.stringList({ ...codeSpec.prop('file_ids'), resolve: (o) => o.file_ids ?? null }) }),
  });
  const fileSearchSpec = specObject(`${prefix}FileSearchResources`, `${path}.file_search`);
  const FileSearchRef = builder.objectRef<NonNullable<ToolResources['file_search']>>(`${prefix}FileSearchResources`).implement({
    description: fileSearchSpec.description ?? 'Resources of the file search tool.',
    fields: (t) => ({ vectorStoreIds: t.stringList({ ...fileSearchSpec.prop('vector_store_ids'), resolve: (o) => o.vector_store_ids ?? null }) }),
  });
  const spec = specObject(`${prefix}ToolResources`, path);
  return builder.objectRef<ToolResources>(`${prefix}ToolResources`).implement({
    description: description ?? spec.description,
    fields: (t) => ({
      codeInterpreter: t.field({ type: CodeRef, ...spec.prop('code_interpreter', 'Resources of the code interpreter tool.'), resolve: (o) => o.code_interpreter ?? null }),
      fileSearch: t.field({ type: FileSearchRef, ...spec.prop('file_search', 'Resources of the file search tool.'), resolve: (o) => o.file_search ?? null }),
      azureAiSearch: t.field({ type: AzureAiSearchResourcesRef, nullable: true, description: `Resources of the azure_ai_search tool. ${FOUNDRY}`, resolve: (o) => o.azure_ai_search ?? null }),
      mcp: t.field({ type: [McpServerResourcesRef], nullable: true, description: `Settings of each MCP server. ${FOUNDRY}`, resolve: (o) => o.mcp ?? null }),
    }),
  });
}
