import type { Schemas } from '../spec/index.js';
import type { StepInclude } from '../upstream/client.js';
import { builder } from './builder.js';
import { unionOf, unknownMember, wireEnum } from './helpers.js';
import { localIds, parseLocalId, stepKeyArgs } from './ids.js';
import { RunRef, RunStepRef } from './refs.js';
import { fromUnix } from './scalars.js';
import { enumName, operationDescription, parameterDescription, parameterEnum, specObject } from './spec.js';
import { FileSearchRanker } from './tools.js';

type Step = Schemas['RunStepObject'];

export const RunStepObjectObject = wireEnum('RunStepObjectObject', 'RunStepObject.object');
export const RunStepType = wireEnum('RunStepType', 'RunStepObject.type');
export const RunStepStatus = wireEnum('RunStepStatus', 'RunStepObject.status');
export const RunStepLastErrorCode = wireEnum('RunStepLastErrorCode', 'RunStepObject.last_error.code');
export const FileSearchResultContentType = wireEnum('FileSearchResultContentType', 'RunStepDetailsToolCallsFileSearchResultObject.content[].type');

const STEPS_PATH = '/threads/{thread_id}/runs/{run_id}/steps';
const includeValues = parameterEnum('GET', STEPS_PATH, 'include[]');
export const RunStepInclude = {
  ref: builder.enumType('RunStepInclude', {
    description: parameterDescription('GET', STEPS_PATH, 'include[]'),
    values: Object.fromEntries(includeValues.map((value) => [enumName(value), { value, description: `Wire value \`${value}\`.` }])),
  }),
  toWire: (value: string) => value as StepInclude,
};

export const INCLUDE_ARG_DESCRIPTION = 'Additional fields to include, as the upstream `include[]` (e.g. the file search result content).';

/* Step details: message creation or tool calls. */

const messageCreationSpec = specObject('RunStepMessageCreation', 'RunStepDetailsMessageCreationObject.message_creation');
const RunStepMessageCreationRef = builder.objectRef<Schemas['RunStepDetailsMessageCreationObject']['message_creation']>('RunStepMessageCreation').implement({
  description: messageCreationSpec.description ?? 'The message a step created.',
  fields: (t) => ({ messageId: t.exposeID('message_id', messageCreationSpec.prop('message_id')) }),
});

const messageCreationDetailsSpec = specObject('RunStepMessageCreationDetails', 'RunStepDetailsMessageCreationObject');
const RunStepMessageCreationDetailsRef = builder.objectRef<Schemas['RunStepDetailsMessageCreationObject']>('RunStepMessageCreationDetails').implement({
  description: messageCreationDetailsSpec.description,
  fields: (t) => ({
    type: t.exposeString('type', messageCreationDetailsSpec.prop('type')),
    messageCreation: t.field({ type: RunStepMessageCreationRef, ...messageCreationDetailsSpec.prop('message_creation', 'The message this step created.'), resolve: (o) => o.message_creation }),
  }),
});

/* Code interpreter calls and their outputs. */

const logsSpec = specObject('CodeInterpreterLogsOutput', 'RunStepDetailsToolCallsCodeOutputLogsObject');
const CodeInterpreterLogsOutputRef = builder.objectRef<Schemas['RunStepDetailsToolCallsCodeOutputLogsObject']>('CodeInterpreterLogsOutput').implement({
  description: logsSpec.description,
  fields: (t) => ({ type: t.exposeString('type', logsSpec.prop('type')), logs: t.exposeString('logs', logsSpec.prop('logs')) }),
});

type ImageOutput = Schemas['RunStepDetailsToolCallsCodeOutputImageObject'];
const imageSpec = specObject('CodeInterpreterImage', 'RunStepDetailsToolCallsCodeOutputImageObject.image');
const CodeInterpreterImageRef = builder.objectRef<ImageOutput['image']>('CodeInterpreterImage').implement({
  description: imageSpec.description ?? 'An image the code interpreter produced.',
  fields: (t) => ({ fileId: t.exposeID('file_id', imageSpec.prop('file_id')) }),
});
const imageOutputSpec = specObject('CodeInterpreterImageOutput', 'RunStepDetailsToolCallsCodeOutputImageObject');
const CodeInterpreterImageOutputRef = builder.objectRef<ImageOutput>('CodeInterpreterImageOutput').implement({
  description: imageOutputSpec.description ?? 'Image output from the Code Interpreter tool call.',
  fields: (t) => ({
    type: t.exposeString('type', imageOutputSpec.prop('type')),
    image: t.field({ type: CodeInterpreterImageRef, ...imageOutputSpec.prop('image', 'The image file.'), resolve: (o) => o.image }),
  }),
});

