import { checkSchema, spec, type SchemaViolation, type Schemas } from '../spec/index.js';
import { invalidInput, type FieldViolation } from './errors.js';

/**
 * Validation of a mutation's wire body before anything is sent upstream.
 *
 * The body (snake_case, as it will be POSTed) is checked against the normalised spec with `checkSchema`, which already
 * holds the limits the spec states as schema keywords: metadata ≤ 16 pairs, key ≤ 64, value ≤ 512; temperature 0–2;
 * top_p 0–1; max_prompt_tokens/max_completion_tokens ≥ 256; tools ≤ 20; file_search max_num_results 1–50; score
 * threshold 0–1; truncation last_messages ≥ 1; tool_resources file_ids ≤ 20 and one vector store; content parts ≥ 1;
 * image URLs as URIs; every enum. `proseRules` adds what the spec says only in prose (see there).
 *
 * Violations are reported with the GraphQL path of the input field: the pointer `/tools/2/function/name` becomes
 * `input.tools[2].function.name`. That works because the mutation inputs mirror the wire shape in camelCase, with the
 * "one of" members named after the wire `type` (`tools: [{ function: {...} }]` ↔ `{ type: 'function', function: {...} }`).
 * Inside user data (metadata keys, a function's `parameters`, a JSON schema) names are kept verbatim.
 */

export type WriteSchemaName =
  | 'CreateRunRequest'
  | 'CreateThreadAndRunRequest'
  | 'CreateThreadRequest'
  | 'ModifyThreadRequest'
  | 'CreateMessageRequest'
  | 'ModifyMessageRequest'
  | 'ModifyRunRequest'
  | 'SubmitToolOutputsRunRequest';

export type WireBody<N extends WriteSchemaName> = Schemas[N];

export interface FieldPathOptions {
  /**
   * GraphQL path of the wire body's root.
   * @default 'input'
   */
  root?: string;
  /**
   * For inputs whose shape differs from the wire: rewrites a pointer's decoded segments into the segments of the
   * GraphQL input (still snake_case; they are camelCased afterwards). Return undefined to keep the segments.
   */
  mapSegments?: (segments: readonly string[]) => readonly string[] | undefined;
}

