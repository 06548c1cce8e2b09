import { GraphQLError } from 'graphql';
import type { GatewayContext } from '../context.js';
import type { MessageKey, RunKey } from '../loaders.js';
import { assistantIdArg, messageKeyArgs, runKeyArgs, threadIdArg } from '../schema/ids.js';
import type { Schemas } from '../spec/index.js';
import type { Route } from '../upstream/client.js';
import { UpstreamError } from '../upstream/errors.js';
import { unsupportedOperation } from '../upstream/http-errors.js';
import { CAPABILITY_OPERATION } from '../upstream/profiles.js';
import { assertThreadAccess, forgetThread, newThreadOwner, ownerOf, rememberOwner, tenancyOn, threadMetadataViolations, withOwner } from '../security/tenants.js';
import type { FieldViolation } from './errors.js';
import { idempotencyStoreKey, requestFingerprint } from './idempotency.js';
import { runWrite, type WriteResult } from './run-write.js';
import { invalidateEverywhere } from '../services.js';
import { assertToolOutputsMatch } from './tool-outputs.js';
import { foundryParts } from './foundry-tools.js';
import { assertToolApprovalsMatch, toolApprovalsToWire, type ToolApprovalInput } from './tool-approvals.js';
import { assertNoViolations, idempotencyKeyViolations, includeViolations, writeViolations, type WireBody, type WriteSchemaName } from './validate.js';
import {
  createRunToWire,
  createThreadAndRunToWire,
  messageToWire,
  threadToWire,
  toolResourcesToWire,
  type CreateRunFields,
  type CreateThreadAndRunFields,
  type MessageInput,
  type ThreadInput,
  type ToolResourcesInput,
} from './wire.js';

/**
 * The mutations' work, apart from their GraphQL types: resolve ids, validate, send once (idempotently), then
 * make the request's loaders hold the new state. Every function takes the resolver's context and input and
 * returns the wire object the payload exposes.
 */

type Maybe<T> = T | null | undefined;
type Run = Schemas['RunObject'];
type Thread = Schemas['ThreadObject'];
type Message = Schemas['MessageObject'];

/** Fields every mutation input has (Relay). */
export interface MutationInputBase {
  clientMutationId?: Maybe<string>;
  idempotencyKey?: Maybe<string>;
}

export interface CreateRunInput extends MutationInputBase, CreateRunFields {
  threadId: string;
  include?: Maybe<readonly string[]>;
}
export interface CreateThreadAndRunInput extends MutationInputBase, CreateThreadAndRunFields {}
export interface RunRefInput extends MutationInputBase {
  threadId?: Maybe<string>;
  runId: string;
}
export interface ModifyRunInput extends RunRefInput {
  metadata?: Maybe<Record<string, unknown>>;
}
export interface SubmitToolOutputsInput extends RunRefInput {
  toolOutputs: ReadonlyArray<{ toolCallId: string; output: string }>;
}
export interface SubmitToolApprovalsInput extends RunRefInput {
  approvals: readonly ToolApprovalInput[];
}
export interface CreateThreadInput extends MutationInputBase, ThreadInput {}
export interface ModifyThreadInput extends MutationInputBase {
  threadId: string;
  toolResources?: Maybe<ToolResourcesInput>;
  metadata?: Maybe<Record<string, unknown>>;
}
export interface DeleteThreadInput extends MutationInputBase {
  threadId: string;
}
export interface CreateMessageInput extends MutationInputBase, MessageInput {
  threadId: string;
}
export interface MessageRefInput extends MutationInputBase {
  threadId?: Maybe<string>;
  messageId: string;
}
export interface ModifyMessageInput extends MessageRefInput {
  metadata?: Maybe<Record<string, unknown>>;
}

export interface Deleted {
  id: string;
  deleted: boolean;
}

// ---------------------------------------------------------------------------------------------------------------
// Runs

export async function createRun(ctx: GatewayContext, input: CreateRunInput): Promise<WriteResult<Run>> {
  const threadId = argument(() => threadIdArg(input.threadId), 'threadId');
  const body = createRunToWire({ ...input, assistantId: argument(() => assistantIdArg(input.assistantId), 'assistantId') });
  const include = input.include ?? undefined;
  const foundry = foundryParts(body, { runToolResources: true });
  assertFoundrySupported(ctx, foundry.used);
  check(input, 'CreateRunRequest', foundry.checkable, [...foundry.violations, ...includeViolations(include)]);
  await assertThreadAccess(ctx, threadId);
  const request = { method: 'POST', route: '/threads/{thread_id}/runs', params: { thread_id: threadId }, ...(include?.length ? { query: { 'include[]': include } } : {}), body, stream: true } as const;
  const result = await write<Run>(ctx, 'createRun', input, request);
  if (!result.replayed) {
    ranRun(ctx, result.value);
    await ctx.services.threads.active(threadId);
  }
  return result;
}