const UnknownCodeInterpreterOutputRef = unknownMember('UnknownCodeInterpreterOutput', 'code interpreter output');
const codeOutputs = unionOf<Schemas['RunStepDetailsToolCallsCodeOutputLogsObject'] | ImageOutput>(
  { logs: CodeInterpreterLogsOutputRef, image: CodeInterpreterImageOutputRef },
  UnknownCodeInterpreterOutputRef,
);
const CodeInterpreterOutputRef = builder.unionType('CodeInterpreterOutput', {
  description: 'An output of a code interpreter call: logs or an image (UnknownCodeInterpreterOutput for a kind the gateway does not know).',
  types: [CodeInterpreterLogsOutputRef, CodeInterpreterImageOutputRef, UnknownCodeInterpreterOutputRef],
  resolveType: codeOutputs.resolveType,
});

type CodeCall = Schemas['RunStepDetailsToolCallsCodeObject'];
const codeCallSpec = specObject('CodeInterpreterCall', 'RunStepDetailsToolCallsCodeObject.code_interpreter');
const CodeInterpreterCallRef = builder.objectRef<CodeCall['code_interpreter']>('CodeInterpreterCall').implement({
  description: codeCallSpec.description,
  fields: (t) => ({
    input: t.exposeString('input', codeCallSpec.prop('input')),
    outputs: t.field({ type: [CodeInterpreterOutputRef], ...codeCallSpec.prop('outputs'), resolve: (o) => (o.outputs ?? []).map(codeOutputs.wrap) }),
  }),
});
const codeToolCallSpec = specObject('CodeInterpreterToolCall', 'RunStepDetailsToolCallsCodeObject');
const CodeInterpreterToolCallRef = builder.objectRef<CodeCall>('CodeInterpreterToolCall').implement({
  description: codeToolCallSpec.description,
  fields: (t) => ({
    id: t.exposeID('id', codeToolCallSpec.prop('id')),
    type: t.exposeString('type', codeToolCallSpec.prop('type')),
    codeInterpreter: t.field({ type: CodeInterpreterCallRef, ...codeToolCallSpec.prop('code_interpreter'), resolve: (o) => o.code_interpreter }),
  }),
});

/* File search calls. */

type FileSearchCall = Schemas['RunStepDetailsToolCallsFileSearchObject'];
type FileSearchResult = Schemas['RunStepDetailsToolCallsFileSearchResultObject'];

const rankingSpec = specObject('FileSearchCallRankingOptions', 'RunStepDetailsToolCallsFileSearchRankingOptionsObject');
const FileSearchCallRankingOptionsRef = builder.objectRef<Schemas['RunStepDetailsToolCallsFileSearchRankingOptionsObject']>('FileSearchCallRankingOptions').implement({
  description: rankingSpec.description,
  fields: (t) => ({
    ranker: t.field({ type: FileSearchRanker.ref, ...rankingSpec.prop('ranker'), resolve: (o) => FileSearchRanker.wire(o.ranker)! }),
    scoreThreshold: t.exposeFloat('score_threshold', rankingSpec.prop('score_threshold')),
  }),
});

const resultContentSpec = specObject('FileSearchResultContent', 'RunStepDetailsToolCallsFileSearchResultObject.content[]');
const FileSearchResultContentRef = builder.objectRef<NonNullable<FileSearchResult['content']>[number]>('FileSearchResultContent').implement({
  description: resultContentSpec.description ?? 'A piece of the content of a file search result.',
  fields: (t) => ({
    type: t.field({ type: FileSearchResultContentType.ref, ...resultContentSpec.prop('type'), resolve: (o) => FileSearchResultContentType.wire(o.type) }),
    text: t.string({ ...resultContentSpec.prop('text'), resolve: (o) => o.text ?? null }),
  }),
});

