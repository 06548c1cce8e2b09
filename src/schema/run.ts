import type { GatewayContext } from '../context.js';
import { isStale } from '../live/index.js';
import type { Schemas } from '../spec/index.js';
import { cancelRun, createRun, createThreadAndRun, modifyRun, submitToolApprovals, submitToolOutputs } from '../writes/actions.js';
import { asToolApprovalAction, type McpToolCallWire, type ToolApprovalActionWire } from '../writes/tool-approvals.js';
import type { WriteResult } from '../writes/run-write.js';
import { builder } from './builder.js';
import { wireEnum } from './helpers.js';
import { localIds, parseLocalId, runKeyArgs } from './ids.js';
import { ListOrder, ORDER_ARG_DESCRIPTION, planPage, toConnection } from './pagination.js';
import { AssistantRef, MessageConnection, MessageRef, RunConnection, RunRef, RunStepConnection, RunStepRef, ThreadRef } from './refs.js';
import { INCLUDE_ARG_DESCRIPTION, RunStepInclude } from './run-step.js';
import { fromUnix } from './scalars.js';
import { describeNode, operationDescription, parameterDescription, schemaAt, specObject } from './spec.js';
import { AssistantToolRef, ToolChoiceRef, ResponseFormatRef, toolResourcesType, wrapResponseFormat, wrapTool, wrapToolChoice, type WireToolResources } from './tools.js';
import {
  MessageInput,
  MetadataDescription,
  NewThreadInput,
  ReasoningEffortInput,
  ResponseFormatInput,
  ToolChoiceInput,
  ToolInput,
  ToolResourcesInput,
  TruncationStrategyInput,
  INPUT_ARG_DESCRIPTION,
  mutationFields,
  payloadFields,
  requestDescription,
  type InputFields,
  type PayloadShape,
} from './write-inputs.js';

type Run = Schemas['RunObject'];

export const RunObjectStatus = wireEnum('RunObjectStatus', 'RunObject.status');
export const RunObjectObject = wireEnum('RunObjectObject', 'RunObject.object');
export const RunRequiredActionType = wireEnum('RunRequiredActionType', 'RunObject.required_action.type', undefined, [
  { value: 'submit_tool_approval', description: 'MCP tool calls wait for approval (Azure AI Foundry Agent Service): see `submitToolApproval`, answer with the submitToolApprovals mutation.' },
]);
export const RunLastErrorCode = wireEnum('RunLastErrorCode', 'RunObject.last_error.code');
export const RunIncompleteReason = wireEnum('RunIncompleteReason', 'RunObject.incomplete_details.reason');
export const RunToolCallType = wireEnum('RunToolCallType', 'RunToolCallObject.type');
export const TruncationStrategyType = wireEnum('TruncationStrategyType', 'TruncationObject.type');

const toolCallFunctionSpec = specObject('RunToolCallFunction', 'RunToolCallObject.function');
const RunToolCallFunctionRef = builder.objectRef<Schemas['RunToolCallObject']['function']>('RunToolCallFunction').implement({
  description: toolCallFunctionSpec.description,
  fields: (t) => ({
    name: t.exposeString('name', toolCallFunctionSpec.prop('name')),
    arguments: t.exposeString('arguments', toolCallFunctionSpec.prop('arguments')),
  }),
});

const toolCallSpec = specObject('RunToolCall', 'RunToolCallObject');
const RunToolCallRef = builder.objectRef<Schemas['RunToolCallObject']>('RunToolCall').implement({
  description: toolCallSpec.description,
  fields: (t) => ({
    id: t.exposeID('id', toolCallSpec.prop('id')),
    type: t.field({ type: RunToolCallType.ref, ...toolCallSpec.prop('type'), resolve: (o) => RunToolCallType.wire(o.type)! }),
    function: t.field({ type: RunToolCallFunctionRef, ...toolCallSpec.prop('function'), resolve: (o) => o.function }),
  }),
});