export async function createThreadAndRun(ctx: GatewayContext, input: CreateThreadAndRunInput): Promise<WriteResult<Run>> {
  const body = createThreadAndRunToWire({ ...input, assistantId: argument(() => assistantIdArg(input.assistantId), 'assistantId') });
  const foundry = foundryParts(body);
  assertFoundrySupported(ctx, foundry.used);
  check(input, 'CreateThreadAndRunRequest', foundry.checkable, [...foundry.violations, ...threadMetadataViolations(ctx, input.thread?.metadata, 'input.thread.metadata')]);
  const owner = newThreadOwner(ctx);
  if (owner !== undefined) body.thread = { ...body.thread, metadata: withOwner(body.thread?.metadata, owner) as Record<string, string> };
  const result = await write<Run>(ctx, 'createThreadAndRun', input, { method: 'POST', route: '/threads/runs', params: {}, body, stream: true });
  rememberOwner(ctx, result.value.thread_id, owner);
  if (!result.replayed) {
    ranRun(ctx, result.value);
    await ctx.services.threads.created(result.value.thread_id, owner ?? '');
  }
  return result;
}

export async function modifyRun(ctx: GatewayContext, input: ModifyRunInput): Promise<WriteResult<Run>> {
  const key = runKey(input);
  const body = defined({ metadata: input.metadata }) as WireBody<'ModifyRunRequest'>;
  check(input, 'ModifyRunRequest', body);
  await assertThreadAccess(ctx, key.threadId);
  const result = await write<Run>(ctx, 'modifyRun', input, { method: 'POST', route: '/threads/{thread_id}/runs/{run_id}', params: runParams(key), body });
  if (!result.replayed) ranRun(ctx, result.value, { publish: true });
  return result;
}

export async function cancelRun(ctx: GatewayContext, input: RunRefInput): Promise<WriteResult<Run>> {
  const key = runKey(input);
  check(input, undefined, undefined);
  await assertThreadAccess(ctx, key.threadId);
  const result = await write<Run>(ctx, 'cancelRun', input, { method: 'POST', route: '/threads/{thread_id}/runs/{run_id}/cancel', params: runParams(key) });
  if (!result.replayed) ranRun(ctx, result.value, { publish: true });
  return result;
}

export async function submitToolOutputs(ctx: GatewayContext, input: SubmitToolOutputsInput): Promise<WriteResult<Run>> {
  const key = runKey(input);
  const body: WireBody<'SubmitToolOutputsRunRequest'> = { tool_outputs: input.toolOutputs.map((output) => ({ tool_call_id: output.toolCallId, output: output.output })) };
  check(input, 'SubmitToolOutputsRunRequest', body);
  return answerRequiredAction(ctx, 'submitToolOutputs', input, key, body, (run, meta) => assertToolOutputsMatch(run, body.tool_outputs, meta));
}

/**
 * Answers the action a run waits for on the tool outputs route (outputs, or Foundry's approvals): one write, never
 * retried. Inside the idempotent section, so that a repeat of a submission that went through replays it instead of
 * finding the run no longer waiting, a fresh read (not joined to another request's GET, not this request's cache:
 * the run may have entered a new requires_action with new calls since) is checked by `matches` first.
 */
async function answerRequiredAction(
  ctx: GatewayContext,
  operation: 'submitToolOutputs' | 'submitToolApprovals',
  input: SubmitToolOutputsInput | SubmitToolApprovalsInput,
  key: ReturnType<typeof runKey>,
  body: object,
  matches: (run: Run, meta: { requestId: string | undefined }) => void,
): Promise<WriteResult<Run>> {
  await assertThreadAccess(ctx, key.threadId);
  const request = { method: 'POST', route: '/threads/{thread_id}/runs/{run_id}/submit_tool_outputs', params: runParams(key), body, stream: true } as const;
  const result = await write<Run>(ctx, operation, input, request, async () => {
    const fresh = await ctx.upstream.request<Run>({ method: 'GET', route: '/threads/{thread_id}/runs/{run_id}', params: runParams(key), signal: new AbortController().signal });
    ctx.loaders.run.clear(key).prime(key, fresh.data);
    matches(fresh.data, { requestId: fresh.requestId });
  });
  if (!result.replayed) {
    ranRun(ctx, result.value);
    await ctx.services.threads.active(key.threadId);
  }
  return result;
}

