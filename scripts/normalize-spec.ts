/**
 * Normalises the vendor's OpenAPI document into the copies this project uses: the Assistants runs
 * API (src/spec/runs-api.openapi.json) and the Responses API with Conversations and its webhooks
 * (src/spec/responses-api.openapi.json). Run with `npm run spec:normalize`.
 *
 * Why: the upstream document is OpenAPI 3.1 but still uses the 3.0 keyword `nullable`,
 * so JSON Schema 2020-12 validators ignore it and type generators lose nullability; it
 * declares only 200/429 responses; and several limits are stated in prose only.
 *
 * What it does for each subset, in order:
 * 1. keeps the subset's paths (runs: /assistants*, /threads*; responses: /responses, /responses/{id}
 *    with cancel and input_items, /conversations*) and the schemas they reach, plus extra roots
 *    (runs: AssistantStreamEvent, ErrorResponse; responses: ResponseStreamEvent, ErrorResponse and
 *    the payloads of the response.* webhooks, which it keeps under `webhooks`);
 * 2. rewrites every `nullable: true` into 3.1 form (`type: [T, "null"]`, or `anyOf` with
 *    `{type: "null"}` around a `$ref` / composite), including the `allOf: [$ref, {nullable}]` idiom;
 * 3. applies the prose limits as schema keywords (metadata 16 pairs, key <= 64, value <= 512;
 *    list `limit` 1..100);
 * 4. follows what the real API sent where the examples and schemas disagree (see each subset's corrections);
 * 5. declares the error responses the real API used (400, 401, 404, 500) with ErrorResponse;
 * 6. drops vendor documentation extensions (x-oaiMeta, code samples) that no consumer reads.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const sourcePath = resolve(root, process.argv[2] ?? '../shared/upstream/openai-openapi.yaml');

const isObject = (value: Json | undefined): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const source = parse(readFileSync(sourcePath, 'utf8'), { maxAliasCount: -1 }) as JsonObject;
const sourcePaths = source['paths'] as JsonObject;
const sourceWebhooks = (source['webhooks'] as JsonObject | undefined) ?? {};
const components = source['components'] as JsonObject;
const sourceSchemas = components['schemas'] as JsonObject;

/** Schemas reachable from the kept paths and from the extra roots. */
function reachableSchemas(roots: Json[]): Set<string> {
  const found = new Set<string>();
  const queue: Json[] = [...roots];
  while (queue.length > 0) {
    const node = queue.pop();
    if (Array.isArray(node)) queue.push(...node);
    else if (isObject(node)) {
      for (const [key, value] of Object.entries(node)) {
        if (key === '$ref' && typeof value === 'string' && value.startsWith('#/components/schemas/')) {
          const name = value.slice('#/components/schemas/'.length);
          if (!found.has(name)) {
            found.add(name);
            queue.push(sourceSchemas[name] ?? null);
          }
        } else queue.push(value);
      }
    }
  }
  return found;
}

const DROPPED_KEYS = new Set(['x-oaiMeta', 'x-oaiTypeLabel', 'x-stainless-const', 'x-oaiExpandable', 'example', 'examples']);

/** Rewrites OpenAPI 3.0 `nullable` into 3.1 JSON Schema, recursively. */
function normalise(node: Json, inSchema: boolean): Json {
  if (Array.isArray(node)) return node.map((item) => normalise(item, inSchema));
  if (!isObject(node)) return node;
  // allOf: [$ref, {nullable: true}] means "the ref, or null"; recognised before its parts are rewritten.
  const allOf = node['allOf'];
  if (Array.isArray(allOf) && allOf.length === 2 && isObject(allOf[1]) && allOf[1]['nullable'] === true && Object.keys(allOf[1]).length === 1) {
    const { allOf: _ignored, ...rest } = node;
    return normalise({ ...rest, anyOf: [allOf[0] ?? null, { type: 'null' }] }, inSchema);
  }
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (DROPPED_KEYS.has(key) && !(key === 'example' && !inSchema)) continue;
    // `properties` maps names to schemas; its keys are not keywords.
    if (key === 'properties' && isObject(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([name, schema]) => [name, normalise(schema, true)]));
    } else out[key] = normalise(value, inSchema || key === 'schema' || key === 'schemas');
  }
  if (out['nullable'] !== true) {
    delete out['nullable'];
    return out;
  }
  delete out['nullable'];
  return makeNullable(out);
}