/** OpenAI's action, or Foundry's `submit_tool_approval` (which has no `submit_tool_outputs`). */
type RequiredAction = NonNullable<Run['required_action']> | ToolApprovalActionWire;
type SubmitToolOutputs = NonNullable<Run['required_action']>['submit_tool_outputs'];
const NO_OUTPUTS_AWAITED: SubmitToolOutputs = Object.freeze({ tool_calls: [] }) as unknown as SubmitToolOutputs;

const submitSpec = specObject('RunSubmitToolOutputs', 'RunObject.required_action.submit_tool_outputs');
const RunSubmitToolOutputsRef = builder.objectRef<SubmitToolOutputs>('RunSubmitToolOutputs').implement({
  description: submitSpec.description,
  fields: (t) => ({
    toolCalls: t.field({ type: [RunToolCallRef], ...submitSpec.prop('tool_calls'), resolve: (o) => o.tool_calls }),
  }),
});

const RunMcpToolCallRef = builder.objectRef<McpToolCallWire>('RunMcpToolCall').implement({
  description: 'An MCP tool call that waits to be approved or refused (`RequiredMcpToolCall`, Azure AI Foundry Agent Service; not in the OpenAI spec).',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The tool call id: answer it by `toolCallId` in submitToolApprovals.' }),
    type: t.exposeString('type', { description: 'Always `mcp`.' }),
    name: t.exposeString('name', { description: 'The MCP tool the model wants to call.' }),
    arguments: t.exposeString('arguments', { description: 'The arguments the model chose, as a JSON string.' }),
    serverLabel: t.exposeString('server_label', { description: 'The MCP server of the tool (McpTool.serverLabel).' }),
  }),
});

const RunSubmitToolApprovalRef = builder.objectRef<ToolApprovalActionWire['submit_tool_approval']>('RunSubmitToolApproval').implement({
  description: 'Details of the MCP tool calls awaiting approval (Azure AI Foundry Agent Service; not in the OpenAI spec).',
  fields: (t) => ({
    toolCalls: t.field({ type: [RunMcpToolCallRef], description: 'The calls to approve or refuse, all in one submitToolApprovals.', resolve: (o) => o.tool_calls }),
  }),
});

const requiredActionSpec = specObject('RunRequiredAction', 'RunObject.required_action');
const RunRequiredActionRef = builder.objectRef<RequiredAction>('RunRequiredAction').implement({
  description: `${requiredActionSpec.description ?? ''} On Azure AI Foundry the action may instead be SUBMIT_TOOL_APPROVAL: MCP tool calls in \`submitToolApproval\`.`.trim(),
  fields: (t) => ({
    type: t.field({ type: RunRequiredActionType.ref, ...requiredActionSpec.prop('type'), resolve: (o) => RunRequiredActionType.wire(o.type)! }),
    submitToolOutputs: t.field({
      type: RunSubmitToolOutputsRef,
      ...requiredActionSpec.prop('submit_tool_outputs'),
      // Non-null as the spec says: a run awaiting approvals awaits no outputs, so it has none to list.
      resolve: (o) => ('submit_tool_outputs' in o && o.submit_tool_outputs ? o.submit_tool_outputs : NO_OUTPUTS_AWAITED),
    }),
    submitToolApproval: t.field({
      type: RunSubmitToolApprovalRef,
      nullable: true,
      description: 'With SUBMIT_TOOL_APPROVAL: the MCP tool calls awaiting approval (answer them with submitToolApprovals); null otherwise. Azure AI Foundry Agent Service; not in the OpenAI spec.',
      resolve: (o) => asToolApprovalAction(o)?.submit_tool_approval ?? null,
    }),
  }),
});

/** Foundry's runs carry the tool resources they run with; OpenAI's do not (null there). */
const RunToolResourcesRef = toolResourcesType(
  'Run',
  'AssistantObject.tool_resources',
  'The resources the run\'s tools use (Azure AI Foundry Agent Service sends `tool_resources` on runs; the OpenAI wire does not, so it is null there).',
);
const runToolResources = (run: Run): WireToolResources | null => (run as Run & { tool_resources?: WireToolResources | null }).tool_resources ?? null;