/**
 * Foundry's MCP tool approvals, answered on the tool outputs route with `tool_approvals`. Refused before anything
 * else when the profile lacks them: the route exists everywhere, so only the profile can say the body is understood.
 */
export async function submitToolApprovals(ctx: GatewayContext, input: SubmitToolApprovalsInput): Promise<WriteResult<Run>> {
  if (!ctx.upstream.supports('tool_approvals')) {
    throw UpstreamError.from(unsupportedOperation(CAPABILITY_OPERATION.tool_approvals, 'tool_approvals', ctx.config.upstream.profile));
  }
  const key = runKey(input);
  const { body, violations } = toolApprovalsToWire(input.approvals);
  check(input, undefined, undefined, violations);
  return answerRequiredAction(ctx, 'submitToolApprovals', input, key, body, (run, meta) => assertToolApprovalsMatch(run, body.tool_approvals, meta));
}

// ---------------------------------------------------------------------------------------------------------------
// Threads

export async function createThread(ctx: GatewayContext, input: CreateThreadInput): Promise<WriteResult<Thread>> {
  const body = threadToWire(input);
  check(input, 'CreateThreadRequest', body, threadMetadataViolations(ctx, input.metadata, 'input.metadata'));
  const owner = newThreadOwner(ctx);
  if (owner !== undefined) body.metadata = withOwner(body.metadata, owner) as Record<string, string>;
  const result = await write<Thread>(ctx, 'createThread', input, { method: 'POST', route: '/threads', params: {}, body });
  rememberOwner(ctx, result.value.id, owner);
  if (!result.replayed) {
    ctx.loaders.thread.clear(result.value.id).prime(result.value.id, result.value);
    await ctx.services.threads.created(result.value.id, owner ?? '');
  }
  return result;
}

export async function modifyThread(ctx: GatewayContext, input: ModifyThreadInput): Promise<WriteResult<Thread>> {
  const threadId = argument(() => threadIdArg(input.threadId), 'threadId');
  const body = defined({ tool_resources: input.toolResources == null ? input.toolResources : toolResourcesToWire(input.toolResources), metadata: input.metadata }) as WireBody<'ModifyThreadRequest'>;
  const foundry = foundryParts(body);
  assertFoundrySupported(ctx, foundry.used);
  check(input, 'ModifyThreadRequest', foundry.checkable, [...foundry.violations, ...threadMetadataViolations(ctx, input.metadata, 'input.metadata')]);
  await assertThreadAccess(ctx, threadId);
  if (tenancyOn(ctx.config) && body.metadata !== undefined) {
    // The upstream replaces metadata as a whole: the owner goes along, or the thread would lose it.
    const owner = ctx.identity.admin ? ownerOf((await ctx.loaders.thread.load(threadId)) ?? { metadata: null }) : ctx.identity.subject;
    body.metadata = withOwner(body.metadata ?? {}, owner) as Record<string, string>;
  }
  const result = await write<Thread>(ctx, 'modifyThread', input, { method: 'POST', route: '/threads/{thread_id}', params: { thread_id: threadId }, body });
  if (!result.replayed) ctx.loaders.thread.clear(threadId).prime(threadId, result.value);
  invalidate(ctx, `/threads/${threadId}`);
  return result;
}

export async function deleteThread(ctx: GatewayContext, input: DeleteThreadInput): Promise<WriteResult<Deleted>> {
  const threadId = argument(() => threadIdArg(input.threadId), 'threadId');
  check(input, undefined, undefined);
  await assertThreadAccess(ctx, threadId);
  const result = await write<Deleted>(ctx, 'deleteThread', input, { method: 'DELETE', route: '/threads/{thread_id}', params: { thread_id: threadId } });
  forgetThread(ctx, threadId);
  await ctx.services.threads.deleted(threadId);
  ctx.loaders.thread.clear(threadId).prime(threadId, null);
  ctx.loaders.runsPage.clearAll();
  ctx.loaders.messagesPage.clearAll();
  invalidate(ctx, `/threads/${threadId}`);
  return result;
}

// ---------------------------------------------------------------------------------------------------------------
// Messages

