import { builder } from './builder.js';
import { wireEnum } from './helpers.js';
import { threadIdArg } from './ids.js';
import { ThreadRef } from './refs.js';
import { fromUnix } from './scalars.js';
import { operationDescription, specObject } from './spec.js';
import { toolResourcesType } from './tools.js';

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
    metadata: t.field({ type: 'JSONObject', ...prop('metadata'), resolve: (thread) => thread.metadata ?? null }),
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
