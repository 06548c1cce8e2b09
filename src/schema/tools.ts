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

const UnknownToolRef = unknownMember('UnknownTool', 'tool');
const tools = unionOf<CodeTool | FileSearchTool | FunctionTool>(
  { code_interpreter: CodeInterpreterToolRef, file_search: FileSearchToolRef, function: FunctionToolRef },
  UnknownToolRef,
);
export const AssistantToolRef = builder.unionType('AssistantTool', {
  description: 'A tool enabled for a run or an assistant: code interpreter, file search or function. A tool type the gateway does not know yet is returned as UnknownTool.',
  types: [CodeInterpreterToolRef, FileSearchToolRef, FunctionToolRef, UnknownToolRef],
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

type ToolResources = NonNullable<Schemas['ThreadObject']['tool_resources']>;

export function toolResourcesType(prefix: 'Thread' | 'Assistant', path: string) {
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
    description: spec.description,
    fields: (t) => ({
      codeInterpreter: t.field({ type: CodeRef, ...spec.prop('code_interpreter', 'Resources of the code interpreter tool.'), resolve: (o) => o.code_interpreter ?? null }),
      fileSearch: t.field({ type: FileSearchRef, ...spec.prop('file_search', 'Resources of the file search tool.'), resolve: (o) => o.file_search ?? null }),
    }),
  });
}
