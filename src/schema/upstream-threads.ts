import { GraphQLError } from 'graphql';
import { ownerOf, tenancyOn } from '../security/tenants.js';
import { builder } from './builder.js';
import { ListOrder, ORDER_ARG_DESCRIPTION, planPage, toConnection } from './pagination.js';
import { ThreadRef } from './refs.js';

/*
 * The upstream's own thread list (`GET /threads`, Azure AI Foundry Agent Service classic; the OpenAI wire has none).
 * A root connection like `assistants`, not a `source` of viewer.threads: that list is the gateway's index, ordered by
 * activity with keyset cursors, and this one is the upstream's, ordered by creation with upstream ids as cursors —
 * one field mixing both would accept cursors and orders that mean nothing to half of it.
 */

const ThreadConnection = builder.connectionObject(
  { type: ThreadRef, name: 'ThreadConnection', description: 'A page of threads, in the upstream order.' },
  { name: 'ThreadEdge', description: 'A thread and its cursor.' },
);

builder.queryFields((t) => ({
  threads: t.connection(
    {
      type: ThreadRef,
      nullable: true,
      description:
        'The threads of the upstream project, as the upstream lists them (`GET /threads`), newest first by default: every thread, also those not created through the gateway. ' +
        'Only where the upstream has the list (profile foundry-classic, or `UPSTREAM_CAPABILITIES=+list_threads`); elsewhere UPSTREAM_UNSUPPORTED, unsent — use `viewer.threads`, the gateway\'s own index. ' +
        'It holds every owner\'s threads, so with tenancy on it is for admins (`GATEWAY_ADMIN_SUBJECTS`) only; others get FORBIDDEN and use `viewer.threads`.',
      args: { order: t.arg({ type: ListOrder, defaultValue: 'desc', description: ORDER_ARG_DESCRIPTION }) },
      resolve: async (_root, args, ctx) => {
        const tenancy = tenancyOn(ctx.config);
        // Filtering a page to the caller's threads would still hand out the others' ids as cursors.
        if (tenancy && !ctx.identity.admin) {
          throw new GraphQLError('threads lists every owner\'s threads and is for admins only (GATEWAY_ADMIN_SUBJECTS); viewer.threads lists yours.', { extensions: { code: 'FORBIDDEN' } });
        }
        const plan = planPage(args);
        const page = await ctx.upstream.listThreads(plan.params);
        for (const thread of page.data) {
          ctx.loaders.thread.prime(thread.id, thread);
          if (tenancy) ctx.services.owners.set(thread.id, ownerOf(thread));
        }
        return toConnection(page, plan);
      },
    },
    ThreadConnection,
  ),
}));