const resultSpec = specObject('FileSearchResult', 'RunStepDetailsToolCallsFileSearchResultObject');
const FileSearchResultRef = builder.objectRef<FileSearchResult>('FileSearchResult').implement({
  description: resultSpec.description,
  fields: (t) => ({
    fileId: t.exposeID('file_id', resultSpec.prop('file_id')),
    fileName: t.exposeString('file_name', resultSpec.prop('file_name')),
    score: t.exposeFloat('score', resultSpec.prop('score')),
    content: t.field({ type: [FileSearchResultContentRef], ...resultSpec.prop('content'), resolve: (o) => o.content ?? null }),
  }),
});

const fileSearchCallSpec = specObject('FileSearchCall', 'RunStepDetailsToolCallsFileSearchObject.file_search');
const FileSearchCallRef = builder.objectRef<FileSearchCall['file_search']>('FileSearchCall').implement({
  description: fileSearchCallSpec.description,
  fields: (t) => ({
    rankingOptions: t.field({ type: FileSearchCallRankingOptionsRef, ...fileSearchCallSpec.prop('ranking_options'), resolve: (o) => o.ranking_options ?? null }),
    results: t.field({ type: [FileSearchResultRef], ...fileSearchCallSpec.prop('results'), resolve: (o) => o.results ?? null }),
  }),
});

const fileSearchToolCallSpec = specObject('FileSearchToolCall', 'RunStepDetailsToolCallsFileSearchObject');
const FileSearchToolCallRef = builder.objectRef<FileSearchCall>('FileSearchToolCall').implement({
  description: fileSearchToolCallSpec.description ?? 'A file search tool call.',
  fields: (t) => ({
    id: t.exposeID('id', fileSearchToolCallSpec.prop('id')),
    type: t.exposeString('type', fileSearchToolCallSpec.prop('type')),
    fileSearch: t.field({ type: FileSearchCallRef, ...fileSearchToolCallSpec.prop('file_search'), resolve: (o) => o.file_search }),
  }),
});

/* Function calls. */

type FunctionCall = Schemas['RunStepDetailsToolCallsFunctionObject'];
const functionCallSpec = specObject('FunctionCall', 'RunStepDetailsToolCallsFunctionObject.function');
const FunctionCallRef = builder.objectRef<FunctionCall['function']>('FunctionCall').implement({
  description: functionCallSpec.description,
  fields: (t) => ({
    name: t.exposeString('name', functionCallSpec.prop('name')),
    arguments: t.exposeString('arguments', functionCallSpec.prop('arguments')),
    output: t.string({ ...functionCallSpec.prop('output'), resolve: (o) => o.output ?? null }),
  }),
});
const functionToolCallSpec = specObject('FunctionToolCall', 'RunStepDetailsToolCallsFunctionObject');
const FunctionToolCallRef = builder.objectRef<FunctionCall>('FunctionToolCall').implement({
  description: functionToolCallSpec.description ?? 'A function tool call.',
  fields: (t) => ({
    id: t.exposeID('id', functionToolCallSpec.prop('id')),
    type: t.exposeString('type', functionToolCallSpec.prop('type')),
    function: t.field({ type: FunctionCallRef, ...functionToolCallSpec.prop('function'), resolve: (o) => o.function }),
  }),
});

/*
 * Azure AI Foundry's tool calls (`Azure.AI.Agents` RunStepToolCall members RunStepMcpToolCall, RunStepAzureAISearchToolCall,
 * RunStepBingGroundingToolCall, RunStepOpenAPIToolCall, RunStepConnectedAgentToolCall): not in the OpenAI spec, so typed
 * here. Azure defines the search and OpenAPI calls' details only as string maps ("reserved for future use"): JSONObject.
 * Its other calls (sharepoint_grounding, fabric_dataagent, bing_custom_search, azure_function, deep_research) stay UnknownRunStepToolCall.
 */

const FOUNDRY = '(Azure AI Foundry Agent Service; not in the OpenAI spec.)';

