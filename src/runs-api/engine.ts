import type { ListPage, ListQuery } from './pagination.js';
import type { SubmitToolApprovalsRequest } from './rules.js';
import type * as W from './types.js';

/**
 * A run started or continued. With `stream: true` in the request, `events` are its stream events
 * until a final one (the run ended, or waits for tool outputs); `return()` on them detaches, and
 * the run goes on.
 */
export interface RunStart {
  run: W.Run;
  events?: AsyncIterable<W.StreamEvent>;
}

/**
 * What the runs wire needs behind it, shaped like the API's resources (and openai-node's client).
 * Bodies arrive validated against the spec; answers are wire objects, which the wire presents at
 * once (an engine may hand out its own objects, so the wire does not hold them across an await).
 * A refusal is an ApiError thrown before anything changes. `include[]`, delete envelopes and SSE
 * framing are the wire's.
 */
export interface RunsEngine {
  assistants: {
    create(body: W.CreateAssistantRequest): Promise<W.Assistant>;
    retrieve(assistantId: string): Promise<W.Assistant>;
    update(assistantId: string, body: W.ModifyAssistantRequest): Promise<W.Assistant>;
    del(assistantId: string): Promise<void>;
    list(query: ListQuery): Promise<ListPage<W.Assistant>>;
  };
  threads: {
    create(body: W.CreateThreadRequest): Promise<W.Thread>;
    retrieve(threadId: string): Promise<W.Thread>;
    update(threadId: string, body: W.ModifyThreadRequest): Promise<W.Thread>;
    del(threadId: string): Promise<void>;
    /** With `stream`, the events begin with `thread.created`. */
    createAndRun(body: W.CreateThreadAndRunRequest): Promise<RunStart & { thread: W.Thread }>;
    /** Every thread (Foundry classic's `GET /threads`); an engine without it answers that operation with a 400. */
    list?(query: ListQuery): Promise<ListPage<W.Thread>>;
  };
  messages: {
    create(threadId: string, body: W.CreateMessageRequest): Promise<W.Message>;
    retrieve(threadId: string, messageId: string): Promise<W.Message>;
    update(threadId: string, messageId: string, body: W.ModifyMessageRequest): Promise<W.Message>;
    del(threadId: string, messageId: string): Promise<void>;
    list(threadId: string, query: ListQuery & { runId?: string | undefined }): Promise<ListPage<W.Message>>;
  };
  runs: {
    create(threadId: string, body: W.CreateRunRequest): Promise<RunStart>;
    retrieve(threadId: string, runId: string): Promise<W.Run>;
    update(threadId: string, runId: string, body: W.ModifyRunRequest): Promise<W.Run>;
    list(threadId: string, query: ListQuery): Promise<ListPage<W.Run>>;
    cancel(threadId: string, runId: string): Promise<W.Run>;
    submitToolOutputs(threadId: string, runId: string, body: W.SubmitToolOutputsRequest): Promise<RunStart>;
    /** Approves or denies the MCP calls a run waits on (Foundry classic); an engine without MCP tools lacks it. */
    submitToolApprovals?(threadId: string, runId: string, body: SubmitToolApprovalsRequest): Promise<RunStart>;
    steps: {
      retrieve(threadId: string, runId: string, stepId: string): Promise<W.RunStep>;
      list(threadId: string, runId: string, query: ListQuery): Promise<ListPage<W.RunStep>>;
    };
  };
  /**
   * The engine as one end user sees it (the caller the gateway names, caller.ts): an engine that keeps users apart
   * (the Responses engine's isolation) shows that user's threads alone and makes new ones theirs. Without it, or for
   * a request that names nobody, the engine itself serves the request.
   */
  forCaller?(caller: string): RunsEngine;
  /** Stops every timer and detaches every stream. */
  close(): Promise<void>;
}