const lastErrorSpec = specObject('RunLastError', 'RunObject.last_error');
const RunLastErrorRef = builder.objectRef<NonNullable<Run['last_error']>>('RunLastError').implement({
  description: lastErrorSpec.description,
  fields: (t) => ({
    code: t.field({ type: RunLastErrorCode.ref, ...lastErrorSpec.prop('code'), resolve: (o) => RunLastErrorCode.wire(o.code)! }),
    message: t.exposeString('message', lastErrorSpec.prop('message')),
  }),
});

const incompleteSpec = specObject('RunIncompleteDetails', 'RunObject.incomplete_details');
const RunIncompleteDetailsRef = builder.objectRef<NonNullable<Run['incomplete_details']>>('RunIncompleteDetails').implement({
  description: incompleteSpec.description,
  fields: (t) => ({
    reason: t.field({ type: RunIncompleteReason.ref, ...incompleteSpec.prop('reason'), resolve: (o) => RunIncompleteReason.wire(o.reason) }),
  }),
});

const usageSpec = specObject('RunCompletionUsage', 'RunCompletionUsage');
const RunCompletionUsageRef = builder.objectRef<NonNullable<Schemas['RunCompletionUsage']>>('RunCompletionUsage').implement({
  description: usageSpec.description,
  fields: (t) => ({
    completionTokens: t.exposeInt('completion_tokens', usageSpec.prop('completion_tokens')),
    promptTokens: t.exposeInt('prompt_tokens', usageSpec.prop('prompt_tokens')),
    totalTokens: t.exposeInt('total_tokens', usageSpec.prop('total_tokens')),
  }),
});

const truncationSpec = specObject('TruncationStrategy', 'TruncationObject');
const TruncationStrategyRef = builder.objectRef<Schemas['TruncationObject']>('TruncationStrategy').implement({
  description: truncationSpec.description,
  fields: (t) => ({
    type: t.field({ type: TruncationStrategyType.ref, ...truncationSpec.prop('type'), resolve: (o) => TruncationStrategyType.wire(o.type)! }),
    lastMessages: t.int({ ...truncationSpec.prop('last_messages'), resolve: (o) => o.last_messages ?? null }),
  }),
});

const runSpec = specObject('RunObject', 'RunObject', { id: 'runId' });
const prop = runSpec.prop;

/** Whether a run's state is current; only a subscription's re-send during an upstream outage is not. */
export const UpstreamStatus = builder.enumType('UpstreamStatus', {
  description: 'Whether the gateway could read this state from the upstream just now.',
  values: {
    AVAILABLE: { value: 'available', description: 'The state as the upstream answered it: every query and mutation, and subscription events normally.' },
    UNAVAILABLE: {
      value: 'unavailable',
      description:
        'The upstream does not answer: a subscription sends the last state it knows again, and stays open. As soon as the upstream answers, the current state follows (AVAILABLE, even when unchanged).',
    },
  } as const,
});