interface McpCall {
  id: string;
  type: 'mcp';
  name: string;
  arguments: string;
  server_label?: string | null;
  output?: string | null;
}
const McpToolCallRef = builder.objectRef<McpCall>('McpToolCall').implement({
  description: `A call of a tool on an MCP server (\`RunStepMcpToolCall\`); while it waits for approval the run's required action lists it too (RunMcpToolCall). ${FOUNDRY}`,
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The id of the tool call (the one approvals answer).' }),
    type: t.exposeString('type', { description: 'Always `mcp`.' }),
    name: t.exposeString('name', { description: 'The tool called on the server.' }),
    arguments: t.exposeString('arguments', { description: 'Its arguments, as the model gave them: a JSON document as a string.' }),
    serverLabel: t.string({ nullable: true, description: 'The server (McpTool.serverLabel).', resolve: (o) => o.server_label ?? null }),
    output: t.string({ nullable: true, description: "The server's answer; null until the call is made, and for good when it was refused.", resolve: (o) => o.output ?? null }),
  }),
});

/** A call whose details Azure gives as a string map under a member named after its type. */
interface DetailsCall {
  id: string;
  type: string;
  [details: string]: unknown;
}
function detailsCall(name: string, wireType: string, field: string, description: string) {
  return builder.objectRef<DetailsCall>(name).implement({
    description: `${description} ${FOUNDRY}`,
    fields: (t) => ({
      id: t.id({ description: 'The id of the tool call.', resolve: (o) => o.id }),
      type: t.string({ description: `Always \`${wireType}\`.`, resolve: (o) => o.type }),
      [field]: t.field({
        type: 'JSONObject',
        nullable: true,
        description: `\`${wireType}\` as sent: Azure types it only as a map of strings (e.g. the request and the response), "reserved for future use".`,
        resolve: (o) => (isRecord(o[wireType]) ? o[wireType] : null),
      }),
    }),
  });
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const AzureAiSearchToolCallRef = detailsCall('AzureAiSearchToolCall', 'azure_ai_search', 'azureAiSearch', 'A search of an Azure AI Search index (`RunStepAzureAISearchToolCall`).');
const BingGroundingToolCallRef = detailsCall('BingGroundingToolCall', 'bing_grounding', 'bingGrounding', 'A Grounding with Bing Search query (`RunStepBingGroundingToolCall`).');
const OpenApiToolCallRef = detailsCall('OpenApiToolCall', 'openapi', 'openapi', 'A call of an OpenAPI tool (`RunStepOpenAPIToolCall`).');

interface ConnectedAgentCallDetails {
  name?: string | null;
  arguments?: string | null;
  output?: string | null;
  run_id?: string | null;
  thread_id?: string | null;
  agent_id?: string | null;
}
interface ConnectedAgentCall {
  id: string;
  type: 'connected_agent';
  connected_agent?: ConnectedAgentCallDetails | null;
}
const ConnectedAgentCallRef = builder.objectRef<ConnectedAgentCallDetails>('ConnectedAgentCall').implement({
  description: `What a connected agent was asked and answered, and the run it did it in (\`RunStepConnectedAgent\`). ${FOUNDRY}`,
  fields: (t) => ({
    name: t.string({ nullable: true, description: 'The name of the connected agent.', resolve: (o) => o.name ?? null }),
    arguments: t.string({ nullable: true, description: 'The query it was given: a JSON document as a string.', resolve: (o) => o.arguments ?? null }),
    output: t.string({ nullable: true, description: 'Its answer.', resolve: (o) => o.output ?? null }),
    agentId: t.string({ nullable: true, description: 'The upstream id of the connected agent (an assistant id).', resolve: (o) => o.agent_id ?? null }),
    threadId: t.string({ nullable: true, description: 'The thread the connected agent ran in.', resolve: (o) => o.thread_id ?? null }),
    runId: t.string({ nullable: true, description: 'The run of the connected agent.', resolve: (o) => o.run_id ?? null }),
  }),
});
const ConnectedAgentToolCallRef = builder.objectRef<ConnectedAgentCall>('ConnectedAgentToolCall').implement({
  description: `A call of a connected agent (\`RunStepConnectedAgentToolCall\`). ${FOUNDRY}`,
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The id of the tool call.' }),
    type: t.exposeString('type', { description: 'Always `connected_agent`.' }),
    connectedAgent: t.field({ type: ConnectedAgentCallRef, nullable: true, description: 'The call and its answer.', resolve: (o) => o.connected_agent ?? null }),
  }),
});