export async function createMessage(ctx: GatewayContext, input: CreateMessageInput): Promise<WriteResult<Message>> {
  const threadId = argument(() => threadIdArg(input.threadId), 'threadId');
  const body = messageToWire(input);
  check(input, 'CreateMessageRequest', body);
  await assertThreadAccess(ctx, threadId);
  const result = await write<Message>(ctx, 'createMessage', input, { method: 'POST', route: '/threads/{thread_id}/messages', params: { thread_id: threadId }, body });
  if (!result.replayed) {
    wroteMessage(ctx, result.value);
    await ctx.services.threads.active(threadId);
  }
  return result;
}

export async function modifyMessage(ctx: GatewayContext, input: ModifyMessageInput): Promise<WriteResult<Message>> {
  const key = messageKey(input);
  const body = defined({ metadata: input.metadata }) as WireBody<'ModifyMessageRequest'>;
  check(input, 'ModifyMessageRequest', body);
  await assertThreadAccess(ctx, key.threadId);
  const result = await write<Message>(ctx, 'modifyMessage', input, { method: 'POST', route: '/threads/{thread_id}/messages/{message_id}', params: messageParams(key), body });
  if (!result.replayed) wroteMessage(ctx, result.value);
  return result;
}

export async function deleteMessage(ctx: GatewayContext, input: MessageRefInput): Promise<WriteResult<Deleted> & { key: MessageKey }> {
  const key = messageKey(input);
  check(input, undefined, undefined);
  await assertThreadAccess(ctx, key.threadId);
  const result = await write<Deleted>(ctx, 'deleteMessage', input, { method: 'DELETE', route: '/threads/{thread_id}/messages/{message_id}', params: messageParams(key) });
  ctx.loaders.message.clear(key).prime(key, null);
  ctx.loaders.messagesPage.clearAll();
  invalidate(ctx, `/threads/${key.threadId}/messages`);
  return { ...result, key };
}

// ---------------------------------------------------------------------------------------------------------------
// Shared steps

interface WriteRequest {
  method: 'POST' | 'DELETE';
  route: Route;
  params: Record<string, string>;
  query?: Record<string, readonly string[]>;
  body?: unknown;
  /**
   * Send with `stream: true` and hand the event stream to the live machinery, which publishes the run's changes
   * (and message deltas) from it without polling; the mutation returns the first run state of the stream.
   */
  stream?: boolean;
}

/**
 * One upstream write, never retried (the client does not retry non-GETs), deduplicated by the input's
 * idempotencyKey. `before` runs inside the idempotent section, right before the write (a state check).
 */
async function write<T>(ctx: GatewayContext, mutation: string, input: MutationInputBase, request: WriteRequest, before?: () => Promise<void>): Promise<WriteResult<T>> {
  const send = async (): Promise<T> => {
    await before?.();
    if (request.stream) return (await streamedRun(ctx, request)) as T;
    const response = await ctx.upstream.request<T>({ ...request, retry: false });
    return response.data;
  };
  const key = input.idempotencyKey;
  if (key == null) return runWrite({ send });
  const { method, route, params, query, body } = request;
  return runWrite({
    send,
    idempotency: {
      store: ctx.services.idempotency,
      key: idempotencyStoreKey({ mutation, key, subject: ctx.identity.subject }),
      fingerprint: requestFingerprint(mutation, { method, route, params, query, body }),
      ttlMs: ctx.config.idempotency.ttlMs,
    },
  });
}

/** Opens the write's event stream, leaves it to the live machinery, and returns the run it first announces. */
async function streamedRun(ctx: GatewayContext, request: WriteRequest): Promise<Run> {
  const { stream: _stream, ...rest } = request;
  const opened = await ctx.upstream.stream({ ...rest, body: { ...(request.body as object), stream: true }, retry: false });
  try {
    return await ctx.services.live.follow(opened).created;
  } catch {
    // The write was accepted (the stream opened) but no run state arrived: whether it happened is unknown.
    throw new UpstreamError('The upstream accepted the write, but its event stream ended before announcing the run.', 'UPSTREAM_UNAVAILABLE', undefined, {
      reason: 'stream_ended',
      requestId: opened.requestId,
    });
  }
}

/** Every check that needs no upstream call; BAD_USER_INPUT naming each offending field. */
function check<N extends WriteSchemaName>(input: MutationInputBase, name: N | undefined, body: WireBody<N> | undefined, extra: FieldViolation[] = []): void {
  const violations = [...idempotencyKeyViolations(input.idempotencyKey), ...falseMembers(input), ...extra];
  if (name !== undefined && body !== undefined) violations.push(...writeViolations(name, body));
  assertNoViolations(violations);
}

