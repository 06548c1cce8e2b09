import type { Schemas } from '../spec/index.js';

export type Assistant = Schemas['AssistantObject'];
export type Thread = Schemas['ThreadObject'];
export type Message = Schemas['MessageObject'];
export type Run = Schemas['RunObject'];
export type RunStep = Schemas['RunStepObject'];
export type RunStatus = Run['status'];
export type Metadata = NonNullable<Schemas['Metadata']>;
export type Tool = Run['tools'][number];
export type MessageContent = Message['content'][number];
export type ToolCall = Schemas['RunStepDetailsToolCallsObject']['tool_calls'][number];

export type CreateAssistantRequest = Schemas['CreateAssistantRequest'];
export type ModifyAssistantRequest = Schemas['ModifyAssistantRequest'];
export type CreateThreadRequest = Schemas['CreateThreadRequest'];
export type ModifyThreadRequest = Schemas['ModifyThreadRequest'];
export type CreateMessageRequest = Schemas['CreateMessageRequest'];
export type ModifyMessageRequest = Schemas['ModifyMessageRequest'];
export type CreateRunRequest = Schemas['CreateRunRequest'];
export type CreateThreadAndRunRequest = Schemas['CreateThreadAndRunRequest'];
export type ModifyRunRequest = Schemas['ModifyRunRequest'];
export type SubmitToolOutputsRequest = Schemas['SubmitToolOutputsRunRequest'];

/** One server-sent event as the spec's AssistantStreamEvent describes it. */
export interface StreamEvent {
  event: string;
  data: unknown;
}