builder.node(RunRef, {
  description: `${runSpec.description ?? ''} \`id\` is the global id (it carries the thread id); \`runId\` is the upstream id.`.trim(),
  id: { resolve: (run) => localIds.run(run) },
  loadWithoutCache: (id, context) => context.loaders.run.load(parseLocalId.run(id)),
  fields: (t) => ({
    runId: t.exposeID('id', prop('id')),
    object: t.field({ type: RunObjectObject.ref, ...prop('object'), resolve: (run) => RunObjectObject.wire(run.object)! }),
    createdAt: t.field({ type: 'DateTime', ...prop('created_at'), resolve: (run) => fromUnix(run.created_at)! }),
    threadId: t.exposeID('thread_id', prop('thread_id')),
    assistantId: t.exposeID('assistant_id', prop('assistant_id')),
    status: t.field({ type: RunObjectStatus.ref, ...prop('status'), resolve: (run) => RunObjectStatus.wire(run.status)! }),
    requiredAction: t.field({ type: RunRequiredActionRef, ...prop('required_action'), resolve: (run) => run.required_action ?? null }),
    lastError: t.field({ type: RunLastErrorRef, ...prop('last_error'), resolve: (run) => run.last_error ?? null }),
    expiresAt: t.field({ type: 'DateTime', ...prop('expires_at'), resolve: (run) => fromUnix(run.expires_at) }),
    startedAt: t.field({ type: 'DateTime', ...prop('started_at'), resolve: (run) => fromUnix(run.started_at) }),
    cancelledAt: t.field({ type: 'DateTime', ...prop('cancelled_at'), resolve: (run) => fromUnix(run.cancelled_at) }),
    failedAt: t.field({ type: 'DateTime', ...prop('failed_at'), resolve: (run) => fromUnix(run.failed_at) }),
    completedAt: t.field({ type: 'DateTime', ...prop('completed_at'), resolve: (run) => fromUnix(run.completed_at) }),
    incompleteDetails: t.field({ type: RunIncompleteDetailsRef, ...prop('incomplete_details'), resolve: (run) => run.incomplete_details ?? null }),
    model: t.exposeString('model', prop('model')),
    instructions: t.string({ ...prop('instructions'), resolve: (run) => run.instructions ?? null }),
    tools: t.field({ type: [AssistantToolRef], ...prop('tools'), resolve: (run) => (run.tools ?? []).map(wrapTool) }),
    metadata: t.field({ type: 'JSONObject', ...prop('metadata'), resolve: (run) => run.metadata ?? null }),
    usage: t.field({ type: RunCompletionUsageRef, ...prop('usage'), resolve: (run) => run.usage ?? null }),
    temperature: t.float({ ...prop('temperature'), resolve: (run) => run.temperature ?? null }),
    topP: t.float({ ...prop('top_p'), resolve: (run) => run.top_p ?? null }),
    maxPromptTokens: t.int({ ...prop('max_prompt_tokens'), resolve: (run) => run.max_prompt_tokens ?? null }),
    maxCompletionTokens: t.int({ ...prop('max_completion_tokens'), resolve: (run) => run.max_completion_tokens ?? null }),
    truncationStrategy: t.field({ type: TruncationStrategyRef, ...prop('truncation_strategy'), resolve: (run) => run.truncation_strategy ?? null }),
    toolChoice: t.field({ type: ToolChoiceRef, ...prop('tool_choice'), resolve: (run) => wrapToolChoice(run.tool_choice) }),
    parallelToolCalls: t.exposeBoolean('parallel_tool_calls', prop('parallel_tool_calls')),
    responseFormat: t.field({ type: ResponseFormatRef, ...prop('response_format'), resolve: (run) => wrapResponseFormat(run.response_format) }),
    toolResources: t.field({
      type: RunToolResourcesRef,
      nullable: true,
      description: 'The resources the run\'s tools use: sent by Azure AI Foundry Agent Service (`tool_resources`), not by the OpenAI wire (null there).',
      resolve: runToolResources,
    }),
    upstreamStatus: t.field({
      type: UpstreamStatus,
      nullable: false,
      description:
        'Whether this state is current. Only `runUpdated` and `threadRunsUpdated` send UNAVAILABLE: the last known state, sent again while the upstream does not answer (show it as stale; the subscription goes on by itself).',
      resolve: (run) => (isStale(run) ? 'unavailable' : 'available'),
    }),

    thread: t.field({
      type: ThreadRef,
      nullable: true,
      description: 'The thread this run belongs to (null if it no longer exists).',
      resolve: (run, _args, context) => context.loaders.thread.load(run.thread_id),
    }),
    assistant: t.field({
      type: AssistantRef,
      nullable: true,
      description: 'The assistant used for this run (null if it no longer exists).',
      resolve: (run, _args, context) => context.loaders.assistant.load(run.assistant_id),
    }),
    steps: t.connection(
      {
        type: RunStepRef,
        description: operationDescription('GET', '/threads/{thread_id}/runs/{run_id}/steps'),
        args: {
          order: t.arg({ type: ListOrder, defaultValue: 'desc', description: ORDER_ARG_DESCRIPTION }),
          include: t.arg({ type: [RunStepInclude.ref], required: false, description: INCLUDE_ARG_DESCRIPTION }),
        },
        resolve: async (run, args, context) => {
          const plan = planPage(args);
          const include = args.include?.map((value) => RunStepInclude.toWire(value));
          const page = await context.loaders.stepsPage.load({ threadId: run.thread_id, runId: run.id, params: plan.params, include });
          return toConnection(page, plan);
        },
      },
      RunStepConnection,
    ),
    messages: t.connection(
      {
        type: MessageRef,
        description: `The messages this run created (the thread's messages filtered by the upstream \`run_id\`). ${parameterDescription('GET', '/threads/{thread_id}/messages', 'run_id') ?? ''}`.trim(),
        args: { order: t.arg({ type: ListOrder, defaultValue: 'desc', description: ORDER_ARG_DESCRIPTION }) },
        resolve: async (run, args, context) => {
          const plan = planPage(args);
          const page = await context.loaders.messagesPage.load({ threadId: run.thread_id, runId: run.id, params: plan.params });
          return toConnection(page, plan);
        },
      },
      MessageConnection,
    ),
  }),
});

