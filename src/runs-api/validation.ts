import { checkSchema, type SchemaName, type SchemaViolation } from '../spec/index.js';
import { dotted } from '../spec/validators.js';
import { article, describeType } from '../embedded/errors.js';
import { ApiError, badRequest } from './errors.js';
import { parseListLimit, parseListOrder } from '../embedded/list-query.js';
import type { ListQuery } from './pagination.js';

export type { ListQuery };

/**
 * Checks a request body against the normalised spec and turns the first problem into the
 * real API's 400: the message names the field (as `param`, dotted like `tools[0].type`).
 */
export function validateBody<T>(schema: SchemaName, body: unknown): T {
  const violations = checkSchema(schema, body);
  if (violations.length === 0) return body as T;
  throw violationToError(schema, body, violations);
}

/**
 * The spec's tagged unions (tools, content parts) are `oneOf`s, so ajv reports a failure
 * for every branch. Picking the branch by its `type` first gives one precise message.
 */
const TAGGED_UNIONS: Array<{ path: RegExp; branches: SchemaName[] }> = [
  { path: /^\/tools\/\d+$/, branches: ['AssistantToolsCode', 'AssistantToolsFileSearch', 'AssistantToolsFunction'] },
  { path: /\/content\/\d+$/, branches: ['MessageContentImageFileObject', 'MessageContentImageUrlObject', 'MessageRequestContentTextObject'] },
];

function violationToError(schema: SchemaName, body: unknown, violations: SchemaViolation[]): ApiError {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return badRequest(`Invalid request body: expected a JSON object, but got ${describeType(body)} instead.`, null, 'invalid_type');
  }
  const refined = refineTaggedUnions(body, violations);
  const chosen = choose(refined);
  return toError(schema, body, chosen, refined);
}

function refineTaggedUnions(body: unknown, violations: SchemaViolation[]): SchemaViolation[] {
  const out: SchemaViolation[] = [];
  const handled = new Set<string>();
  for (const violation of violations) {
    const union = findUnion(violation.path);
    if (!union) {
      out.push(violation);
      continue;
    }
    const { prefix, branches } = union;
    if (handled.has(prefix)) continue;
    handled.add(prefix);
    const value = valueAt(body, prefix);
    const type = value && typeof value === 'object' ? (value as { type?: unknown }).type : undefined;
    const branch = typeof type === 'string' ? branches.find((name) => branchTypes(name).includes(type)) : undefined;
    if (!branch) {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        out.push({ path: prefix, message: 'must be object' });
      } else if (type === undefined) {
        out.push({ path: prefix, message: "must have required property 'type'" });
      } else {
        out.push({ path: `${prefix}/type`, message: `must be equal to one of the allowed values (${branches.flatMap(branchTypes).join(', ')})` });
      }
      continue;
    }
    for (const inner of checkSchema(branch, value)) out.push({ path: `${prefix}${inner.path}`, message: inner.message });
  }
  return out;
}

function findUnion(path: string): { prefix: string; branches: SchemaName[] } | undefined {
  const segments = path.split('/');
  // The longest matching prefix is the innermost union the violation belongs to.
  for (let end = segments.length; end > 1; end -= 1) {
    const prefix = segments.slice(0, end).join('/');
    const union = TAGGED_UNIONS.find((candidate) => candidate.path.test(prefix));
    if (union) return { prefix, branches: union.branches };
  }
  return undefined;
}

const branchTypeCache = new Map<string, string[]>();
function branchTypes(name: SchemaName): string[] {
  let types = branchTypeCache.get(name);
  if (!types) {
    // Probe the branch with candidate tags; the spec's tags are the names of the branches' types.
    const candidates = ['code_interpreter', 'file_search', 'function', 'image_file', 'image_url', 'text'];
    types = candidates.filter((type) => !checkSchema(name, { type }).some((v) => v.path === '/type'));
    branchTypeCache.set(name, types);
  }
  return types;
}

/** Rank: structural problems first, then bad values, then type mismatches (often just other branches of an anyOf). */
function rank(violation: SchemaViolation): number {
  const m = violation.message;
  if (m.startsWith('must NOT have additional properties')) return 0;
  if (m.startsWith('must have required property')) return 1;
  if (/^must be (string|number|integer|boolean|object|array|null)(,|$)/.test(m)) return 3;
  return 2;
}

function choose(violations: SchemaViolation[]): SchemaViolation {
  const sorted = [...violations].sort((a, b) => rank(a) - rank(b) || depth(a.path) - depth(b.path));
  const first = sorted[0];
  if (!first) return { path: '', message: 'is invalid' };
  return first;
}

function depth(path: string): number {
  return path === '' ? 0 : path.split('/').length - 1;
}

