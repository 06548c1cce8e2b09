import { badRequest } from './errors.js';

/** One page of a list operation, as the wire has it. */
export interface ListPage<T> {
  object: 'list';
  data: T[];
  first_id: string | null;
  last_id: string | null;
  has_more: boolean;
}

/** `limit` of a list operation: an integer 1..100, 20 when absent, refused in the real API's words otherwise. */
export function parseListLimit(query: URLSearchParams): number {
  const rawLimit = query.get('limit');
  if (rawLimit === null) return 20;
  if (!/^-?\d+$/.test(rawLimit.trim())) {
    throw badRequest(`Invalid type for 'limit': expected an integer, but got ${/^-?\d*\.\d+$/.test(rawLimit.trim()) ? 'a decimal' : 'a string'} instead.`, 'limit', 'invalid_type');
  }
  const limit = Number(rawLimit);
  if (limit > 100) throw badRequest(`Invalid 'limit': integer above maximum value. Expected a value <= 100, but got ${limit} instead.`, 'limit', 'integer_above_max_value');
  if (limit < 1) throw badRequest(`Invalid 'limit': integer below minimum value. Expected a value >= 1, but got ${limit} instead.`, 'limit', 'integer_below_min_value');
  return limit;
}

/** `order` of a list operation: asc or desc, desc when absent. */
export function parseListOrder(query: URLSearchParams): 'asc' | 'desc' {
  const order = query.get('order') ?? 'desc';
  if (order !== 'asc' && order !== 'desc') throw badRequest(`Invalid value: '${order}'. Supported values are: 'asc' and 'desc'.`, 'order', 'invalid_value');
  return order;
}