builder.queryFields((t) => ({
  run: t.field({
    type: RunRef,
    nullable: true,
    description: `${operationDescription('GET', '/threads/{thread_id}/runs/{run_id}')} Null when there is no such run. Both arguments accept upstream ids or global ids.`,
    args: {
      threadId: t.arg.id({ required: true, description: 'The thread: `thread_…` or a Thread global id.' }),
      runId: t.arg.id({ required: true, description: 'The run: `run_…` or a RunObject global id.' }),
    },
    resolve: (_root, args, context) => context.loaders.run.load(runKeyArgs({ threadId: String(args.threadId), runId: String(args.runId) })),
  }),
}));

/** Thread.runs lives here, next to the type it returns. */
builder.objectField(ThreadRef, 'runs', (t) =>
  t.connection(
    {
      type: RunRef,
      description: operationDescription('GET', '/threads/{thread_id}/runs'),
      args: { order: t.arg({ type: ListOrder, defaultValue: 'desc', description: ORDER_ARG_DESCRIPTION }) },
      resolve: async (thread, args, context) => {
        const plan = planPage(args);
        const page = await context.loaders.runsPage.load({ threadId: thread.id, params: plan.params });
        return toConnection(page, plan);
      },
    },
    RunConnection,
  ),
);

/* Mutations: start, steer and finish runs. The work (ids, validation, one idempotent send, loader priming) is in src/writes/actions.ts. */

interface RunPayloadShape extends PayloadShape {
  run: Run;
}

/** The payload's run: as written, or for a replayed idempotent result the same run's current state. */
async function payloadRun(payload: RunPayloadShape, context: GatewayContext): Promise<Run> {
  if (!payload.replayed) return payload.run;
  return (await context.loaders.run.load({ threadId: payload.run.thread_id, runId: payload.run.id })) ?? payload.run;
}

function runPayload(name: string, description: string) {
  return builder.objectRef<RunPayloadShape>(name).implement({
    description,
    fields: (t) => ({
      ...payloadFields(t),
      run: t.field({ type: RunRef, description: 'The run after the write.', resolve: (payload, _args, context) => payloadRun(payload, context) }),
      thread: t.field({
        type: ThreadRef,
        nullable: true,
        description: 'The thread of the run.',
        resolve: (payload, _args, context) => context.loaders.thread.load(payload.run.thread_id),
      }),
    }),
  });
}

const toRunPayload = (input: { clientMutationId?: string | null | undefined }, result: WriteResult<Run>): RunPayloadShape => ({
  clientMutationId: input.clientMutationId,
  replayed: result.replayed,
  run: result.value,
});

const runRefFields = (t: InputFields) => ({
  threadId: t.id({ description: 'The thread: `thread_…` or a Thread global id. Not needed with a run global id.' }),
  runId: t.id({ required: true, description: 'The run: `run_…` or a RunObject global id.' }),
});