function makeNullable(schema: JsonObject): JsonObject {
  const type = schema['type'];
  const composite = '$ref' in schema || 'anyOf' in schema || 'oneOf' in schema || 'allOf' in schema;
  if (typeof type === 'string' && !composite) {
    const out: JsonObject = { ...schema, type: [type, 'null'] };
    if (Array.isArray(schema['enum']) && !schema['enum'].includes(null)) out['enum'] = [...schema['enum'], null];
    return out;
  }
  if (Array.isArray(type)) return type.includes('null') ? schema : { ...schema, type: [...type, 'null'] };
  const { description, ...rest } = schema;
  const nullableSchema: JsonObject = { anyOf: [rest, { type: 'null' }] };
  if (description !== undefined) nullableSchema['description'] = description;
  return nullableSchema;
}

/** A change to one property schema (`Schema.property.nested`), and what the real API did that calls for it. */
interface Correction {
  at: string;
  why: string;
  apply: (schema: JsonObject) => JsonObject;
}

/** One normalised document. */
interface Subset {
  output: string;
  title: string;
  keepPath: (path: string) => boolean;
  extraRoots: string[];
  corrections: Correction[];
  /** Names under the source's `webhooks:` to keep; their payload schemas become roots. */
  keepWebhook?: (name: string) => boolean;
  /** Properties declared inside an `allOf` branch that the real API sends as null (the spec's examples show it). */
  nullableProperties?: Array<{ schema: string; property: string; why: string }>;
  /** Schemas the spec lacks and the real API answers with, added verbatim. */
  addedSchemas?: JsonObject;
  /** Per-operation changes after the shared ones, e.g. a 200 body the spec leaves undeclared. */
  adjustOperation?: (path: string, method: string, operation: JsonObject) => void;
}

const errorResponse = (description: string): JsonObject => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorResponse' } } },
});
const ERROR_RESPONSES: JsonObject = {
  '400': errorResponse('Invalid request: a body or parameter failed validation, or the object is in a state that does not allow the operation.'),
  '401': errorResponse('Missing or incorrect API key.'),
  '404': errorResponse('No such object.'),
  '500': errorResponse('The server had an error while processing the request.'),
};

