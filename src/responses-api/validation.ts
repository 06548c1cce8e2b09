import { compileFieldsValidator, responsesSpec, type SchemaViolation } from '../spec/responses.js';
import { dotted } from '../spec/validators.js';
import { describeType } from '../embedded/errors.js';
import { badRequest, type ApiError } from './errors.js';
import { parseListLimit, parseListOrder } from '../embedded/list-query.js';
import type { Metadata, ResponseTool, ResponseToolChoice } from './types.js';

/**
 * Request checks with the real API's messages (`Missing required parameter: 'model'.`,
 * `Invalid type for 'temperature': …`, `Unknown parameter: 'x'.`) and `param` in its dotted form
 * (`input[0].content`). The fields this server acts on are checked by hand; the rest of a body is
 * held to the spec's schema, so nothing the spec refuses gets through.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

export const missing = (param: string): ApiError => badRequest(`Missing required parameter: '${param}'.`, param, 'missing_required_parameter');
export const wrongType = (param: string, expected: string, value: unknown): ApiError =>
  badRequest(`Invalid type for '${param}': expected ${expected}, but got ${describeType(value)} instead.`, param, 'invalid_type');
export const unknownParameter = (param: string): ApiError => badRequest(`Unknown parameter: '${param}'.`, param, 'unknown_parameter');
export function invalidValue(param: string, value: unknown, supported: readonly string[]): ApiError {
  const list = supported.map((v) => `'${v}'`);
  const joined = list.length <= 2 ? list.join(' and ') : `${list.slice(0, -1).join(', ')}, and ${list.at(-1)}`;
  return badRequest(`Invalid value: ${typeof value === 'string' ? `'${value}'` : JSON.stringify(value)}. Supported values are: ${joined}.`, param, 'invalid_value');
}

function numberIn(body: JsonObject, param: string, min: number, max: number | undefined, integer: boolean): number | undefined {
  const value = body[param];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || (integer && !Number.isInteger(value))) throw wrongType(param, integer ? 'an integer' : 'a decimal', value);
  const kind = integer ? 'integer' : 'decimal';
  if (value < min) throw badRequest(`Invalid '${param}': ${kind} below minimum value. Expected a value >= ${min}, but got ${value} instead.`, param, `${kind}_below_min_value`);
  if (max !== undefined && value > max) throw badRequest(`Invalid '${param}': ${kind} above maximum value. Expected a value <= ${max}, but got ${value} instead.`, param, `${kind}_above_max_value`);
  return value;
}

function booleanAt(body: JsonObject, param: string): boolean | undefined {
  const value = body[param];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw wrongType(param, 'a boolean', value);
  return value;
}

function stringAt(body: JsonObject, key: string, param = key): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw wrongType(param, 'a string', value);
  return value;
}

/** Metadata: at most 16 pairs, keys up to 64 characters, string values up to 512. */
export function parseMetadata(value: unknown, param = 'metadata'): Metadata | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw wrongType(param, 'an object', value);
  const entries = Object.entries(value);
  if (entries.length > 16) {
    throw badRequest(`Invalid '${param}': too many properties. Expected an object with at most 16 properties, but got an object with ${entries.length} properties instead.`, param, 'object_above_max_properties');
  }
  for (const [key, item] of entries) {
    if (key.length > 64) throw badRequest(`Invalid '${param}': string too long. Expected a key with maximum length 64, but got a key with length ${key.length} instead.`, param, 'string_above_max_length');
    if (typeof item !== 'string') throw wrongType(`${param}.${key}`, 'a string', item);
    if (item.length > 512) {
      throw badRequest(`Invalid '${param}.${key}': string too long. Expected a string with maximum length 512, but got a string with length ${item.length} instead.`, `${param}.${key}`, 'string_above_max_length');
    }
  }
  return value as Metadata;
}

/** Top-level fields the spec's CreateResponse declares (through its allOf). */
const CREATE_RESPONSE_FIELDS = new Set(schemaProperties('CreateResponse'));

function schemaProperties(name: string): string[] {
  const schemas = responsesSpec.components.schemas as Record<string, JsonObject>;
  const out: string[] = [];
  const walk = (node: Json | undefined): void => {
    if (!isObject(node)) return;
    if (typeof node['$ref'] === 'string') return walk(schemas[node['$ref'].split('/').at(-1) ?? '']);
    if (isObject(node['properties'])) out.push(...Object.keys(node['properties']));
    if (Array.isArray(node['allOf'])) node['allOf'].forEach(walk);
  };
  walk(schemas[name]);
  return out;
}