const UnknownRunStepToolCallRef = unknownMember('UnknownRunStepToolCall', 'tool call');
const toolCalls = unionOf<CodeCall | FileSearchCall | FunctionCall | McpCall | ConnectedAgentCall | DetailsCall>(
  {
    code_interpreter: CodeInterpreterToolCallRef,
    file_search: FileSearchToolCallRef,
    function: FunctionToolCallRef,
    mcp: McpToolCallRef,
    azure_ai_search: AzureAiSearchToolCallRef,
    bing_grounding: BingGroundingToolCallRef,
    openapi: OpenApiToolCallRef,
    connected_agent: ConnectedAgentToolCallRef,
  },
  UnknownRunStepToolCallRef,
);
const RunStepToolCallRef = builder.unionType('RunStepToolCall', {
  description:
    'A tool call of a run step: code interpreter, file search or function; on Azure AI Foundry also an MCP call, an Azure AI Search, a Bing grounding search, ' +
    'an OpenAPI call or a connected agent (UnknownRunStepToolCall for a kind the gateway does not know).',
  types: [
    CodeInterpreterToolCallRef,
    FileSearchToolCallRef,
    FunctionToolCallRef,
    McpToolCallRef,
    AzureAiSearchToolCallRef,
    BingGroundingToolCallRef,
    OpenApiToolCallRef,
    ConnectedAgentToolCallRef,
    UnknownRunStepToolCallRef,
  ],
  resolveType: toolCalls.resolveType,
});

type ToolCallsDetails = Schemas['RunStepDetailsToolCallsObject'];
const toolCallsDetailsSpec = specObject('RunStepToolCallsDetails', 'RunStepDetailsToolCallsObject');
const RunStepToolCallsDetailsRef = builder.objectRef<ToolCallsDetails>('RunStepToolCallsDetails').implement({
  description: toolCallsDetailsSpec.description,
  fields: (t) => ({
    type: t.exposeString('type', toolCallsDetailsSpec.prop('type')),
    toolCalls: t.field({ type: [RunStepToolCallRef], ...toolCallsDetailsSpec.prop('tool_calls'), resolve: (o) => (o.tool_calls ?? []).map(toolCalls.wrap) }),
  }),
});

const UnknownRunStepDetailsRef = unknownMember('UnknownRunStepDetails', 'step detail');
const details = unionOf<Schemas['RunStepDetailsMessageCreationObject'] | ToolCallsDetails>(
  { message_creation: RunStepMessageCreationDetailsRef, tool_calls: RunStepToolCallsDetailsRef },
  UnknownRunStepDetailsRef,
);
const RunStepDetailsRef = builder.unionType('RunStepDetails', {
  description: 'The details of a run step: the message it created or the tools it called (UnknownRunStepDetails for a kind the gateway does not know).',
  types: [RunStepMessageCreationDetailsRef, RunStepToolCallsDetailsRef, UnknownRunStepDetailsRef],
  resolveType: details.resolveType,
});

/* The step itself. */

const lastErrorSpec = specObject('RunStepLastError', 'RunStepObject.last_error');
const RunStepLastErrorRef = builder.objectRef<NonNullable<Step['last_error']>>('RunStepLastError').implement({
  description: lastErrorSpec.description,
  fields: (t) => ({
    code: t.field({ type: RunStepLastErrorCode.ref, ...lastErrorSpec.prop('code'), resolve: (o) => RunStepLastErrorCode.wire(o.code)! }),
    message: t.exposeString('message', lastErrorSpec.prop('message')),
  }),
});

