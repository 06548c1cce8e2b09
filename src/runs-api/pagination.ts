export type { ListPage } from '../embedded/list-query.js';

/** `limit`, `order`, `after`, `before` of the spec's list operations, already checked. */
export interface ListQuery {
  limit: number;
  order: 'asc' | 'desc';
  after: string | undefined;
  before: string | undefined;
}
