import SchemaBuilder from '@pothos/core';
import RelayPlugin from '@pothos/plugin-relay';
import type { GatewayContext } from '../context.js';
import { MAX_NODE_IDS, decodeNodeId, encodeGlobalId, tooManyIds } from './ids.js';

/** The builder and its plugins only; types live in one file per domain (run.ts, thread.ts, …). */
export const builder = new SchemaBuilder<{
  Context: GatewayContext;
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    JSONObject: { Input: Record<string, unknown>; Output: Record<string, unknown> };
    JSON: { Input: unknown; Output: unknown };
  };
  DefaultEdgesNullability: false;
  DefaultNodeNullability: false;
}>({
  plugins: [RelayPlugin],
  relay: {
    cursorType: 'String',
    encodeGlobalID: (typename, id) => encodeGlobalId(typename, id),
    decodeGlobalID: (globalID) => decodeNodeId(globalID),
    idFieldOptions: { description: 'The global (Relay) id. Pass it to `node(id:)` or to any id argument; the upstream id has its own field.' },
    cursorFieldOptions: { description: 'The cursor of this item: its upstream id.' },
    nodeFieldOptions: { nullable: false, description: 'The item.' },
    edgesFieldOptions: { nullable: false, description: 'The items of this page with their cursors.' },
    pageInfoFieldOptions: { description: 'Where this page sits in the list.' },
    hasNextPageFieldOptions: { description: 'More items follow this page (forward: the upstream `has_more`; backward: a `before` cursor was given).' },
    hasPreviousPageFieldOptions: { description: 'More items precede this page (backward: the upstream `has_more`; forward: an `after` cursor was given).' },
    startCursorFieldOptions: { description: 'The cursor of the first item of this page.' },
    endCursorFieldOptions: { description: 'The cursor of the last item of this page.' },
    firstArgOptions: { description: 'Forward page size, 1 to 100 (default 20).' },
    afterArgOptions: { description: 'Return the items after this cursor (an upstream id).' },
    lastArgOptions: { description: 'Backward page size, 1 to 100: the items just before `before`, or the end of the list.' },
    beforeArgOptions: { description: 'Return the items before this cursor (an upstream id).' },
    nodeTypeOptions: {
      description:
        'An object with a global id. `id` is always the global (Relay) id; the upstream id is in the type\'s own `…Id` field (runId, threadId, …). ' +
        'Every id argument accepts either form.',
    },
    nodeQueryOptions: {
      description: 'Fetches an object by global id (or a plain thread_…/asst_… id). Null when it does not exist.',
      args: { id: { description: 'A global id, or a plain thread_… / asst_… id.' } },
    },
    nodesQueryOptions: {
      description: 'Fetches objects by global ids, in order; null for each one that does not exist. An id that is not an id at all fails this field only.',
      nullable: { list: true, items: true },
      args: { ids: { description: `Global ids (plain thread_… / asst_… ids work too), at most ${MAX_NODE_IDS}.` } },
      resolve: (_root, args, _context, _info, resolveNodes) => {
        if (args.ids.length > MAX_NODE_IDS) throw tooManyIds(args.ids.length);
        return resolveNodes(args.ids);
      },
    },
    pageInfoTypeOptions: {
      description: 'Where a page sits in the list. Cursors are the upstream object ids.',
    },
  },
});