/**
 * Foundry's tools and resources, where the profile lacks them: UPSTREAM_UNSUPPORTED before anything is sent (the
 * OpenAI wire would answer 400, or worse, ignore what it does not know), naming the first field that needs them.
 */
function assertFoundrySupported(ctx: GatewayContext, used: readonly string[]): void {
  if (used.length === 0 || ctx.upstream.supports('foundry_tools')) return;
  const failure = unsupportedOperation(CAPABILITY_OPERATION.foundry_tools, 'foundry_tools', ctx.config.upstream.profile);
  throw new UpstreamError(`${failure.message} (${used.join(', ')})`, failure.code, undefined, { ...failure.details, field: used[0] }, { neverSent: true });
}

/** `@oneOf` members that only select a form (`{ codeInterpreter: true }`) must be true. */
const FLAG_MEMBERS = new Set(['codeInterpreter', 'fileSearch', 'auto', 'text', 'jsonObject', 'azureAiSearch', 'anonymous']);

function falseMembers(value: unknown, path = 'input'): FieldViolation[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => falseMembers(item, `${path}[${index}]`));
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([name, member]) => {
    if (name === 'metadata' || name === 'parameters' || name === 'schema' || name === 'spec' || name === 'headers') return [];
    const at = `${path}.${name}`;
    if (member === false && FLAG_MEMBERS.has(name)) return [{ field: at, message: `${at} must be true when given (it selects this form)` }];
    return falseMembers(member, at);
  });
}

/**
 * After a run write: this request's loaders hold the new state, the pages that list it are dropped, and so is any
 * answer about the thread's runs or messages that other requests share (the client's read cache). `publish` hands
 * the state to the run's observer (its last known state, and subscribers); streamed writes need not, their stream
 * does it, and with states newer than the first one returned here.
 */
function ranRun(ctx: GatewayContext, run: Run, options: { publish?: boolean } = {}): void {
  const key: RunKey = { threadId: run.thread_id, runId: run.id };
  ctx.loaders.run.clear(key).prime(key, run);
  ctx.loaders.runsPage.clearAll();
  ctx.loaders.stepsPage.clearAll();
  ctx.loaders.messagesPage.clearAll();
  invalidate(ctx, `/threads/${run.thread_id}/runs`);
  invalidate(ctx, `/threads/${run.thread_id}/messages`);
  if (options.publish) ctx.services.live.runs.observe(run);
}

function wroteMessage(ctx: GatewayContext, message: Message): void {
  const key: MessageKey = { threadId: message.thread_id, messageId: message.id };
  ctx.loaders.message.clear(key).prime(key, message);
  ctx.loaders.messagesPage.clearAll();
  invalidate(ctx, `/threads/${message.thread_id}/messages`);
}

/** Drops the shared (cross-request) cached GETs under `pathPrefix`, on every instance. */
function invalidate(ctx: GatewayContext, pathPrefix: string): void {
  invalidateEverywhere(ctx.services, pathPrefix);
}

function runKey(input: RunRefInput): RunKey {
  return argument(() => runKeyArgs({ threadId: input.threadId, runId: input.runId }));
}

function messageKey(input: MessageRefInput): MessageKey {
  return argument(() => messageKeyArgs({ threadId: input.threadId, messageId: input.messageId }));
}

const runParams = (key: RunKey) => ({ thread_id: key.threadId, run_id: key.runId });
const messageParams = (key: MessageKey) => ({ thread_id: key.threadId, message_id: key.messageId });

/** Id helpers name the argument (`threadId`); in a mutation it is a field of the input (`input.threadId`). */
function argument<T>(resolve: () => T, fallback?: string): T {
  try {
    return resolve();
  } catch (error) {
    if (!(error instanceof GraphQLError) || error.extensions['code'] !== 'BAD_USER_INPUT') throw error;
    const name = typeof error.extensions['argument'] === 'string' ? error.extensions['argument'] : fallback;
    if (!name) throw error;
    const field = `input.${name}`;
    const message = error.message.startsWith(name) ? `input.${error.message}` : error.message;
    throw new GraphQLError(message, { extensions: { ...error.extensions, field, violations: [{ field, message }] } });
  }
}

function defined<T extends Record<string, unknown>>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<T>;
}