const CreateRunInput = builder.inputType('CreateRunInput', {
  description: `${operationDescription('POST', '/threads/{thread_id}/runs')} Every field of the upstream create-run request (\`stream\` excepted: follow a run with the subscription instead).`,
  fields: (t) => ({
    threadId: t.id({ required: true, description: 'The thread to run: `thread_…` or a Thread global id.' }),
    assistantId: t.id({ required: true, description: `${requestDescription('CreateRunRequest', 'assistant_id')} \`asst_…\` or an Assistant global id.` }),
    model: t.string({ description: requestDescription('CreateRunRequest', 'model') }),
    reasoningEffort: t.field({ type: ReasoningEffortInput, description: describeNode(schemaAt('ReasoningEffort')) }),
    instructions: t.string({ description: requestDescription('CreateRunRequest', 'instructions') }),
    additionalInstructions: t.string({ description: requestDescription('CreateRunRequest', 'additional_instructions') }),
    additionalMessages: t.field({ type: [MessageInput], description: requestDescription('CreateRunRequest', 'additional_messages') }),
    tools: t.field({ type: [ToolInput], description: requestDescription('CreateRunRequest', 'tools', 'At most 20.') }),
    metadata: t.field({ type: 'JSONObject', description: MetadataDescription }),
    temperature: t.float({ description: requestDescription('CreateRunRequest', 'temperature', 'From 0 to 2.') }),
    topP: t.float({ description: requestDescription('CreateRunRequest', 'top_p', 'From 0 to 1.') }),
    maxPromptTokens: t.int({ description: requestDescription('CreateRunRequest', 'max_prompt_tokens', 'At least 256.') }),
    maxCompletionTokens: t.int({ description: requestDescription('CreateRunRequest', 'max_completion_tokens', 'At least 256.') }),
    truncationStrategy: t.field({ type: TruncationStrategyInput, description: describeNode(schemaAt('TruncationObject')) }),
    toolChoice: t.field({ type: ToolChoiceInput, description: describeNode(schemaAt('AssistantsApiToolChoiceOption')) }),
    parallelToolCalls: t.boolean({ description: describeNode(schemaAt('ParallelToolCalls')) }),
    responseFormat: t.field({ type: ResponseFormatInput, description: describeNode(schemaAt('AssistantsApiResponseFormatOption')) }),
    include: t.field({ type: [RunStepInclude.ref], description: parameterDescription('POST', '/threads/{thread_id}/runs', 'include[]') }),
    toolResources: t.field({
      type: ToolResourcesInput,
      description:
        "The run's own tool resources (Azure's `tool_resources` on create-run, e.g. `mcp` approvals and headers). Azure AI Foundry only: " +
        'the OpenAI wire has none, so where the profile lacks the `foundry_tools` capability it is refused, unsent, with UPSTREAM_UNSUPPORTED.',
    }),
    ...mutationFields(t),
  }),
});

const CreateThreadAndRunInput = builder.inputType('CreateThreadAndRunInput', {
  description: `${operationDescription('POST', '/threads/runs')} Only the fields of the upstream create-thread-and-run request (\`stream\` excepted).`,
  fields: (t) => ({
    assistantId: t.id({ required: true, description: `${requestDescription('CreateThreadAndRunRequest', 'assistant_id')} \`asst_…\` or an Assistant global id.` }),
    thread: t.field({ type: NewThreadInput, description: 'The thread to create, with its first messages. Without it an empty thread is created.' }),
    model: t.string({ description: requestDescription('CreateThreadAndRunRequest', 'model') }),
    instructions: t.string({ description: requestDescription('CreateThreadAndRunRequest', 'instructions') }),
    tools: t.field({ type: [ToolInput], description: requestDescription('CreateThreadAndRunRequest', 'tools', 'At most 20.') }),
    toolResources: t.field({ type: ToolResourcesInput, description: requestDescription('CreateThreadAndRunRequest', 'tool_resources') }),
    metadata: t.field({ type: 'JSONObject', description: MetadataDescription }),
    temperature: t.float({ description: requestDescription('CreateThreadAndRunRequest', 'temperature', 'From 0 to 2.') }),
    topP: t.float({ description: requestDescription('CreateThreadAndRunRequest', 'top_p', 'From 0 to 1.') }),
    maxPromptTokens: t.int({ description: requestDescription('CreateThreadAndRunRequest', 'max_prompt_tokens', 'At least 256.') }),
    maxCompletionTokens: t.int({ description: requestDescription('CreateThreadAndRunRequest', 'max_completion_tokens', 'At least 256.') }),
    truncationStrategy: t.field({ type: TruncationStrategyInput, description: describeNode(schemaAt('TruncationObject')) }),
    toolChoice: t.field({ type: ToolChoiceInput, description: describeNode(schemaAt('AssistantsApiToolChoiceOption')) }),
    parallelToolCalls: t.boolean({ description: describeNode(schemaAt('ParallelToolCalls')) }),
    responseFormat: t.field({ type: ResponseFormatInput, description: describeNode(schemaAt('AssistantsApiResponseFormatOption')) }),
    ...mutationFields(t),
  }),
});

