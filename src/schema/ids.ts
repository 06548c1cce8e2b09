import { GraphQLError } from 'graphql';
import type { MessageKey, RunKey, StepKey } from '../loaders.js';

/**
 * Global ids are Relay-style base64 of `Typename:localId`. The local id carries every upstream id the REST
 * path needs: a run's is `thread_…:run_…`, a step's `thread_…:run_…:step_…`, a message's `thread_…:msg_…`.
 * Every id argument also accepts the plain upstream id (pasted from a log), so clients can pass back whatever
 * the schema gave them.
 */
export const NODE_TYPES = ['Assistant', 'Message', 'RunObject', 'RunStep', 'Thread'] as const;
export type NodeTypeName = (typeof NODE_TYPES)[number];

const MAX_ID_LENGTH = 512;

function invalid(message: string, argument?: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', ...(argument ? { argument } : {}) } });
}

export function encodeGlobalId(typename: string, localId: string | number | bigint): string {
  return Buffer.from(`${typename}:${localId}`, 'utf8').toString('base64');
}

/** The global id's parts, or undefined when `value` is not one of ours (e.g. a plain upstream id). */
export function decodeGlobalId(value: string): { typename: NodeTypeName; id: string } | undefined {
  if (value.length === 0 || value.length > MAX_ID_LENGTH * 2 || !/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return undefined;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  // Only the canonical encoding counts, so an upstream id that happens to be valid base64 is not misread.
  if (Buffer.from(decoded, 'utf8').toString('base64') !== value) return undefined;
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  const typename = decoded.slice(0, colon);
  const id = decoded.slice(colon + 1);
  if (!(NODE_TYPES as readonly string[]).includes(typename) || id === '') return undefined;
  return { typename: typename as NodeTypeName, id };
}

/** For `node(id:)`/`nodes(ids:)`: global ids, plus plain thread_… and asst_… ids (their REST path needs nothing else). */
export function decodeNodeId(value: string): { typename: NodeTypeName; id: string } {
  const global = decodeGlobalId(value);
  if (global) return global;
  if (/^thread_[\w-]+$/.test(value)) return { typename: 'Thread', id: value };
  if (/^asst_[\w-]+$/.test(value)) return { typename: 'Assistant', id: value };
  throw invalid(`"${value.slice(0, 100)}" is not a global id (runs, steps and messages need theirs, since their REST paths need the thread id).`, 'id');
}

/** A UTF-16 half of a pair without its other half: no URL can carry it (encodeURIComponent throws). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** `nodes(ids:)` takes at most this many ids: a page's worth. */
export const MAX_NODE_IDS = 100;

export function tooManyIds(count: number): GraphQLError {
  return invalid(`nodes takes at most ${MAX_NODE_IDS} ids (got ${count}); ask in pages.`, 'ids');
}

function upstreamId(value: string, argument: string): string {
  if (value.length === 0 || value.length > MAX_ID_LENGTH || /[\s\u0000-\u001f]/.test(value) || LONE_SURROGATE.test(value)) {
    throw invalid(`${argument} is not a valid id.`, argument);
  }
  return value;
}

function expectType(value: string, argument: string, typename: NodeTypeName): string | undefined {
  const global = decodeGlobalId(value);
  if (!global) return undefined;
  if (global.typename !== typename) throw invalid(`${argument} is the global id of a ${global.typename}, not of a ${typename}.`, argument);
  return global.id;
}

function splitLocal(id: string, parts: number, argument: string): string[] {
  const split = id.split(':');
  if (split.length !== parts || split.some((part) => part === '')) throw invalid(`${argument} is not a valid global id.`, argument);
  return split;
}

function agree(argument: string, fromArgument: string | undefined, fromGlobal: string): string {
  if (fromArgument !== undefined && fromArgument !== fromGlobal) throw invalid(`${argument} does not match the thread or run the global id belongs to.`, argument);
  return fromGlobal;
}

export const localIds = {
  run: (run: { thread_id: string; id: string }) => `${run.thread_id}:${run.id}`,
  step: (step: { thread_id: string; run_id: string; id: string }) => `${step.thread_id}:${step.run_id}:${step.id}`,
  message: (message: { thread_id: string; id: string }) => `${message.thread_id}:${message.id}`,
};

export const parseLocalId = {
  run: (id: string): RunKey => {
    const [threadId, runId] = splitLocal(id, 2, 'id');
    return { threadId: threadId!, runId: runId! };
  },
  step: (id: string): StepKey => {
    const [threadId, runId, stepId] = splitLocal(id, 3, 'id');
    return { threadId: threadId!, runId: runId!, stepId: stepId! };
  },
  message: (id: string): MessageKey => {
    const [threadId, messageId] = splitLocal(id, 2, 'id');
    return { threadId: threadId!, messageId: messageId! };
  },
};

/** A thread id argument: `thread_…` or a Thread global id. */
export function threadIdArg(value: string, argument = 'threadId'): string {
  return expectType(value, argument, 'Thread') ?? upstreamId(value, argument);
}

/** An assistant id argument: `asst_…` or an Assistant global id. */
export function assistantIdArg(value: string, argument = 'assistantId'): string {
  return expectType(value, argument, 'Assistant') ?? upstreamId(value, argument);
}

/** threadId (`thread_…` or Thread global id) and runId (`run_…` or RunObject global id, which carries the thread). */
export function runKeyArgs(args: { threadId?: string | null | undefined; runId: string }): RunKey {
  const threadId = args.threadId == null ? undefined : threadIdArg(args.threadId);
  const local = expectType(args.runId, 'runId', 'RunObject');
  if (local !== undefined) {
    const key = parseLocalId.run(local);
    return { threadId: agree('threadId', threadId, key.threadId), runId: key.runId };
  }
  if (threadId === undefined) throw invalid('threadId is needed with a plain run id (or pass the run\'s global id).', 'threadId');
  return { threadId, runId: upstreamId(args.runId, 'runId') };
}

/** threadId/runId/stepId, each plain or global; a step's global id carries all three. */
export function stepKeyArgs(args: { threadId?: string | null | undefined; runId?: string | null | undefined; stepId: string }): StepKey {
  const local = expectType(args.stepId, 'stepId', 'RunStep');
  if (local !== undefined) {
    const key = parseLocalId.step(local);
    if (args.threadId != null) agree('threadId', threadIdArg(args.threadId), key.threadId);
    if (args.runId != null) {
      const run = runKeyArgs({ threadId: key.threadId, runId: args.runId });
      agree('runId', run.runId, key.runId);
    }
    return key;
  }
  if (args.runId == null) throw invalid('runId is needed with a plain step id (or pass the step\'s global id).', 'runId');
  const run = runKeyArgs({ threadId: args.threadId, runId: args.runId });
  return { ...run, stepId: upstreamId(args.stepId, 'stepId') };
}

/** threadId/messageId, each plain or global; a message's global id carries its thread. */
export function messageKeyArgs(args: { threadId?: string | null | undefined; messageId: string }): MessageKey {
  const threadId = args.threadId == null ? undefined : threadIdArg(args.threadId);
  const local = expectType(args.messageId, 'messageId', 'Message');
  if (local !== undefined) {
    const key = parseLocalId.message(local);
    return { threadId: agree('threadId', threadId, key.threadId), messageId: key.messageId };
  }
  if (threadId === undefined) throw invalid('threadId is needed with a plain message id (or pass the message\'s global id).', 'threadId');
  return { threadId, messageId: upstreamId(args.messageId, 'messageId') };
}
