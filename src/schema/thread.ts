import { publicMetadata } from '../security/tenants.js';
import type { Schemas } from '../spec/index.js';
import { createThread, deleteThread, modifyThread } from '../writes/actions.js';
import type { WriteResult } from '../writes/run-write.js';
import { builder } from './builder.js';
import { wireEnum } from './helpers.js';
import { encodeGlobalId, threadIdArg } from './ids.js';
import { ThreadRef } from './refs.js';
import { fromUnix } from './scalars.js';
import { operationDescription, specObject } from './spec.js';
import { toolResourcesType } from './tools.js';
import { INPUT_ARG_DESCRIPTION, MetadataDescription, ToolResourcesInput, mutationFields, payloadFields, requestDescription, threadFields, type PayloadShape } from './write-inputs.js';

export const ThreadObjectObject = wireEnum('ThreadObjectObject', 'ThreadObject.object');
const ThreadToolResourcesRef = toolResourcesType('Thread', 'ThreadObject.tool_resources');

const threadSpec = specObject('Thread', 'ThreadObject', { id: 'threadId' });
const prop = threadSpec.prop;

builder.node(ThreadRef, {
  description: `${threadSpec.description ?? ''} \`id\` is the global id; \`threadId\` is the upstream id. Its runs and messages are connections (\`runs\`, \`messages\`).`.trim(),
  id: { resolve: (thread) => thread.id },
  loadWithoutCache: (id, context) => context.loaders.thread.load(id),
  fields: (t) => ({
    threadId: t.exposeID('id', prop('id')),
    object: t.field({ type: ThreadObjectObject.ref, ...prop('object'), resolve: (thread) => ThreadObjectObject.wire(thread.object)! }),
    createdAt: t.field({ type: 'DateTime', ...prop('created_at'), resolve: (thread) => fromUnix(thread.created_at)! }),
    toolResources: t.field({ type: ThreadToolResourcesRef, ...prop('tool_resources'), resolve: (thread) => thread.tool_resources ?? null }),
    // Without the gateway's reserved owner key: clients can send back what they read.
    metadata: t.field({ type: 'JSONObject', ...prop('metadata'), resolve: (thread) => publicMetadata(thread.metadata) }),
  }),
});

builder.queryFields((t) => ({
  thread: t.field({
    type: ThreadRef,
    nullable: true,
    description: `${operationDescription('GET', '/threads/{thread_id}')} Null when there is no such thread.`,
    args: { id: t.arg.id({ required: true, description: 'The thread: `thread_…` or a Thread global id.' }) },
    resolve: (_root, args, context) => context.loaders.thread.load(threadIdArg(String(args.id), 'id')),
  }),
}));

/* Mutations: createThread, modifyThread, deleteThread (the work is in src/writes/actions.ts). */

interface ThreadPayloadShape extends PayloadShape {
  thread: Schemas['ThreadObject'];
}

function threadPayload(name: string, description: string) {
  return builder.objectRef<ThreadPayloadShape>(name).implement({
    description,
    fields: (t) => ({
      ...payloadFields(t),
      thread: t.field({
        type: ThreadRef,
        description: 'The thread after the write.',
        // A replayed result shows the thread as it is now (null would mean it was deleted since).
        resolve: async (payload, _args, context) => (payload.replayed ? ((await context.loaders.thread.load(payload.thread.id)) ?? payload.thread) : payload.thread),
      }),
    }),
  });
}

const toThreadPayload = (input: { clientMutationId?: string | null | undefined }, result: WriteResult<Schemas['ThreadObject']>): ThreadPayloadShape => ({
  clientMutationId: input.clientMutationId,
  replayed: result.replayed,
  thread: result.value,
});

const CreateThreadInput = builder.inputType('CreateThreadInput', {
  description: operationDescription('POST', '/threads'),
  fields: (t) => ({ ...threadFields(t), ...mutationFields(t) }),
});

const ModifyThreadInput = builder.inputType('ModifyThreadInput', {
  description: operationDescription('POST', '/threads/{thread_id}'),
  fields: (t) => ({
    threadId: t.id({ required: true, description: 'The thread: `thread_…` or a Thread global id.' }),
    toolResources: t.field({ type: ToolResourcesInput, description: requestDescription('ModifyThreadRequest', 'tool_resources') }),
    metadata: t.field({ type: 'JSONObject', description: MetadataDescription }),
    ...mutationFields(t),
  }),
});

const DeleteThreadInput = builder.inputType('DeleteThreadInput', {
  description: operationDescription('DELETE', '/threads/{thread_id}'),
  fields: (t) => ({
    threadId: t.id({ required: true, description: 'The thread: `thread_…` or a Thread global id.' }),
    ...mutationFields(t),
  }),
});

interface DeletedThreadShape extends PayloadShape {
  threadId: string;
}

const DeleteThreadPayload = builder.objectRef<DeletedThreadShape>('DeleteThreadPayload').implement({
  description: 'The thread that was deleted.',
  fields: (t) => ({
    ...payloadFields(t),
    deletedId: t.id({ description: 'The global id of the deleted thread (to evict it from a client cache).', resolve: (payload) => encodeGlobalId('Thread', payload.threadId) }),
    threadId: t.id({ description: 'The upstream id of the deleted thread.', resolve: (payload) => payload.threadId }),
  }),
});

builder.mutationFields((t) => ({
  createThread: t.field({
    type: threadPayload('CreateThreadPayload', 'The thread created.'),
    description: operationDescription('POST', '/threads'),
    args: { input: t.arg({ type: CreateThreadInput, required: true, description: `${INPUT_ARG_DESCRIPTION} \`{}\` for an empty thread.` }) },
    resolve: async (_root, { input }, context) => toThreadPayload(input, await createThread(context, input)),
  }),
  modifyThread: t.field({
    type: threadPayload('ModifyThreadPayload', 'The thread with its new tool resources or metadata.'),
    description: operationDescription('POST', '/threads/{thread_id}'),
    args: { input: t.arg({ type: ModifyThreadInput, required: true, description: INPUT_ARG_DESCRIPTION }) },
    resolve: async (_root, { input }, context) => toThreadPayload(input, await modifyThread(context, { ...input, threadId: String(input.threadId) })),
  }),
  deleteThread: t.field({
    type: DeleteThreadPayload,
    description: operationDescription('DELETE', '/threads/{thread_id}'),
    args: { input: t.arg({ type: DeleteThreadInput, required: true, description: INPUT_ARG_DESCRIPTION }) },
    resolve: async (_root, { input }, context) => {
      const result = await deleteThread(context, { ...input, threadId: String(input.threadId) });
      return { clientMutationId: input.clientMutationId, replayed: result.replayed, threadId: result.value.id };
    },
  }),
}));
