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

export const ToolInput = builder.inputType('ToolInput', {
  isOneOf: true,
  description: 'One tool: exactly one of `codeInterpreter: true`, `fileSearch: {…}` or `function: {…}`.',
  fields: (t) => ({
    codeInterpreter: t.boolean({ description: 'The code interpreter tool (`true`).' }),
    fileSearch: t.field({ type: FileSearchToolInput, description: 'The file search tool, with its options (`{}` for the defaults).' }),
    function: t.field({ type: FunctionToolInput, description: 'A function tool.' }),
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

export const ToolResourcesInput = builder.inputType('ToolResourcesInput', {
  description: describe('ModifyThreadRequest.tool_resources'),
  fields: (t) => ({
    codeInterpreter: t.field({ type: CodeInterpreterResourcesInput }),
    fileSearch: t.field({ type: FileSearchResourcesInput }),
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
