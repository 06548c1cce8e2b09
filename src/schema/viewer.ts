import DataLoader from 'dataloader';
import { GraphQLError } from 'graphql';
import type { GatewayContext } from '../context.js';
import type { ViewerThreadEvent } from '../live/viewer-threads.js';
import type { Loaders } from '../loaders.js';
import { tenancyOn } from '../security/tenants.js';
import type { Schemas } from '../spec/index.js';
import type { ThreadEntry, ThreadOrder, ThreadPageQuery, ThreadPosition } from '../threads/directory.js';
import { timeOf } from '../threads/directory.js';
import { badUserInput } from '../upstream/errors.js';
import { builder } from './builder.js';
import { encodeGlobalId } from './ids.js';
import { MessageRef, RunRef, ThreadRef } from './refs.js';

type Thread = Schemas['ThreadObject'];
type Message = Schemas['MessageObject'];

/** A page of the caller's threads costs up to three upstream calls per thread (see README), so pages are smaller than elsewhere. */
export const MAX_VIEWER_THREADS_PAGE = 50;
const DEFAULT_VIEWER_THREADS_PAGE = 20;
const DEFAULT_PREVIEW_LENGTH = 120;
const MAX_PREVIEW_LENGTH = 2_000;

export const ViewerThreadOrder = builder.enumType('ViewerThreadOrder', {
  description: 'How the caller\'s threads are ordered, newest first.',
  values: {
    LAST_ACTIVITY: { value: 'activity', description: 'By the last message or run the gateway saw on the thread (the default).' },
    CREATED: { value: 'created', description: 'By when the thread was created.' },
  } as const,
});

export const ViewerThreadScope = builder.enumType('ViewerThreadScope', {
  description: 'Whose threads.',
  values: {
    OWN: { value: 'own', description: 'The caller\'s own threads (the default). With `GATEWAY_AUTH=none` the one caller owns every thread created through the gateway.' },
    ALL: { value: 'all', description: 'Every thread created through the gateway, whoever owns it: admins (`GATEWAY_ADMIN_SUBJECTS`) only, others get FORBIDDEN.' },
  } as const,
});

/**
 * The directory's owner filter for a caller: undefined means every thread. Without tenancy there is one caller and
 * every thread is theirs; with it, `ALL` is for admins only.
 */