const ModifyRunInput = builder.inputType('ModifyRunInput', {
  description: operationDescription('POST', '/threads/{thread_id}/runs/{run_id}'),
  fields: (t) => ({
    ...runRefFields(t),
    metadata: t.field({ type: 'JSONObject', description: MetadataDescription }),
    ...mutationFields(t),
  }),
});

const CancelRunInput = builder.inputType('CancelRunInput', {
  description: `${operationDescription('POST', '/threads/{thread_id}/runs/{run_id}/cancel')} Only a queued, in-progress or requires_action run can be cancelled (else CONFLICT).`,
  fields: (t) => ({ ...runRefFields(t), ...mutationFields(t) }),
});

const ToolOutputInput = builder.inputType('ToolOutputInput', {
  description: 'The output of one tool call.',
  fields: (t) => ({
    toolCallId: t.id({ required: true, description: requestDescription('SubmitToolOutputsRunRequest', 'tool_outputs[].tool_call_id') }),
    output: t.string({ required: true, description: requestDescription('SubmitToolOutputsRunRequest', 'tool_outputs[].output') }),
  }),
});

const SubmitToolOutputsInput = builder.inputType('SubmitToolOutputsInput', {
  description:
    `${operationDescription('POST', '/threads/{thread_id}/runs/{run_id}/submit_tool_outputs')} ` +
    'The run must be in requires_action (else CONFLICT), and `toolOutputs` must answer each of its pending tool calls exactly once (else BAD_USER_INPUT); both are checked before the write.',
  fields: (t) => ({
    ...runRefFields(t),
    toolOutputs: t.field({ type: [ToolOutputInput], required: true, description: requestDescription('SubmitToolOutputsRunRequest', 'tool_outputs') }),
    ...mutationFields(t),
  }),
});

const ToolApprovalInput = builder.inputType('ToolApprovalInput', {
  description: 'The answer to one MCP tool call awaiting approval (`ToolApproval`, Azure AI Foundry Agent Service).',
  fields: (t) => ({
    toolCallId: t.id({ required: true, description: 'The call: RunMcpToolCall.id.' }),
    approve: t.boolean({ required: true, description: 'True lets the upstream call the tool; false refuses the call.' }),
    headers: t.field({
      type: 'JSONObject',
      description: 'HTTP headers the upstream sends to the MCP server with this call (e.g. its credentials): string values. Sent upstream only, never logged.',
    }),
  }),
});

const SubmitToolApprovalsInput = builder.inputType('SubmitToolApprovalsInput', {
  description:
    'Approves or refuses the MCP tool calls a run waits for (Azure AI Foundry Agent Service: `tool_approvals` on POST …/submit_tool_outputs). ' +
    'The run must be in requires_action with a SUBMIT_TOOL_APPROVAL action (else CONFLICT), and `approvals` must answer each of its calls exactly once ' +
    '(else BAD_USER_INPUT); both are checked before the write. Where the upstream has no tool approvals (profile without `tool_approvals`) it is refused, unsent, with UPSTREAM_UNSUPPORTED.',
  fields: (t) => ({
    ...runRefFields(t),
    approvals: t.field({ type: [ToolApprovalInput], required: true, description: 'One answer per pending call.' }),
    ...mutationFields(t),
  }),
});