function normaliseSubset(subset: Subset): { document: JsonObject; pathCount: number; schemaCount: number } {
  const keptPaths: JsonObject = {};
  for (const [path, item] of Object.entries(sourcePaths)) {
    if (subset.keepPath(path)) keptPaths[path] = item;
  }
  const keptWebhooks: JsonObject = {};
  for (const [name, item] of Object.entries(sourceWebhooks)) {
    if (subset.keepWebhook?.(name)) keptWebhooks[name] = item;
  }

  const extraRoots = subset.extraRoots.map((name) => ({ $ref: `#/components/schemas/${name}` }));
  const schemaNames = [...reachableSchemas([keptPaths, keptWebhooks, ...extraRoots])].sort();

  const schemas: JsonObject = {};
  for (const name of schemaNames) {
    const schema = sourceSchemas[name];
    if (schema === undefined) throw new Error(`schema ${name} is referenced but not defined`);
    schemas[name] = normalise(schema, true);
  }

  const schemaAt = (path: string): JsonObject => {
    const [name, ...rest] = path.split('.');
    let node: Json | undefined = schemas[name ?? ''];
    for (const segment of rest) {
      if (!isObject(node)) break;
      node = segment === '*' ? node : (node['properties'] as JsonObject | undefined)?.[segment];
    }
    if (!isObject(node)) throw new Error(`no schema at ${path}`);
    return node;
  };

  const replaceAt = (path: string, replace: (schema: JsonObject) => JsonObject): void => {
    const [name, ...rest] = path.split('.');
    const field = rest.pop();
    const parent = rest.length === 0 ? schemas[name ?? ''] : schemaAt([name, ...rest].join('.'));
    if (!isObject(parent) || field === undefined) throw new Error(`no parent for ${path}`);
    const properties = parent['properties'];
    if (!isObject(properties) || !isObject(properties[field])) throw new Error(`no schema at ${path}`);
    properties[field] = replace(properties[field]);
  };
  for (const correction of subset.corrections) replaceAt(correction.at, correction.apply);
  for (const { schema: name, property } of subset.nullableProperties ?? []) {
    const branches = [schemas[name], ...((isObject(schemas[name]) && Array.isArray(schemas[name]['allOf']) ? schemas[name]['allOf'] : []) as Json[])];
    const owner = branches.find((branch) => isObject(branch) && isObject(branch['properties']) && isObject(branch['properties'][property]));
    if (!isObject(owner) || !isObject(owner['properties'])) throw new Error(`no property ${name}.${property}`);
    owner['properties'][property] = makeNullable(owner['properties'][property] as JsonObject);
  }
  for (const [name, schema] of Object.entries(subset.addedSchemas ?? {})) {
    if (name in schemas) throw new Error(`added schema ${name} already exists`);
    schemas[name] = schema;
  }

  // Prose-only limits of metadata: 16 pairs, keys <= 64 characters, values <= 512 characters.
  const metadata = schemas['Metadata'];
  if (!isObject(metadata) || !Array.isArray(metadata['anyOf']) || !isObject(metadata['anyOf'][0])) {
    throw new Error('Metadata schema changed shape');
  }
  Object.assign(metadata['anyOf'][0], {
    maxProperties: 16,
    propertyNames: { type: 'string', maxLength: 64 },
    additionalProperties: { type: 'string', maxLength: 512 },
  });

  const paths: JsonObject = {};
  for (const [path, item] of Object.entries(keptPaths)) {
    const normalisedItem = normalise(item, false) as JsonObject;
    for (const [method, operation] of Object.entries(normalisedItem)) {
      if (!isObject(operation) || !isObject(operation['responses'])) continue;
      // List `limit` is 1..100 in prose only.
      for (const parameter of (operation['parameters'] as Json[] | undefined) ?? []) {
        if (isObject(parameter) && parameter['name'] === 'limit' && isObject(parameter['schema'])) {
          Object.assign(parameter['schema'], { minimum: 1, maximum: 100 });
        }
      }
      operation['responses'] = { ...operation['responses'], ...ERROR_RESPONSES };
      subset.adjustOperation?.(path, method, operation);
    }
    paths[path] = normalisedItem;
  }

  const info = source['info'] as JsonObject;
  const document: JsonObject = {
    openapi: '3.1.0',
    info: {
      title: subset.title,
      version: String(info['version']),
      description: 'Generated by scripts/normalize-spec.ts from the vendor OpenAPI document; do not edit by hand.',
      license: info['license'] ?? null,
    },
    paths,
  };
  if (subset.keepWebhook) document['webhooks'] = normalise(keptWebhooks, false);
  document['components'] = {
    schemas,
    responses: { TooManyRequests: normalise((components['responses'] as JsonObject)['TooManyRequests'] ?? null, false) },
    securitySchemes: (components['securitySchemes'] as Json) ?? {},
  };
  return { document, pathCount: Object.keys(paths).length, schemaCount: Object.keys(schemas).length };
}

const RUNS_LISTS = ['ListAssistantsResponse', 'ListMessagesResponse', 'ListRunsResponse', 'ListRunStepsResponse'];

