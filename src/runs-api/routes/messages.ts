import type { RunsEngine } from '../engine.js';
import { deleted } from '../present.js';
import type { CreateMessageRequest, ModifyMessageRequest } from '../types.js';
import { parseListQuery, validateBody } from '../validation.js';
import { orEmpty, param, type Operation } from './operation.js';

export function messageOperations(): Operation[] {
  return [
    {
      method: 'GET',
      route: '/threads/{thread_id}/messages',
      handler: async ({ engine, ...ctx }) => {
        const list = parseListQuery(ctx.query);
        return engine.messages.list(param(ctx, 'thread_id'), { ...list, runId: ctx.query.get('run_id') ?? undefined });
      },
    },
    {
      method: 'POST',
      route: '/threads/{thread_id}/messages',
      handler: async ({ engine, ...ctx }) => {
        const req = validateBody<CreateMessageRequest>('CreateMessageRequest', orEmpty(ctx.body));
        return engine.messages.create(param(ctx, 'thread_id'), req);
      },
    },
    {
      method: 'GET',
      route: '/threads/{thread_id}/messages/{message_id}',
      handler: async ({ engine, ...ctx }) => engine.messages.retrieve(param(ctx, 'thread_id'), param(ctx, 'message_id')),
    },
    {
      method: 'POST',
      route: '/threads/{thread_id}/messages/{message_id}',
      handler: async ({ engine, ...ctx }) => {
        const req = validateBody<ModifyMessageRequest>('ModifyMessageRequest', orEmpty(ctx.body));
        return engine.messages.update(param(ctx, 'thread_id'), param(ctx, 'message_id'), req);
      },
    },
    {
      method: 'DELETE',
      route: '/threads/{thread_id}/messages/{message_id}',
      handler: async ({ engine, ...ctx }) => {
        const id = param(ctx, 'message_id');
        await engine.messages.del(param(ctx, 'thread_id'), id);
        return deleted(id, 'thread.message.deleted');
      },
    },
  ];
}
