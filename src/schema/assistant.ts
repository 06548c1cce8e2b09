import { builder } from './builder.js';
import { wireEnum } from './helpers.js';
import { assistantIdArg } from './ids.js';
import { ListOrder, ORDER_ARG_DESCRIPTION, planPage, toConnection } from './pagination.js';
import { AssistantConnection, AssistantRef } from './refs.js';
import { fromUnix } from './scalars.js';
import { operationDescription, specObject } from './spec.js';
import { AssistantToolRef, ResponseFormatRef, toolResourcesType, wrapResponseFormat, wrapTool } from './tools.js';

export const AssistantObjectObject = wireEnum('AssistantObjectObject', 'AssistantObject.object');
const AssistantToolResourcesRef = toolResourcesType('Assistant', 'AssistantObject.tool_resources');

const assistantSpec = specObject('Assistant', 'AssistantObject', { id: 'assistantId' });
const prop = assistantSpec.prop;

builder.node(AssistantRef, {
  description: `${assistantSpec.description ?? ''} \`id\` is the global id; \`assistantId\` is the upstream id.`.trim(),
  id: { resolve: (assistant) => assistant.id },
  loadWithoutCache: (id, context) => context.loaders.assistant.load(id),
  fields: (t) => ({
    assistantId: t.exposeID('id', prop('id')),
    object: t.field({ type: AssistantObjectObject.ref, ...prop('object'), resolve: (a) => AssistantObjectObject.wire(a.object)! }),
    createdAt: t.field({ type: 'DateTime', ...prop('created_at'), resolve: (a) => fromUnix(a.created_at)! }),
    name: t.string({ ...prop('name'), resolve: (a) => a.name ?? null }),
    description: t.string({ ...prop('description'), resolve: (a) => a.description ?? null }),
    model: t.exposeString('model', prop('model')),
    instructions: t.string({ ...prop('instructions'), resolve: (a) => a.instructions ?? null }),
    tools: t.field({ type: [AssistantToolRef], ...prop('tools'), resolve: (a) => (a.tools ?? []).map(wrapTool) }),
    toolResources: t.field({ type: AssistantToolResourcesRef, ...prop('tool_resources'), resolve: (a) => a.tool_resources ?? null }),
    metadata: t.field({ type: 'JSONObject', ...prop('metadata'), resolve: (a) => a.metadata ?? null }),
    temperature: t.float({ ...prop('temperature'), resolve: (a) => a.temperature ?? null }),
    topP: t.float({ ...prop('top_p'), resolve: (a) => a.top_p ?? null }),
    responseFormat: t.field({ type: ResponseFormatRef, ...prop('response_format'), resolve: (a) => wrapResponseFormat(a.response_format) }),
  }),
});

builder.queryFields((t) => ({
  assistant: t.field({
    type: AssistantRef,
    nullable: true,
    description: `${operationDescription('GET', '/assistants/{assistant_id}')} Null when there is no such assistant.`,
    args: { id: t.arg.id({ required: true, description: 'The assistant: `asst_…` or an Assistant global id.' }) },
    resolve: (_root, args, context) => context.loaders.assistant.load(assistantIdArg(String(args.id), 'id')),
  }),
  assistants: t.connection(
    {
      type: AssistantRef,
      description: operationDescription('GET', '/assistants'),
      args: { order: t.arg({ type: ListOrder, defaultValue: 'desc', description: ORDER_ARG_DESCRIPTION }) },
      resolve: async (_root, args, context) => {
        const plan = planPage(args);
        const page = await context.loaders.assistantsPage.load({ params: plan.params });
        return toConnection(page, plan);
      },
    },
    AssistantConnection,
  ),
}));
