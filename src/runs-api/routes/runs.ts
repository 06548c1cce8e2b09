import type { RunsEngine } from '../engine.js';
import { presentEvent } from '../present.js';
import type { CreateRunRequest, ModifyRunRequest, SubmitToolOutputsRequest } from '../types.js';
import { parseInclude, parseListQuery, validateBody } from '../validation.js';
import { orEmpty, param, runAnswer, type Operation } from './operation.js';

export function runOperations(): Operation[] {
  return [
    {
      method: 'GET',
      route: '/threads/{thread_id}/runs',
      handler: async ({ engine, ...ctx }) => engine.runs.list(param(ctx, 'thread_id'), parseListQuery(ctx.query)),
    },
    {
      method: 'POST',
      route: '/threads/{thread_id}/runs',
      handler: async ({ engine, ...ctx }) => {
        const req = validateBody<CreateRunRequest>('CreateRunRequest', orEmpty(ctx.body));
        const include = parseInclude(ctx.query);
        return runAnswer(await engine.runs.create(param(ctx, 'thread_id'), req), presentEvent(include.fileSearchContent));
      },
    },
    {
      method: 'GET',
      route: '/threads/{thread_id}/runs/{run_id}',
      handler: async ({ engine, ...ctx }) => engine.runs.retrieve(param(ctx, 'thread_id'), param(ctx, 'run_id')),
    },
    {
      method: 'POST',
      route: '/threads/{thread_id}/runs/{run_id}',
      handler: async ({ engine, ...ctx }) => {
        const req = validateBody<ModifyRunRequest>('ModifyRunRequest', orEmpty(ctx.body));
        return engine.runs.update(param(ctx, 'thread_id'), param(ctx, 'run_id'), req);
      },
    },
    {
      method: 'POST',
      route: '/threads/{thread_id}/runs/{run_id}/cancel',
      handler: async ({ engine, ...ctx }) => engine.runs.cancel(param(ctx, 'thread_id'), param(ctx, 'run_id')),
    },
    {
      method: 'POST',
      route: '/threads/{thread_id}/runs/{run_id}/submit_tool_outputs',
      handler: async ({ engine, ...ctx }) => {
        const req = validateBody<SubmitToolOutputsRequest>('SubmitToolOutputsRunRequest', orEmpty(ctx.body));
        // The operation has no include[]: its stream never carries file search content.
        return runAnswer(await engine.runs.submitToolOutputs(param(ctx, 'thread_id'), param(ctx, 'run_id'), req), presentEvent(false));
      },
    },
  ];
}