const runsSubset: Subset = {
  output: 'src/spec/runs-api.openapi.json',
  title: 'Assistants runs API (normalised)',
  keepPath: (path) => path.startsWith('/assistants') || path.startsWith('/threads'),
  extraRoots: ['AssistantStreamEvent', 'ErrorResponse'],
  /**
   * Where the spec's examples and schemas disagree, the real API's behaviour wins.
   * Each entry says what the real API sent.
   */
  corrections: [
    // The RunObject example shows `"instructions": null`, and the real API sent null for runs of
    // assistants without instructions.
    { at: 'RunObject.instructions', why: 'real API sent null', apply: makeNullable },
    // Message `assistant_id` / `run_id` are already nullable; a run's `temperature`/`top_p` too.
    // Empty lists: the real API answered `first_id: null, last_id: null` (the spec says string).
    ...RUNS_LISTS.flatMap((name) => ['first_id', 'last_id'].map((field) => ({ at: `${name}.${field}`, why: 'null for an empty list', apply: makeNullable }))),
    // The object field of list responses is always "list".
    ...RUNS_LISTS.map((name) => ({
      at: `${name}.object`,
      why: 'always "list"',
      apply: (schema: JsonObject): JsonObject => ({ ...schema, enum: ['list'] }),
    })),
  ],
};

/** The Responses operations this project serves (not /responses/compact, /responses/input_tokens or the beta copies). */
const RESPONSES_PATHS = new Set(['/responses', '/responses/{response_id}', '/responses/{response_id}/cancel', '/responses/{response_id}/input_items']);
const RESPONSES_LISTS = ['ConversationItemList', 'ResponseItemList'];

const responsesSubset: Subset = {
  output: 'src/spec/responses-api.openapi.json',
  title: 'Responses and Conversations API (normalised)',
  keepPath: (path) => RESPONSES_PATHS.has(path) || path === '/conversations' || path.startsWith('/conversations/'),
  keepWebhook: (name) => name.startsWith('response_'),
  extraRoots: ['ResponseStreamEvent', 'ErrorResponse'],
  corrections: [
    // Empty lists: nothing to point at, so the cursors are null (as the Assistants lists were); the spec says string.
    ...RESPONSES_LISTS.flatMap((name) => ['first_id', 'last_id'].map((field) => ({ at: `${name}.${field}`, why: 'null for an empty list', apply: makeNullable }))),
  ],
  // A response that has not finished has no usage yet: `"usage": null`, as the spec's own event examples show.
  nullableProperties: [{ schema: 'Response', property: 'usage', why: 'null until the response ends' }],
  // The spec's delete leaves the 200 body undeclared; the real API (and the spec's own example) answers this.
  addedSchemas: {
    DeletedResponse: {
      type: 'object',
      description: 'What DELETE /responses/{response_id} answers (the operation example of the vendor document).',
      properties: { id: { type: 'string' }, object: { type: 'string', enum: ['response'] }, deleted: { type: 'boolean', enum: [true] } },
      required: ['id', 'object', 'deleted'],
    },
  },
  adjustOperation: (path, method, operation) => {
    if (path === '/responses/{response_id}' && method === 'delete') {
      const responses = operation['responses'] as JsonObject;
      responses['200'] = { description: 'The response was deleted.', content: { 'application/json': { schema: { $ref: '#/components/schemas/DeletedResponse' } } } };
    }
  },
};

for (const subset of [runsSubset, responsesSubset]) {
  const { document, pathCount, schemaCount } = normaliseSubset(subset);
  const text = JSON.stringify(document, null, 2);
  if (text.includes('"nullable"')) throw new Error(`${subset.output}: a nullable keyword survived normalisation`);
  const outputPath = resolve(root, subset.output);
  writeFileSync(outputPath, `${text}\n`);
  console.log(`wrote ${outputPath}: ${pathCount} paths, ${schemaCount} schemas`);
}