const CreateRunPayload = runPayload('CreateRunPayload', 'The run created on the thread.');
const SubmitToolApprovalsPayload = runPayload('SubmitToolApprovalsPayload', 'The run, resumed with the approvals.');
const CreateThreadAndRunPayload = runPayload('CreateThreadAndRunPayload', 'The thread created and the run started on it.');
const ModifyRunPayload = runPayload('ModifyRunPayload', 'The run with its new metadata.');
const CancelRunPayload = runPayload('CancelRunPayload', 'The run being cancelled (usually CANCELLING, then CANCELLED).');
const SubmitToolOutputsPayload = runPayload('SubmitToolOutputsPayload', 'The run, resumed with the tool outputs.');

builder.mutationFields((t) => ({
  createRun: t.field({
    type: CreateRunPayload,
    description: operationDescription('POST', '/threads/{thread_id}/runs'),
    args: { input: t.arg({ type: CreateRunInput, required: true, description: INPUT_ARG_DESCRIPTION }) },
    resolve: async (_root, { input }, context) =>
      toRunPayload(input, await createRun(context, { ...input, threadId: String(input.threadId), assistantId: String(input.assistantId) })),
  }),
  createThreadAndRun: t.field({
    type: CreateThreadAndRunPayload,
    description: operationDescription('POST', '/threads/runs'),
    args: { input: t.arg({ type: CreateThreadAndRunInput, required: true, description: INPUT_ARG_DESCRIPTION }) },
    resolve: async (_root, { input }, context) => toRunPayload(input, await createThreadAndRun(context, { ...input, assistantId: String(input.assistantId) })),
  }),
  modifyRun: t.field({
    type: ModifyRunPayload,
    description: operationDescription('POST', '/threads/{thread_id}/runs/{run_id}'),
    args: { input: t.arg({ type: ModifyRunInput, required: true, description: INPUT_ARG_DESCRIPTION }) },
    resolve: async (_root, { input }, context) => toRunPayload(input, await modifyRun(context, { ...input, ...runRefArgs(input) })),
  }),
  cancelRun: t.field({
    type: CancelRunPayload,
    description: operationDescription('POST', '/threads/{thread_id}/runs/{run_id}/cancel'),
    args: { input: t.arg({ type: CancelRunInput, required: true, description: INPUT_ARG_DESCRIPTION }) },
    resolve: async (_root, { input }, context) => toRunPayload(input, await cancelRun(context, { ...input, ...runRefArgs(input) })),
  }),
  submitToolOutputs: t.field({
    type: SubmitToolOutputsPayload,
    description: operationDescription('POST', '/threads/{thread_id}/runs/{run_id}/submit_tool_outputs'),
    args: { input: t.arg({ type: SubmitToolOutputsInput, required: true, description: INPUT_ARG_DESCRIPTION }) },
    resolve: async (_root, { input }, context) =>
      toRunPayload(
        input,
        await submitToolOutputs(context, {
          ...input,
          ...runRefArgs(input),
          toolOutputs: input.toolOutputs.map((output) => ({ toolCallId: String(output.toolCallId), output: output.output })),
        }),
      ),
  }),
  submitToolApprovals: t.field({
    type: SubmitToolApprovalsPayload,
    description: 'Approves or refuses the MCP tool calls of a run in requires_action (Azure AI Foundry Agent Service; UPSTREAM_UNSUPPORTED elsewhere). Never retried; idempotent with an idempotencyKey.',
    args: { input: t.arg({ type: SubmitToolApprovalsInput, required: true, description: INPUT_ARG_DESCRIPTION }) },
    resolve: async (_root, { input }, context) =>
      toRunPayload(
        input,
        await submitToolApprovals(context, {
          ...input,
          ...runRefArgs(input),
          approvals: input.approvals.map((approval) => ({ toolCallId: String(approval.toolCallId), approve: approval.approve, headers: approval.headers })),
        }),
      ),
  }),
}));

function runRefArgs(input: { threadId?: string | number | null | undefined; runId: string | number }) {
  return { threadId: input.threadId == null ? input.threadId : String(input.threadId), runId: String(input.runId) };
}