function toError(schema: SchemaName, body: unknown, chosen: SchemaViolation, all: SchemaViolation[]): ApiError {
  const { path, message } = chosen;
  const param = dotted(path);
  const value = valueAt(body, path);
  const name = param === '' ? 'body' : param;

  let match = /^must NOT have additional properties \((.*)\)$/.exec(message);
  if (match) {
    const field = joinParam(param, match[1] ?? '');
    return badRequest(`Unrecognized request argument supplied: ${field}`, field, 'unknown_parameter');
  }
  match = /^must have required property '(.*)'$/.exec(message);
  if (match) {
    const field = joinParam(param, match[1] ?? '');
    return badRequest(`Missing required parameter: '${field}'.`, field, 'missing_required_parameter');
  }
  if (rank(chosen) === 3) {
    // Every type the value could have had at this path, e.g. "a string or an array".
    const expected = [...new Set(all.filter((v) => v.path === path && rank(v) === 3).flatMap((v) => v.message.slice('must be '.length).split(',')))].filter((t) => t !== 'null');
    return badRequest(`Invalid type for '${name}': expected ${joinOr(expected.map(article))}, but got ${describeType(value)} instead.`, param || null, 'invalid_type');
  }
  match = /^must be equal to one of the allowed values \((.*)\)$/.exec(message);
  if (match) {
    const allowed = [...new Set(all.filter((v) => v.path === path && v.message.startsWith('must be equal to one of')).flatMap((v) => /\((.*)\)$/.exec(v.message)?.[1]?.split(', ') ?? []))];
    return badRequest(`Invalid value: ${quote(value)}. Supported values are: ${joinAnd(allowed.map((v) => `'${v}'`))}.`, param || null, 'invalid_value');
  }
  match = /^must be ([<>]=?) (-?[\d.]+)$/.exec(message);
  if (match) {
    const above = match[1]?.startsWith('<') ?? false;
    const kind = integerField(schema, body, path) ? 'integer' : 'decimal';
    return badRequest(
      `Invalid '${name}': ${kind} ${above ? 'above maximum' : 'below minimum'} value. Expected a value ${match[1]} ${match[2]}, but got ${String(value)} instead.`,
      param || null,
      `${kind}_${above ? 'above_max' : 'below_min'}_value`,
    );
  }
  match = /^must NOT have (more|fewer) than (\d+) (characters|items|properties)$/.exec(message);
  if (match) {
    const more = match[1] === 'more';
    const limit = Number(match[2]);
    const unit = match[3];
    if (unit === 'characters' && value !== null && typeof value === 'object') {
      // propertyNames: a key of this object is too long.
      const key = Object.keys(value).find((k) => k.length > limit) ?? '';
      return badRequest(
        `Invalid '${name}': string too long. Expected a key with maximum length ${limit}, but got a key with length ${key.length} instead.`,
        param || null,
        'string_above_max_length',
      );
    }
    if (unit === 'characters') {
      const length = typeof value === 'string' ? value.length : 0;
      return badRequest(
        `Invalid '${name}': string too ${more ? 'long' : 'short'}. Expected a string with ${more ? 'maximum' : 'minimum'} length ${limit}, but got a string with length ${length} instead.`,
        param || null,
        more ? 'string_above_max_length' : 'string_below_min_length',
      );
    }
    if (unit === 'items') {
      const length = Array.isArray(value) ? value.length : 0;
      if (!more && length === 0) {
        return badRequest(`Invalid '${name}': empty array. Expected an array with minimum length ${limit}, but got an empty array instead.`, param || null, 'empty_array');
      }
      return badRequest(
        `Invalid '${name}': array too ${more ? 'long' : 'short'}. Expected an array with ${more ? 'maximum' : 'minimum'} length ${limit}, but got an array with length ${length} instead.`,
        param || null,
        more ? 'array_above_max_length' : 'array_below_min_length',
      );
    }
    const count = value && typeof value === 'object' ? Object.keys(value).length : 0;
    return badRequest(
      `Invalid '${name}': too many properties. Expected an object with at most ${limit} properties, but got an object with ${count} properties instead.`,
      param || null,
      'object_above_max_properties',
    );
  }
  if (message === 'property name must be valid') {
    return badRequest(`Invalid '${name}': invalid key.`, param || null, 'invalid_value');
  }
  return badRequest(`Invalid '${name}': ${message}.`, param || null, 'invalid_value');
}

/** Whether the spec wants an integer at `pointer`: a fraction there would be rejected as "must be integer". */
function integerField(schema: SchemaName, body: unknown, pointer: string): boolean {
  const probe = structuredClone(body) as Record<string, unknown>;
  const segments = pointer.split('/').slice(1);
  const last = segments.pop();
  let parent: unknown = probe;
  for (const segment of segments) parent = (parent as Record<string, unknown> | undefined)?.[segment];
  if (last === undefined || parent === null || typeof parent !== 'object') return false;
  (parent as Record<string, unknown>)[last] = 0.5;
  return checkSchema(schema, probe).some((v) => v.path === pointer && v.message.startsWith('must be integer'));
}

function joinParam(parent: string, child: string): string {
  return parent === '' ? child : `${parent}.${child}`;
}

function valueAt(root: unknown, pointer: string): unknown {
  let current = root;
  for (const raw of pointer.split('/').slice(1)) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[raw.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return current;
}

function quote(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : JSON.stringify(value) ?? 'undefined';
}

function joinOr(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? 'a valid value') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}

function joinAnd(items: string[]): string {
  if (items.length <= 2) return items.join(' and ');
  return `${items.slice(0, -1).join(', ')}, and ${items.at(-1)}`;
}

/** `limit`, `order`, `after`, `before` as the spec's list operations define them. */
export function parseListQuery(query: URLSearchParams): ListQuery {
  return { limit: parseListLimit(query), order: parseListOrder(query), after: query.get('after') ?? undefined, before: query.get('before') ?? undefined };
}

export const FILE_SEARCH_CONTENT_INCLUDE = 'step_details.tool_calls[*].file_search.results[*].content';

/** `include[]` of the run step operations; the spec allows one value. */
export function parseInclude(query: URLSearchParams): { fileSearchContent: boolean } {
  const values = query.getAll('include[]');
  for (const value of values) {
    if (value !== FILE_SEARCH_CONTENT_INCLUDE) {
      throw badRequest(`Invalid value: '${value}'. Supported values are: '${FILE_SEARCH_CONTENT_INCLUDE}'.`, 'include[]', 'invalid_value');
    }
  }
  return { fileSearchContent: values.length > 0 };
}
