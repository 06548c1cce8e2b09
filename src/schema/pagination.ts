import type { Order, PageParams } from '../loaders.js';
import { badUserInput } from '../upstream/errors.js';
import { builder } from './builder.js';
import { parameterDescription } from './spec.js';

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

export const ListOrder = builder.enumType('ListOrder', {
  description: parameterDescription('GET', '/threads/{thread_id}/runs', 'order'),
  values: {
    ASC: { value: 'asc', description: 'Oldest first.' },
    DESC: { value: 'desc', description: 'Newest first (the upstream default).' },
  } as const,
});

export const ORDER_ARG_DESCRIPTION =
  'Sort order by `created_at`, as in the upstream API. Forward pages (`first`/`after`) run in this order; ' +
  'backward pages (`last`/`before`) end where the forward order would continue.';

export interface ConnectionArgs {
  first?: number | null | undefined;
  after?: string | null | undefined;
  last?: number | null | undefined;
  before?: string | null | undefined;
  order?: Order | null | undefined;
}

/** How one Relay page maps onto one upstream list call. */
export interface PagePlan {
  params: PageParams;
  /** The upstream was asked in the opposite order; its page is reversed before returning. */
  reversed: boolean;
  backward: boolean;
  args: ConnectionArgs;
  /** Only one cursor, which the upstream would read as "the page next to it": drop it and what follows, in the requested order. */
  stopAt?: string;
}

function size(value: number, argument: 'first' | 'last'): number {
  if (!Number.isInteger(value) || value < 1 || value > MAX_PAGE_SIZE) {
    throw badUserInput(`${argument} must be between 1 and ${MAX_PAGE_SIZE} (got ${value}).`, { argument });
  }
  return value;
}

function cursor(value: string | null | undefined, argument: 'after' | 'before'): string | undefined {
  if (value == null) return undefined;
  if (value === '' || value.length > 256 || /\s/.test(value)) throw badUserInput(`${argument} is not a valid cursor.`, { argument });
  return value;
}

/**
 * Relay arguments → upstream `limit/order/after/before`. Always one call:
 * - forward (`first`, `after`): the same order, `after` as is;
 * - `first` + `before` alone: the start of the list, cut at the cursor;
 * - `last` + `before`: the same order with `before` (the upstream returns the items nearest the cursor);
 * - `last` otherwise: the opposite order (`after` ↔ `before` swapped; `after` alone as a stop), then reversed.
 */
export function planPage(args: ConnectionArgs): PagePlan {
  const order: Order = args.order ?? 'desc';
  const after = cursor(args.after, 'after');
  const before = cursor(args.before, 'before');
  if (args.first != null && args.last != null) throw badUserInput('Pass first or last, not both.', { argument: 'last' });
  if (args.last == null) {
    const limit = args.first == null ? DEFAULT_PAGE_SIZE : size(args.first, 'first');
    // The upstream reads `before` alone as "the page just before the cursor"; a forward page wants the
    // start of the list instead, so ask for that and stop at the cursor.
    if (before !== undefined && after === undefined) return { params: { limit, order }, reversed: false, backward: false, args, stopAt: before };
    return { params: { limit, order, after, before }, reversed: false, backward: false, args };
  }
  const limit = size(args.last, 'last');
  if (before !== undefined && after === undefined) {
    return { params: { limit, order, before }, reversed: false, backward: true, args };
  }
  const opposite: Order = order === 'asc' ? 'desc' : 'asc';
  // In the opposite order the page is the start of the list; `after` alone is where it must stop.
  if (after !== undefined && before === undefined) return { params: { limit, order: opposite }, reversed: true, backward: true, args, stopAt: after };
  return { params: { limit, order: opposite, after: before, before: after }, reversed: true, backward: true, args };
}

export interface ConnectionResult<T> {
  edges: Array<{ cursor: string; node: T }>;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

/** One upstream page → a Relay connection. Cursors are the upstream ids. */
export function toConnection<T extends { id: string }>(page: { data: T[]; has_more: boolean }, plan: PagePlan): ConnectionResult<T> {
  let data = page.data;
  let cut = false;
  if (plan.stopAt !== undefined) {
    const index = data.findIndex((item) => item.id === plan.stopAt);
    if (index >= 0) {
      data = data.slice(0, index);
      cut = true;
    }
  }
  const items = plan.reversed ? [...data].reverse() : data;
  const edges = items.map((node) => ({ cursor: node.id, node }));
  const hasCursorAfter = plan.args.before != null; // the `before` item itself follows this page
  const hasCursorBefore = plan.args.after != null; // the `after` item itself precedes this page
  return {
    edges,
    pageInfo: plan.backward
      ? { hasPreviousPage: page.has_more || cut, hasNextPage: hasCursorAfter, startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null }
      : { hasNextPage: page.has_more || cut, hasPreviousPage: hasCursorBefore, startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null },
  };
}
