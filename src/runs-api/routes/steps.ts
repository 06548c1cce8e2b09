import type { RunsEngine } from '../engine.js';
import { presentStep } from '../present.js';
import { parseInclude, parseListQuery } from '../validation.js';
import { param, type Operation } from './operation.js';

export function stepOperations(): Operation[] {
  return [
    {
      method: 'GET',
      route: '/threads/{thread_id}/runs/{run_id}/steps',
      handler: async ({ engine, ...ctx }) => {
        const list = parseListQuery(ctx.query);
        const include = parseInclude(ctx.query);
        const page = await engine.runs.steps.list(param(ctx, 'thread_id'), param(ctx, 'run_id'), list);
        return { ...page, data: page.data.map((step) => presentStep(step, include.fileSearchContent)) };
      },
    },
    {
      method: 'GET',
      route: '/threads/{thread_id}/runs/{run_id}/steps/{step_id}',
      handler: async ({ engine, ...ctx }) => {
        const include = parseInclude(ctx.query);
        return presentStep(await engine.runs.steps.retrieve(param(ctx, 'thread_id'), param(ctx, 'run_id'), param(ctx, 'step_id')), include.fileSearchContent);
      },
    },
  ];
}
