import type { RunsEngine } from '../engine.js';
import { deleted } from '../present.js';
import type { CreateAssistantRequest, ModifyAssistantRequest } from '../types.js';
import { parseListQuery, validateBody } from '../validation.js';
import { orEmpty, param, type Operation } from './operation.js';

export function assistantOperations(): Operation[] {
  return [
    { method: 'GET', route: '/assistants', handler: async ({ query, engine }) => engine.assistants.list(parseListQuery(query)) },
    {
      method: 'POST',
      route: '/assistants',
      handler: async ({ body, engine }) => engine.assistants.create(validateBody<CreateAssistantRequest>('CreateAssistantRequest', orEmpty(body))),
    },
    { method: 'GET', route: '/assistants/{assistant_id}', handler: async ({ engine, ...ctx }) => engine.assistants.retrieve(param(ctx, 'assistant_id')) },
    {
      method: 'POST',
      route: '/assistants/{assistant_id}',
      handler: async ({ engine, ...ctx }) => {
        const req = validateBody<ModifyAssistantRequest>('ModifyAssistantRequest', orEmpty(ctx.body));
        return engine.assistants.update(param(ctx, 'assistant_id'), req);
      },
    },
    {
      method: 'DELETE',
      route: '/assistants/{assistant_id}',
      handler: async ({ engine, ...ctx }) => {
        const id = param(ctx, 'assistant_id');
        await engine.assistants.del(id);
        return deleted(id, 'assistant.deleted');
      },
    },
  ];
}