/** Every violation of `body`, named by GraphQL field path; empty when the body may be sent. */
export function writeViolations<N extends WriteSchemaName>(name: N, body: WireBody<N>, options: FieldPathOptions = {}): FieldViolation[] {
  const schemaViolations = withoutBranchNoise(checkSchema(name, body), body);
  const taken = new Set(schemaViolations.map((violation) => violation.path));
  const extra = proseRules(name, body).filter((violation) => !taken.has(violation.path));
  const out: FieldViolation[] = [];
  const seen = new Set<string>();
  for (const violation of [...schemaViolations, ...extra]) {
    for (const described of describe(violation, body, options)) {
      const key = `${described.field}|${described.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(described);
    }
  }
  return out;
}

/** Throws BAD_USER_INPUT naming the field(s) when `body` breaks the spec; returns normally otherwise. */
export function assertValidWrite<N extends WriteSchemaName>(name: N, body: WireBody<N>, options: FieldPathOptions = {}): void {
  assertNoViolations(writeViolations(name, body, options));
}

export function assertNoViolations(violations: readonly FieldViolation[]): void {
  if (violations.length > 0) throw invalidInput(violations);
}

/** The create-run `include[]` values the spec allows. */
export const INCLUDE_VALUES: readonly string[] = (() => {
  const operation = spec.paths['/threads/{thread_id}/runs']?.['post'] as { parameters?: Array<{ name?: string; schema?: { items?: { enum?: string[] } } }> } | undefined;
  return operation?.parameters?.find((parameter) => parameter.name === 'include[]')?.schema?.items?.enum ?? [];
})();

/** The create-run `include[]` query parameter, against the spec's enum. */
export function includeViolations(include: readonly string[] | null | undefined, field = 'input.include'): FieldViolation[] {
  const out: FieldViolation[] = [];
  (include ?? []).forEach((value, index) => {
    if (!INCLUDE_VALUES.includes(value)) out.push({ field: `${field}[${index}]`, message: `${field}[${index}] must be one of: ${INCLUDE_VALUES.join(', ')}` });
  });
  return out;
}

/** Printable ASCII, 1–255 characters: fits a UUID, a ULID or a request hash, and any store's key syntax. */
export function idempotencyKeyViolations(key: string | null | undefined, field = 'input.idempotencyKey'): FieldViolation[] {
  if (key === null || key === undefined) return [];
  if (key.length === 0 || key.length > 255) return [{ field, message: `${field} must be 1 to 255 characters long` }];
  if (!/^[\x21-\x7e]+$/.test(key)) return [{ field, message: `${field} must contain only printable ASCII characters without spaces` }];
  return [];
}

// ---------------------------------------------------------------------------------------------------------------
// Rules the spec states only in prose (or states in a place ajv cannot apply).

/** FunctionObject.name and the JSON schema response format's name: "a-z, A-Z, 0-9, underscores and dashes, max 64". */
const NAME = /^[A-Za-z0-9_-]{1,64}$/;
const NAME_RULE = 'must be 1 to 64 characters of a-z, A-Z, 0-9, underscores and dashes';

function proseRules(name: WriteSchemaName, body: unknown): SchemaViolation[] {
  const out: SchemaViolation[] = [];
  if (!isRecord(body)) return out;
  switch (name) {
    case 'CreateRunRequest':
      runOptionRules(body, '', out);
      eachItem(body['additional_messages'], '/additional_messages', (message, at) => messageRules(message, at, out));
      break;
    case 'CreateThreadAndRunRequest':
      runOptionRules(body, '', out);
      if (isRecord(body['thread'])) threadRules(body['thread'], '/thread', out);
      break;
    case 'CreateThreadRequest':
      threadRules(body, '', out);
      break;
    case 'CreateMessageRequest':
      messageRules(body, '', out);
      break;
    case 'SubmitToolOutputsRunRequest':
      eachItem(body['tool_outputs'], '/tool_outputs', (output, at) => {
        if (!isRecord(output)) return;
        // The spec's SubmitToolOutputsRunRequest marks neither as required, but an output names its call and says something.
        if (typeof output['tool_call_id'] !== 'string' || output['tool_call_id'] === '') out.push({ path: `${at}/tool_call_id`, message: 'is required' });
        if (typeof output['output'] !== 'string') out.push({ path: `${at}/output`, message: 'is required' });
      });
      break;
    case 'ModifyThreadRequest':
    case 'ModifyMessageRequest':
    case 'ModifyRunRequest':
      break;
  }
  return out;
}

function runOptionRules(body: Record<string, unknown>, at: string, out: SchemaViolation[]): void {
  eachItem(body['tools'], `${at}/tools`, (tool, toolAt) => {
    if (isRecord(tool) && tool['type'] === 'function' && isRecord(tool['function'])) {
      const fnName = tool['function']['name'];
      if (typeof fnName === 'string' && !NAME.test(fnName)) out.push({ path: `${toolAt}/function/name`, message: NAME_RULE });
    }
  });
  const format = body['response_format'];
  if (isRecord(format) && format['type'] === 'json_schema' && isRecord(format['json_schema'])) {
    const schemaName = format['json_schema']['name'];
    if (typeof schemaName === 'string' && !NAME.test(schemaName)) out.push({ path: `${at}/response_format/json_schema/name`, message: NAME_RULE });
  }
  // AssistantsNamedToolChoice: "If type is `function`, the function name must be set".
  const choice = body['tool_choice'];
  if (isRecord(choice) && choice['type'] === 'function') {
    const fn = choice['function'];
    if (!isRecord(fn) || typeof fn['name'] !== 'string' || fn['name'] === '') out.push({ path: `${at}/tool_choice/function/name`, message: 'is required when the tool choice is a function' });
  }
  // TruncationObject: "If set to `last_messages`, the thread will be truncated to the n most recent messages": n is needed.
  const truncation = body['truncation_strategy'];
  if (isRecord(truncation) && truncation['type'] === 'last_messages' && (truncation['last_messages'] === undefined || truncation['last_messages'] === null)) {
    out.push({ path: `${at}/truncation_strategy/last_messages`, message: 'is required when the truncation type is last_messages' });
  }
}

function threadRules(thread: Record<string, unknown>, at: string, out: SchemaViolation[]): void {
  eachItem(thread['messages'], `${at}/messages`, (message, messageAt) => messageRules(message, messageAt, out));
  const resources = thread['tool_resources'];
  if (!isRecord(resources) || !isRecord(resources['file_search'])) return;
  eachItem(resources['file_search']['vector_stores'], `${at}/tool_resources/file_search/vector_stores`, (store, storeAt) => {
    if (!isRecord(store) || !isRecord(store['chunking_strategy'])) return;
    const fixed = store['chunking_strategy']['static'];
    if (!isRecord(fixed)) return;
    const size = fixed['max_chunk_size_tokens'];
    const overlap = fixed['chunk_overlap_tokens'];
    // "Note that the overlap must not exceed half of `max_chunk_size_tokens`."
    if (typeof size === 'number' && typeof overlap === 'number' && overlap > size / 2) {
      out.push({ path: `${storeAt}/chunking_strategy/static/chunk_overlap_tokens`, message: `must be at most half of the chunk size (${Math.floor(size / 2)})` });
    }
  });
}

function messageRules(message: unknown, at: string, out: SchemaViolation[]): void {
  if (!isRecord(message)) return;
  // The spec puts `required: [file_id, tools]` on the attachments array instead of its items, where ajv ignores it.
  eachItem(message['attachments'], `${at}/attachments`, (attachment, attachmentAt) => {
    if (!isRecord(attachment)) return;
    if (attachment['file_id'] === undefined) out.push({ path: `${attachmentAt}/file_id`, message: 'is required' });
    if (attachment['tools'] === undefined) out.push({ path: `${attachmentAt}/tools`, message: 'is required' });
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Turning ajv's view of a "one of" into the one problem the client has.

const TYPE_MISMATCH = /^must be (?:string|object|array|number|integer|boolean|null)(?:,(?:string|object|array|number|integer|boolean|null))*$/;
const ENUM = /^must be equal to one of the allowed values \((.*)\)$/;
const REQUIRED = /^must have required property '(.+)'$/;

/**
 * Ajv reports every failed branch of a `oneOf`: for a file_search tool it also says "type must be code_interpreter" and
 * "must have required property 'function'". Keep the branch the value meant (its `type`), and merge the enum errors
 * of a `type` that no branch accepts into one.
 */
function withoutBranchNoise(violations: readonly SchemaViolation[], body: unknown): SchemaViolation[] {
  const enumValuesAt = new Map<string, string[]>();
  for (const violation of violations) {
    const match = ENUM.exec(violation.message);
    if (match && violation.path.endsWith('/type')) enumValuesAt.set(violation.path, [...(enumValuesAt.get(violation.path) ?? []), ...(match[1] ?? '').split(', ')]);
  }
  // "must have required property 'function'" on a value whose type is file_search: another branch's requirement.
  let kept = violations.filter((violation) => {
    const required = REQUIRED.exec(violation.message)?.[1];
    if (!required) return true;
    const value = valueAt(body, violation.path);
    if (!isRecord(value) || typeof value['type'] !== 'string') return true;
    const branchTypes = enumValuesAt.get(`${violation.path}/type`) ?? [];
    return !(branchTypes.includes(required) && value['type'] !== required);
  });
  kept = kept.filter((violation) => {
    if (TYPE_MISMATCH.test(violation.message)) {
      // "must be string" next to a real problem with the array form: the value chose the other form.
      return !kept.some((other) => other !== violation && !TYPE_MISMATCH.test(other.message) && (other.path === violation.path || other.path.startsWith(`${violation.path}/`)));
    }
    return true;
  });
  const out: SchemaViolation[] = [];
  const merged = new Set<string>();
  for (const violation of kept) {
    if (ENUM.test(violation.message) && violation.path.endsWith('/type')) {
      const parent = violation.path.slice(0, -'/type'.length);
      const otherProblem = kept.some((other) => !(ENUM.test(other.message) && other.path === violation.path) && (other.path === parent || other.path.startsWith(`${parent}/`)));
      if (otherProblem) continue; // the type is fine; the branch it picked has the real problem
      if (merged.has(violation.path)) continue;
      merged.add(violation.path);
      const allowed = [...new Set(enumValuesAt.get(violation.path) ?? [])];
      out.push({ path: violation.path, message: `must be equal to one of the allowed values (${allowed.join(', ')})` });
      continue;
    }
    out.push(violation);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Pointer → GraphQL field path, ajv wording → a sentence about that field.

function describe(violation: SchemaViolation, body: unknown, options: FieldPathOptions): FieldViolation[] {
  const segments = decodePointer(violation.path);
  const root = options.root ?? 'input';
  const fieldOf = (wire: readonly string[]) => toFieldPath(root, options.mapSegments?.(wire) ?? wire);
  const { message } = violation;

  const required = REQUIRED.exec(message)?.[1];
  if (required) {
    const field = fieldOf([...segments, required]);
    return [{ field, message: `${field} is required` }];
  }
  const additional = /^must NOT have additional properties \((.+)\)$/.exec(message)?.[1];
  if (additional) {
    const field = fieldOf([...segments, additional]);
    return [{ field, message: `${field} is not accepted here` }];
  }
  const value = valueAt(body, violation.path);
  const tooLong = /^must NOT have more than (\d+) characters$/.exec(message)?.[1];
  if (message === 'property name must be valid' || (tooLong && isRecord(value))) {
    // A `propertyNames` failure (metadata keys): name the keys, since ajv reports only the object.
    if (!isRecord(value) || message === 'property name must be valid') return [];
    const limit = Number(tooLong);
    return Object.keys(value)
      .filter((key) => key.length > limit)
      .map((key) => {
        const field = fieldOf([...segments, key]);
        return { field, message: `${fieldOf(segments)} key "${abbreviate(key)}" must be at most ${limit} characters long` };
      });
  }
  const field = fieldOf(segments);
  return [{ field, message: `${field} ${friendly(message)}` }];
}

function friendly(message: string): string {
  const rules: Array<[RegExp, (m: RegExpExecArray) => string]> = [
    [/^must be <= (.+)$/, (m) => `must be at most ${m[1]}`],
    [/^must be >= (.+)$/, (m) => `must be at least ${m[1]}`],
    [/^must be < (.+)$/, (m) => `must be less than ${m[1]}`],
    [/^must be > (.+)$/, (m) => `must be greater than ${m[1]}`],
    [/^must NOT have more than (\d+) characters$/, (m) => `must be at most ${m[1]} characters long`],
    [/^must NOT have fewer than (\d+) characters$/, (m) => `must be at least ${m[1]} characters long`],
    [/^must NOT have more than (\d+) items$/, (m) => `must have at most ${m[1]} items`],
    [/^must NOT have fewer than (\d+) items$/, (m) => `must have at least ${m[1]} item${m[1] === '1' ? '' : 's'}`],
    [/^must NOT have more than (\d+) properties$/, (m) => `must have at most ${m[1]} entries`],
    [/^must NOT have fewer than (\d+) properties$/, (m) => `must have at least ${m[1]} entries`],
    [ENUM, (m) => `must be one of: ${m[1]}`],
    [/^must match format "(.+)"$/, (m) => `must be a valid ${m[1] === 'uri' ? 'absolute URL' : m[1]}`],
    [/^must match exactly one schema in oneOf$/, () => 'must be exactly one of the accepted forms'],
  ];
  for (const [pattern, rewrite] of rules) {
    const match = pattern.exec(message);
    if (match) return rewrite(match);
  }
  return message;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `['tools','2','function','name']` → `input.tools[2].function.name`; user-data keys verbatim (`input.metadata["a-b"]`). */
export function toFieldPath(root: string, segments: readonly string[]): string {
  let out = root;
  let opaque = false;
  let previous: string | undefined;
  for (const segment of segments) {
    if (/^(?:0|[1-9]\d*)$/.test(segment) && !opaque) out += `[${segment}]`;
    else if (opaque) out += IDENTIFIER.test(segment) ? `.${segment}` : `[${JSON.stringify(segment)}]`;
    else out += `.${camelCase(segment)}`;
    if (!opaque && (segment === 'metadata' || (segment === 'parameters' && previous === 'function') || (segment === 'schema' && previous === 'json_schema'))) opaque = true;
    previous = segment;
  }
  return out;
}

export function camelCase(snake: string): string {
  return snake.replace(/_([a-z0-9])/g, (_match, letter: string) => letter.toUpperCase());
}

export function decodePointer(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function valueAt(body: unknown, pointer: string): unknown {
  let value = body;
  for (const segment of decodePointer(pointer)) {
    if (Array.isArray(value)) value = value[Number(segment)];
    else if (isRecord(value)) value = value[segment];
    else return undefined;
  }
  return value;
}

function eachItem(list: unknown, at: string, visit: (item: unknown, itemAt: string) => void): void {
  if (Array.isArray(list)) list.forEach((item, index) => visit(item, `${at}/${index}`));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function abbreviate(text: string): string {
  return text.length > 24 ? `${text.slice(0, 20)}…` : text;
}