export function directoryOwner(ctx: GatewayContext, scope: 'own' | 'all' | null | undefined): string | undefined {
  if (!tenancyOn(ctx.config)) return undefined;
  if (scope !== 'all') return ctx.identity.subject;
  if (!ctx.identity.admin) throw new GraphQLError('scope: ALL lists every owner\'s threads and is for admins only (GATEWAY_ADMIN_SUBJECTS).', { extensions: { code: 'FORBIDDEN', argument: 'scope' } });
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Summary fields on Thread (any thread, in any query): what a sidebar shows of it.

/** One directory read per operation (or subscription event) for every thread whose lastActivityAt is asked for. */
const entryLoaders = new WeakMap<Loaders, DataLoader<string, ThreadEntry | undefined>>();

function entryLoader(ctx: GatewayContext): DataLoader<string, ThreadEntry | undefined> {
  let loader = entryLoaders.get(ctx.loaders);
  if (!loader) {
    const directory = ctx.services.threads.directory;
    loader = new DataLoader<string, ThreadEntry | undefined>((ids) => directory.get(ids), { maxBatchSize: 100 });
    entryLoaders.set(ctx.loaders, loader);
  }
  return loader;
}

/** The text of a message's text parts, whitespace folded, cut at `maxLength` characters (with … when cut). */
export function messagePreview(message: Pick<Message, 'content'>, maxLength: number): string {
  const text = (message.content ?? [])
    .map((part) => (part.type === 'text' ? part.text.value : ''))
    .filter((value) => value !== '')
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
  const characters = [...text];
  return characters.length <= maxLength ? text : `${characters.slice(0, Math.max(0, maxLength - 1)).join('')}…`;
}

builder.objectFields(ThreadRef, (t) => ({
  lastActivityAt: t.field({
    type: 'DateTime',
    nullable: true,
    description:
      'When the gateway last saw activity on this thread: its creation, a message or run written through the gateway, or a run state it followed or polled. ' +
      'From the gateway\'s own thread index (no upstream call); null for a thread created elsewhere.',
    resolve: async (thread, _args, ctx) => {
      const entry = await entryLoader(ctx).load(thread.id);
      return entry ? new Date(entry.lastActivityAt) : null;
    },
  }),
  lastRun: t.field({
    type: RunRef,
    nullable: true,
    description: 'The thread\'s newest run (one upstream call, `GET …/runs?limit=1`, shared with `runs(first: 1)`); null when it has none.',
    resolve: async (thread, _args, ctx) => (await ctx.loaders.runsPage.load({ threadId: thread.id, params: { limit: 1, order: 'desc' } })).data[0] ?? null,
  }),
  lastMessage: t.field({
    type: MessageRef,
    nullable: true,
    description: 'The thread\'s newest message (one upstream call, `GET …/messages?limit=1`, shared with `messages(first: 1)`); null when it has none. `preview` gives a line of its text.',
    resolve: async (thread, _args, ctx) => (await ctx.loaders.messagesPage.load({ threadId: thread.id, params: { limit: 1, order: 'desc' } })).data[0] ?? null,
  }),
}));

builder.objectFields(MessageRef, (t) => ({
  preview: t.string({
    description: 'The message\'s text on one line (text parts joined, whitespace folded), cut at `maxLength` characters with "…": a sidebar\'s line.',
    args: { maxLength: t.arg.int({ defaultValue: DEFAULT_PREVIEW_LENGTH, description: `1 to ${MAX_PREVIEW_LENGTH} characters.` }) },
    resolve: (message, args) => {
      const maxLength = args.maxLength ?? DEFAULT_PREVIEW_LENGTH;
      if (!Number.isInteger(maxLength) || maxLength < 1 || maxLength > MAX_PREVIEW_LENGTH) throw badUserInput(`maxLength must be between 1 and ${MAX_PREVIEW_LENGTH} (got ${maxLength}).`, { argument: 'maxLength' });
      return messagePreview(message, maxLength);
    },
  }),
}));

// ---------------------------------------------------------------------------------------------------------------
// viewer.threads: a keyset-paged connection over the directory.

const CURSOR = /^([ac])(\d{1,15}):([^\s:][^\s]{0,255})$/;

export function encodeThreadCursor(order: ThreadOrder, entry: ThreadEntry): string {
  return `${order === 'activity' ? 'a' : 'c'}${timeOf(entry, order)}:${entry.threadId}`;
}

function decodeThreadCursor(value: string | null | undefined, order: ThreadOrder, argument: 'after' | 'before'): ThreadPosition | undefined {
  if (value == null) return undefined;
  const match = CURSOR.exec(value);
  if (!match) throw badUserInput(`${argument} is not a cursor of viewer.threads.`, { argument });
  if ((match[1] === 'a') !== (order === 'activity')) throw badUserInput(`${argument} is a cursor of the other orderBy; page with the orderBy that gave it.`, { argument });
  return { at: Number(match[2]), threadId: match[3]! };
}

function pageSize(value: number | null | undefined, argument: 'first' | 'last'): number {
  if (value == null) return DEFAULT_VIEWER_THREADS_PAGE;
  if (!Number.isInteger(value) || value < 1 || value > MAX_VIEWER_THREADS_PAGE) throw badUserInput(`${argument} must be between 1 and ${MAX_VIEWER_THREADS_PAGE} (got ${value}).`, { argument });
  return value;
}

interface ViewerThreadsArgs {
  first?: number | null | undefined;
  after?: string | null | undefined;
  last?: number | null | undefined;
  before?: string | null | undefined;
  orderBy?: ThreadOrder | null | undefined;
  scope?: 'own' | 'all' | null | undefined;
}

interface ThreadsConnection {
  edges: Array<{ cursor: string; node: Thread }>;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

/**
 * One directory read (one item more than asked, to know whether more follow), then the page's threads read together
 * (one batch of concurrent GETs). In the list's order (newest first), `after` bounds the page from above (older
 * items follow it) and `before` from below; `last` takes the items nearest the end of that range.
 */
async function viewerThreads(ctx: GatewayContext, args: ViewerThreadsArgs): Promise<ThreadsConnection> {
  if (args.first != null && args.last != null) throw badUserInput('Pass first or last, not both.', { argument: 'last' });
  const order: ThreadOrder = args.orderBy ?? 'activity';
  const owner = directoryOwner(ctx, args.scope);
  const backward = args.last != null;
  const size = backward ? pageSize(args.last, 'last') : pageSize(args.first, 'first');
  const query: ThreadPageQuery = {
    owner,
    order,
    olderThan: decodeThreadCursor(args.after, order, 'after'),
    newerThan: decodeThreadCursor(args.before, order, 'before'),
    from: backward ? 'oldest' : 'newest',
    limit: size + 1,
  };
  const found = await ctx.services.threads.directory.page(query);
  const more = found.length > size;
  const entries = (backward ? found.slice(0, size).reverse() : found.slice(0, size));
  const entryCache = entryLoader(ctx);
  for (const entry of entries) {
    entryCache.prime(entry.threadId, entry);
    // The directory knows each owner: the tenancy check of the reads below costs no call of its own.
    if (tenancyOn(ctx.config)) ctx.services.owners.set(entry.threadId, entry.owner);
  }
  const threads = await Promise.all(entries.map((entry) => ctx.loaders.thread.load(entry.threadId)));
  const edges: ThreadsConnection['edges'] = [];
  for (const [index, entry] of entries.entries()) {
    const thread = threads[index];
    // Deleted elsewhere (not through the gateway): dropped from the index now, and the sidebars told.
    if (!thread) void ctx.services.threads.deleted(entry.threadId);
    else edges.push({ cursor: encodeThreadCursor(order, entry), node: thread });
  }
  return {
    edges,
    pageInfo: {
      hasNextPage: backward ? args.before != null : more,
      hasPreviousPage: backward ? more : args.after != null,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}

const ViewerThreadConnection = builder.connectionObject(
  { type: ThreadRef, name: 'ViewerThreadConnection', description: 'A page of the caller\'s threads, newest first by the chosen time.' },
  { name: 'ViewerThreadEdge', description: 'A thread and its cursor.' },
);

interface ViewerShape {
  subject: string;
  admin: boolean;
}

const ViewerRef = builder.objectRef<ViewerShape>('Viewer').implement({
  description: 'The authenticated caller, and what is theirs.',
  fields: (t) => ({
    subject: t.string({
      nullable: true,
      description: 'The caller\'s subject (from the API key or token); null with `GATEWAY_AUTH=none`, where there is one anonymous caller.',
      resolve: (viewer, _args, ctx) => (tenancyOn(ctx.config) ? viewer.subject : null),
    }),
    admin: t.exposeBoolean('admin', { description: 'Sees every thread (`GATEWAY_ADMIN_SUBJECTS`; always with `GATEWAY_AUTH=none`).' }),
    threads: t.field({
      type: ViewerThreadConnection,
      description:
        'The caller\'s threads, from the gateway\'s own index of the threads created through it (the runs API cannot list threads): ' +
        'recorded by createThread and createThreadAndRun, moved up by every message and run the gateway sees on them, removed by deleteThread. ' +
        `Newest first by last activity (or by creation). Pages of 1 to ${MAX_VIEWER_THREADS_PAGE} (default ${DEFAULT_VIEWER_THREADS_PAGE}); ` +
        'a page costs one read of the index and one upstream call per thread, plus one per thread for `lastRun` and one for `lastMessage` when selected, all sent at once. ' +
        'Cursors are keyset positions, so a thread moving up the list while you page is neither skipped nor repeated past the cursor.',
      args: {
        first: t.arg.int({ description: `Forward page size, 1 to ${MAX_VIEWER_THREADS_PAGE} (default ${DEFAULT_VIEWER_THREADS_PAGE}).` }),
        after: t.arg.string({ description: 'Return the threads after this cursor (older, in the chosen order).' }),
        last: t.arg.int({ description: `Backward page size, 1 to ${MAX_VIEWER_THREADS_PAGE}: the threads just before \`before\`, or the oldest ones.` }),
        before: t.arg.string({ description: 'Return the threads before this cursor (newer, in the chosen order).' }),
        orderBy: t.arg({ type: ViewerThreadOrder, defaultValue: 'activity', description: 'LAST_ACTIVITY (default) or CREATED; cursors belong to one order.' }),
        scope: t.arg({ type: ViewerThreadScope, defaultValue: 'own', description: 'OWN (default) or, for admins, ALL.' }),
      },
      resolve: (_viewer, args, ctx) => viewerThreads(ctx, args),
    }),
  }),
});

builder.queryFields((t) => ({
  viewer: t.field({
    type: ViewerRef,
    description: 'The authenticated caller: who they are and their threads (a sidebar\'s first screen).',
    resolve: (_root, _args, ctx) => ({ subject: ctx.identity.subject, admin: ctx.identity.admin }),
  }),
}));

// ---------------------------------------------------------------------------------------------------------------
// viewerThreadsUpdated's payload (the subscription itself is in subscriptions.ts).

export const ViewerThreadEventKind = builder.enumType('ViewerThreadEventKind', {
  description: 'What happened to a thread of the caller\'s list.',
  values: {
    CREATED: { value: 'created', description: 'Created through the gateway: add it to the top.' },
    ACTIVITY: { value: 'activity', description: 'A message or run was added, or a run of it changed status: move it by `lastActivityAt`, refresh its summary.' },
    DELETED: { value: 'deleted', description: 'Deleted: remove it (`thread` is null).' },
  } as const,
});

export const ViewerThreadEventRef = builder.objectRef<ViewerThreadEvent>('ViewerThreadEvent').implement({
  description: 'A change of the caller\'s thread list.',
  fields: (t) => ({
    kind: t.field({ type: ViewerThreadEventKind, description: 'What happened: CREATED, ACTIVITY or DELETED.', resolve: (event) => event.kind }),
    threadId: t.exposeID('threadId', { description: 'The upstream id of the thread.' }),
    nodeId: t.id({ description: 'The thread\'s global id (to find it in a client cache).', resolve: (event) => encodeGlobalId('Thread', event.threadId) }),
    lastActivityAt: t.field({ type: 'DateTime', description: 'The thread\'s last activity, as `Thread.lastActivityAt`.', resolve: (event) => new Date(event.lastActivityAt) }),
    cursor: t.string({
      description: 'The thread\'s cursor in `viewer.threads` for this order now (to place it in a paged list).',
      args: { orderBy: t.arg({ type: ViewerThreadOrder, defaultValue: 'activity', description: 'The order of the list the cursor is for.' }) },
      resolve: (event, args) => encodeThreadCursor(args.orderBy ?? 'activity', { threadId: event.threadId, owner: event.owner, createdAt: event.createdAt, lastActivityAt: event.lastActivityAt }),
    }),
    thread: t.field({
      type: ThreadRef,
      nullable: true,
      description: 'The thread now (one upstream call per event, shared by every subscriber of the same operation); null once deleted.',
      resolve: (event, _args, ctx) => (event.kind === 'deleted' ? null : ctx.loaders.thread.load(event.threadId)),
    }),
  }),
});
