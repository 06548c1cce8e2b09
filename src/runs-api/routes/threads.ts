import type { RunsEngine } from '../engine.js';
import { deleted, presentEvent } from '../present.js';
import type { CreateThreadAndRunRequest, CreateThreadRequest, ModifyThreadRequest } from '../types.js';
import { parseInclude, validateBody } from '../validation.js';
import { orEmpty, param, runAnswer, type Operation } from './operation.js';

/** `/threads/runs` comes before `/threads/{thread_id}` so the literal wins. */
export function threadOperations(): Operation[] {
  return [
    {
      method: 'POST',
      route: '/threads',
      handler: async ({ body, engine }) => engine.threads.create(validateBody<CreateThreadRequest>('CreateThreadRequest', orEmpty(body))),
    },
    {
      method: 'POST',
      route: '/threads/runs',
      handler: async ({ body, query, engine }) => {
        const req = validateBody<CreateThreadAndRunRequest>('CreateThreadAndRunRequest', orEmpty(body));
        const include = parseInclude(query);
        return runAnswer(await engine.threads.createAndRun(req), presentEvent(include.fileSearchContent));
      },
    },
    { method: 'GET', route: '/threads/{thread_id}', handler: async ({ engine, ...ctx }) => engine.threads.retrieve(param(ctx, 'thread_id')) },
    {
      method: 'POST',
      route: '/threads/{thread_id}',
      handler: async ({ engine, ...ctx }) => {
        const req = validateBody<ModifyThreadRequest>('ModifyThreadRequest', orEmpty(ctx.body));
        return engine.threads.update(param(ctx, 'thread_id'), req);
      },
    },
    {
      method: 'DELETE',
      route: '/threads/{thread_id}',
      handler: async ({ engine, ...ctx }) => {
        const id = param(ctx, 'thread_id');
        await engine.threads.del(id);
        return deleted(id, 'thread.deleted');
      },
    },
  ];
}
