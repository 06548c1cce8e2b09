/** One page of a list operation, as the wire has it. */
export interface ListPage<T> {
  object: 'list';
  data: T[];
  first_id: string | null;
  last_id: string | null;
  has_more: boolean;
}

/** `limit`, `order`, `after`, `before` of the spec's list operations, already checked. */
export interface ListQuery {
  limit: number;
  order: 'asc' | 'desc';
  after: string | undefined;
  before: string | undefined;
}