export const INCLUDE_VALUES = (responsesSpec.components.schemas['IncludeEnum'] as { enum: string[] }).enum;

export function parseInclude(value: unknown, param = 'include'): Set<string> {
  if (value === undefined || value === null) return new Set();
  if (!Array.isArray(value)) throw wrongType(param, 'an array', value);
  value.forEach((item, index) => {
    if (typeof item !== 'string' || !INCLUDE_VALUES.includes(item)) throw invalidValue(`${param}[${index}]`, item, INCLUDE_VALUES);
  });
  return new Set(value as string[]);
}

/** The tools this server's model can use; others the spec knows are refused plainly rather than ignored. */
const SUPPORTED_TOOLS = ['function', 'file_search', 'code_interpreter'] as const;

function parseTools(value: unknown): ResponseTool[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw wrongType('tools', 'an array', value);
  return value.map((tool, index): ResponseTool => {
    const param = `tools[${index}]`;
    if (!isObject(tool)) throw wrongType(param, 'an object', tool);
    const type = tool['type'];
    if (type === undefined) throw missing(`${param}.type`);
    if (type === 'function') {
      const name = stringAt(tool, 'name', `${param}.name`);
      if (name === undefined) throw missing(`${param}.name`);
      if (!/^[a-zA-Z0-9_-]{1,64}$/.test(name)) {
        throw badRequest(`Invalid '${param}.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.`, `${param}.name`, 'invalid_value');
      }
      const parameters = tool['parameters'];
      if (parameters !== undefined && parameters !== null && !isObject(parameters)) throw wrongType(`${param}.parameters`, 'an object', parameters);
      const strict = tool['strict'];
      if (strict !== undefined && strict !== null && typeof strict !== 'boolean') throw wrongType(`${param}.strict`, 'a boolean', strict);
      const description = stringAt(tool, 'description', `${param}.description`);
      // The real API fills what the spec calls required: strict defaults to true, parameters to null.
      return { type: 'function', name, description: description ?? null, parameters: (parameters as Record<string, unknown> | undefined) ?? null, strict: strict ?? true };
    }
    if (type === 'file_search') {
      const ids = tool['vector_store_ids'];
      if (ids === undefined) throw missing(`${param}.vector_store_ids`);
      if (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string')) throw wrongType(`${param}.vector_store_ids`, 'an array of strings', ids);
      return tool as unknown as ResponseTool;
    }
    if (type === 'code_interpreter') {
      const container = tool['container'];
      if (container === undefined) throw missing(`${param}.container`);
      if (typeof container !== 'string' && !(isObject(container) && container['type'] === 'auto')) {
        throw badRequest(`Invalid '${param}.container': expected a container id or {"type": "auto"}.`, `${param}.container`, 'invalid_value');
      }
      return tool as unknown as ResponseTool;
    }
    if (typeof type !== 'string') throw wrongType(`${param}.type`, 'a string', type);
    throw badRequest(`Tools of type '${type}' are not supported by this server; it simulates ${SUPPORTED_TOOLS.join(', ')}.`, `${param}.type`, 'unsupported_value');
  });
}

function parseToolChoice(value: unknown, tools: ResponseTool[]): ResponseToolChoice {
  if (value === undefined || value === null) return 'auto';
  if (typeof value === 'string') {
    if (value !== 'none' && value !== 'auto' && value !== 'required') throw invalidValue('tool_choice', value, ['none', 'auto', 'required']);
    return value;
  }
  if (!isObject(value)) throw wrongType('tool_choice', 'a string or an object', value);
  const type = value['type'];
  if (type === 'function') {
    const name = stringAt(value, 'name', 'tool_choice.name');
    if (name === undefined) throw missing('tool_choice.name');
    if (!tools.some((tool) => tool.type === 'function' && tool.name === name)) {
      throw badRequest(`Tool choice 'function' not found in 'tools' parameter.`, 'tool_choice', null);
    }
    return { type: 'function', name };
  }
  if (type === 'file_search' || type === 'code_interpreter') {
    if (!tools.some((tool) => tool.type === type)) throw badRequest(`Tool choice '${type}' not found in 'tools' parameter.`, 'tool_choice', null);
    return { type };
  }
  throw invalidValue('tool_choice.type', type, ['function', 'file_search', 'code_interpreter']);
}

function parseTextFormat(value: unknown): Record<string, unknown> {
  if (value === undefined || value === null) return { type: 'text' };
  if (!isObject(value)) throw wrongType('text', 'an object', value);
  const format = value['format'];
  if (format === undefined || format === null) return { type: 'text' };
  if (!isObject(format)) throw wrongType('text.format', 'an object', format);
  const type = format['type'];
  if (type === 'text' || type === 'json_object') return { type };
  if (type === 'json_schema') {
    if (typeof format['name'] !== 'string') throw missing('text.format.name');
    if (!isObject(format['schema'])) throw missing('text.format.schema');
    return { type, name: format['name'], schema: format['schema'], strict: format['strict'] ?? false, ...(typeof format['description'] === 'string' ? { description: format['description'] } : {}) };
  }
  throw invalidValue('text.format.type', type, ['text', 'json_schema', 'json_object']);
}

/** A create-response body, checked and with the real API's defaults applied. */
export interface CreateResponseRequest {
  model: string;
  /** Items as given (not yet numbered); a string input is one user message. */
  input: JsonObject[];
  instructions: string | null;
  conversation: string | undefined;
  previousResponseId: string | undefined;
  background: boolean;
  stream: boolean;
  store: boolean;
  tools: ResponseTool[];
  toolChoice: ResponseToolChoice;
  parallelToolCalls: boolean;
  textFormat: Record<string, unknown>;
  maxOutputTokens: number | null;
  maxToolCalls: number | null;
  temperature: number | null;
  topP: number | null;
  metadata: Metadata;
  include: Set<string>;
  truncation: 'auto' | 'disabled';
}

export function parseCreateResponse(body: unknown): CreateResponseRequest {
  if (!isObject(body)) throw badRequest(`Invalid request body: expected a JSON object, but got ${describeType(body)} instead.`, null, 'invalid_type');
  for (const key of Object.keys(body)) if (!CREATE_RESPONSE_FIELDS.has(key)) throw unknownParameter(key);

  const model = stringAt(body, 'model');
  if (model === undefined) throw missing('model');
  const input = parseInput(body['input'], 'input');
  const instructions = stringAt(body, 'instructions') ?? null;
  const rawConversation = body['conversation'];
  let conversation: string | undefined;
  if (typeof rawConversation === 'string') conversation = rawConversation;
  else if (isObject(rawConversation)) {
    const id = stringAt(rawConversation, 'id', 'conversation.id');
    if (id === undefined) throw missing('conversation.id');
    conversation = id;
  } else if (rawConversation !== undefined && rawConversation !== null) throw wrongType('conversation', 'a string or an object', rawConversation);
  const previousResponseId = stringAt(body, 'previous_response_id');
  const tools = parseTools(body['tools']);
  const truncation = body['truncation'] ?? 'disabled';
  if (truncation !== 'auto' && truncation !== 'disabled') throw invalidValue('truncation', truncation, ['auto', 'disabled']);

  const request: CreateResponseRequest = {
    model,
    input,
    instructions,
    conversation,
    previousResponseId,
    background: booleanAt(body, 'background') ?? false,
    stream: booleanAt(body, 'stream') ?? false,
    store: booleanAt(body, 'store') ?? true,
    tools,
    toolChoice: parseToolChoice(body['tool_choice'], tools),
    parallelToolCalls: booleanAt(body, 'parallel_tool_calls') ?? true,
    textFormat: parseTextFormat(body['text']),
    maxOutputTokens: numberIn(body, 'max_output_tokens', 16, undefined, true) ?? null,
    maxToolCalls: numberIn(body, 'max_tool_calls', 0, undefined, true) ?? null,
    temperature: numberIn(body, 'temperature', 0, 2, false) ?? null,
    topP: numberIn(body, 'top_p', 0, 1, false) ?? null,
    metadata: parseMetadata(body['metadata']) ?? {},
    include: parseInclude(body['include']),
    truncation,
  };
  // What is not checked above (reasoning, prompt, stream_options, …) is held to the spec as is.
  throwFirstViolation(compileRequestValidators().createResponseRest(body));
  return request;
}

const HAND_CHECKED = new Set(['model', 'input', 'instructions', 'conversation', 'previous_response_id', 'background', 'stream', 'store', 'tools', 'tool_choice', 'parallel_tool_calls', 'text', 'max_output_tokens', 'max_tool_calls', 'temperature', 'top_p', 'metadata', 'include', 'truncation']);

let requestValidators: { createResponseRest: (value: unknown) => SchemaViolation[] } | undefined;

/**
 * The spec validators request checks use, compiled once (start-up calls this before listening): the
 * CreateResponse fields not checked by hand, each against its own schema. The hand-checked ones
 * (input, tools, …) are the large part of CreateResponse; leaving them out keeps this at ~0.1 s.
 */
export function compileRequestValidators(): NonNullable<typeof requestValidators> {
  requestValidators ??= { createResponseRest: compileFieldsValidator('CreateResponse', [...CREATE_RESPONSE_FIELDS].filter((field) => !HAND_CHECKED.has(field))) };
  return requestValidators;
}

/** The first problem the spec's schema found, as a 400 naming the field. */
export function throwFirstViolation(violations: SchemaViolation[]): void {
  const first = [...violations].sort((a, b) => a.path.split('/').length - b.path.split('/').length)[0];
  if (!first) return;
  const param = dotted(first.path);
  const required = /^must have required property '(.*)'$/.exec(first.message);
  if (required) throw missing(param === '' ? (required[1] ?? '') : `${param}.${required[1] ?? ''}`);
  throw badRequest(`Invalid '${param || 'body'}': ${first.message}.`, param || null, 'invalid_value');
}

const INPUT_ITEM_TYPES = ['message', 'function_call', 'function_call_output', 'item_reference'] as const;
const MESSAGE_ROLES = ['user', 'assistant', 'system', 'developer'];
const INPUT_CONTENT_TYPES = ['input_text', 'input_image', 'input_file', 'output_text', 'refusal'];

/**
 * `input` (or a conversation's `items`): a string is one user message; an array holds messages
 * (the short `{role, content}` form or `type: message`), function calls, their outputs and item references.
 */
export function parseInput(value: unknown, param: string): JsonObject[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return [{ type: 'message', role: 'user', content: value }];
  if (!Array.isArray(value)) throw wrongType(param, 'a string or an array', value);
  return value.map((item, index) => parseInputItem(item, `${param}[${index}]`));
}

function parseInputItem(item: unknown, param: string): JsonObject {
  if (!isObject(item)) throw wrongType(param, 'an object', item);
  const type = item['type'] ?? (item['role'] !== undefined ? 'message' : undefined);
  if (type === undefined) throw missing(`${param}.type`);
  if (typeof type !== 'string') throw wrongType(`${param}.type`, 'a string', type);
  if (item['id'] !== undefined && typeof item['id'] !== 'string') throw wrongType(`${param}.id`, 'a string', item['id']);
  switch (type) {
    case 'message': {
      const role = item['role'];
      if (role === undefined) throw missing(`${param}.role`);
      if (typeof role !== 'string' || !MESSAGE_ROLES.includes(role)) throw invalidValue(`${param}.role`, role, MESSAGE_ROLES);
      const content = item['content'];
      if (content === undefined) throw missing(`${param}.content`);
      if (typeof content !== 'string') {
        if (!Array.isArray(content)) throw wrongType(`${param}.content`, 'a string or an array', content);
        content.forEach((part, index) => {
          const at = `${param}.content[${index}]`;
          if (!isObject(part)) throw wrongType(at, 'an object', part);
          if (part['type'] === undefined) throw missing(`${at}.type`);
          if (typeof part['type'] !== 'string' || !INPUT_CONTENT_TYPES.includes(part['type'])) throw invalidValue(`${at}.type`, part['type'], INPUT_CONTENT_TYPES);
          if ((part['type'] === 'input_text' || part['type'] === 'output_text') && typeof part['text'] !== 'string') {
            throw part['text'] === undefined ? missing(`${at}.text`) : wrongType(`${at}.text`, 'a string', part['text']);
          }
        });
      }
      return { ...item, type: 'message' };
    }
    case 'function_call': {
      for (const field of ['call_id', 'name', 'arguments']) {
        if (item[field] === undefined) throw missing(`${param}.${field}`);
        if (typeof item[field] !== 'string') throw wrongType(`${param}.${field}`, 'a string', item[field]);
      }
      return item;
    }
    case 'function_call_output': {
      const callId = item['call_id'];
      if (callId === undefined) throw missing(`${param}.call_id`);
      if (typeof callId !== 'string') throw wrongType(`${param}.call_id`, 'a string', callId);
      if (callId.length < 1 || callId.length > 64) {
        throw badRequest(`Invalid '${param}.call_id': string too long. Expected a string with maximum length 64, but got a string with length ${callId.length} instead.`, `${param}.call_id`, 'string_above_max_length');
      }
      const output = item['output'];
      if (output === undefined) throw missing(`${param}.output`);
      if (typeof output !== 'string' && !Array.isArray(output)) throw wrongType(`${param}.output`, 'a string or an array', output);
      return item;
    }
    case 'item_reference': {
      if (typeof item['id'] !== 'string') throw missing(`${param}.id`);
      return item;
    }
    default:
      throw badRequest(`Input items of type '${type}' are not supported by this server; it takes ${INPUT_ITEM_TYPES.join(', ')}.`, `${param}.type`, 'unsupported_value');
  }
}

export interface ListQuery {
  limit: number;
  order: 'asc' | 'desc';
  after: string | undefined;
  include: Set<string>;
}

/** `limit` (1..100, default 20), `order` (default desc), `after`, `include[]`; the spec defines no `before`. */
export function parseListQuery(query: URLSearchParams): ListQuery {
  return { limit: parseListLimit(query), order: parseListOrder(query), after: query.get('after') ?? undefined, include: queryInclude(query) };
}

/** Foundry's `GET /conversations`: the list query and its agent filters (`agent_id` is `name:version`). */
export function parseListConversationsQuery(query: URLSearchParams): ListQuery & { agentName: string | undefined; agentId: string | undefined } {
  if (query.get('before') !== null) throw badRequest("'before' is not supported by this server; page with 'after'.", 'before', 'unsupported_parameter');
  const agentName = query.get('agent_name') ?? undefined;
  const agentId = query.get('agent_id') ?? undefined;
  if (agentName !== undefined && agentId !== undefined) throw badRequest("Mutually exclusive parameters: Ensure you are only providing one of: 'agent_name' or 'agent_id'.", 'agent_id', 'mutually_exclusive_parameters');
  return { ...parseListQuery(query), agentName, agentId };
}

/** `include[]=…` as the SDKs send it (brackets), or repeated `include=…`. */
export function queryInclude(query: URLSearchParams): Set<string> {
  return parseInclude([...query.getAll('include[]'), ...query.getAll('include')], 'include');
}

export function queryBoolean(query: URLSearchParams, name: string): boolean | undefined {
  const value = query.get(name);
  if (value === null) return undefined;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw badRequest(`Invalid type for '${name}': expected a boolean, but got a string instead.`, name, 'invalid_type');
}

export function queryInteger(query: URLSearchParams, name: string): number | undefined {
  const value = query.get(name);
  if (value === null) return undefined;
  if (!/^-?\d+$/.test(value.trim())) throw badRequest(`Invalid type for '${name}': expected an integer, but got a string instead.`, name, 'invalid_type');
  return Number(value);
}

/** `POST /conversations`: optional metadata and up to 20 items. */
export function parseCreateConversation(body: unknown): { metadata: Metadata; items: JsonObject[] } {
  const object = body === undefined ? {} : body;
  if (!isObject(object)) throw badRequest(`Invalid request body: expected a JSON object, but got ${describeType(object)} instead.`, null, 'invalid_type');
  for (const key of Object.keys(object)) if (key !== 'metadata' && key !== 'items') throw unknownParameter(key);
  const items = parseInput(object['items'] ?? undefined, 'items');
  if (items.length > 20) throw badRequest(`Invalid 'items': array too long. Expected an array with maximum length 20, but got an array with length ${items.length} instead.`, 'items', 'array_above_max_length');
  return { metadata: parseMetadata(object['metadata']) ?? {}, items };
}

export function parseUpdateConversation(body: unknown): { metadata: Metadata } {
  if (!isObject(body)) throw badRequest(`Invalid request body: expected a JSON object, but got ${describeType(body)} instead.`, null, 'invalid_type');
  for (const key of Object.keys(body)) if (key !== 'metadata') throw unknownParameter(key);
  if (body['metadata'] === undefined) throw missing('metadata');
  return { metadata: parseMetadata(body['metadata']) ?? {} };
}

/** `POST /conversations/{id}/items`: 1 to 20 items. */
export function parseCreateItems(body: unknown): JsonObject[] {
  if (!isObject(body)) throw badRequest(`Invalid request body: expected a JSON object, but got ${describeType(body)} instead.`, null, 'invalid_type');
  for (const key of Object.keys(body)) if (key !== 'items') throw unknownParameter(key);
  if (body['items'] === undefined) throw missing('items');
  if (!Array.isArray(body['items'])) throw wrongType('items', 'an array', body['items']);
  const items = parseInput(body['items'], 'items');
  if (items.length === 0) throw badRequest("Invalid 'items': empty array. Expected an array with minimum length 1, but got an empty array instead.", 'items', 'empty_array');
  if (items.length > 20) throw badRequest(`Invalid 'items': array too long. Expected an array with maximum length 20, but got an array with length ${items.length} instead.`, 'items', 'array_above_max_length');
  return items;
}