const usageSpec = specObject('RunStepCompletionUsage', 'RunStepCompletionUsage');
const RunStepCompletionUsageRef = builder.objectRef<NonNullable<Schemas['RunStepCompletionUsage']>>('RunStepCompletionUsage').implement({
  description: usageSpec.description,
  fields: (t) => ({
    completionTokens: t.exposeInt('completion_tokens', usageSpec.prop('completion_tokens')),
    promptTokens: t.exposeInt('prompt_tokens', usageSpec.prop('prompt_tokens')),
    totalTokens: t.exposeInt('total_tokens', usageSpec.prop('total_tokens')),
  }),
});

const stepSpec = specObject('RunStep', 'RunStepObject', { id: 'stepId' });
const prop = stepSpec.prop;

builder.node(RunStepRef, {
  description: `${stepSpec.description ?? ''} \`id\` is the global id (it carries the thread and run ids); \`stepId\` is the upstream id.`.trim(),
  id: { resolve: (step) => localIds.step(step) },
  loadWithoutCache: (id, context) => context.loaders.step.load(parseLocalId.step(id)),
  fields: (t) => ({
    stepId: t.exposeID('id', prop('id')),
    object: t.field({ type: RunStepObjectObject.ref, ...prop('object'), resolve: (step) => RunStepObjectObject.wire(step.object)! }),
    createdAt: t.field({ type: 'DateTime', ...prop('created_at'), resolve: (step) => fromUnix(step.created_at)! }),
    assistantId: t.exposeID('assistant_id', prop('assistant_id')),
    threadId: t.exposeID('thread_id', prop('thread_id')),
    runId: t.exposeID('run_id', prop('run_id')),
    type: t.field({ type: RunStepType.ref, ...prop('type'), resolve: (step) => RunStepType.wire(step.type)! }),
    status: t.field({ type: RunStepStatus.ref, ...prop('status'), resolve: (step) => RunStepStatus.wire(step.status)! }),
    stepDetails: t.field({ type: RunStepDetailsRef, ...prop('step_details'), resolve: (step) => details.wrap(step.step_details) as never }),
    lastError: t.field({ type: RunStepLastErrorRef, ...prop('last_error'), resolve: (step) => step.last_error ?? null }),
    expiredAt: t.field({ type: 'DateTime', ...prop('expired_at'), resolve: (step) => fromUnix(step.expired_at) }),
    cancelledAt: t.field({ type: 'DateTime', ...prop('cancelled_at'), resolve: (step) => fromUnix(step.cancelled_at) }),
    failedAt: t.field({ type: 'DateTime', ...prop('failed_at'), resolve: (step) => fromUnix(step.failed_at) }),
    completedAt: t.field({ type: 'DateTime', ...prop('completed_at'), resolve: (step) => fromUnix(step.completed_at) }),
    metadata: t.field({ type: 'JSONObject', ...prop('metadata'), resolve: (step) => step.metadata ?? null }),
    usage: t.field({ type: RunStepCompletionUsageRef, ...prop('usage'), resolve: (step) => step.usage ?? null }),
    run: t.field({
      type: RunRef,
      nullable: true,
      description: 'The run this step is part of (null if it no longer exists).',
      resolve: (step, _args, context) => context.loaders.run.load({ threadId: step.thread_id, runId: step.run_id }),
    }),
  }),
});

builder.queryFields((t) => ({
  runStep: t.field({
    type: RunStepRef,
    nullable: true,
    description: `${operationDescription('GET', '/threads/{thread_id}/runs/{run_id}/steps/{step_id}')} Null when there is no such step. Every argument accepts upstream ids or global ids.`,
    args: {
      threadId: t.arg.id({ required: true, description: 'The thread: `thread_…` or a Thread global id.' }),
      runId: t.arg.id({ required: true, description: 'The run: `run_…` or a RunObject global id.' }),
      stepId: t.arg.id({ required: true, description: 'The step: `step_…` or a RunStep global id.' }),
      include: t.arg({ type: [RunStepInclude.ref], required: false, description: INCLUDE_ARG_DESCRIPTION }),
    },
    resolve: (_root, args, context) => {
      const key = stepKeyArgs({ threadId: String(args.threadId), runId: String(args.runId), stepId: String(args.stepId) });
      return context.loaders.step.load({ ...key, include: args.include?.map(RunStepInclude.toWire) });
    },
  }),
}));
