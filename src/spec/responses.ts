import { createRequire } from 'node:module';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { components, paths, webhooks } from './responses-api.js';

export type { components, paths, webhooks };
/** Wire shapes of the Responses and Conversations API, generated from the normalised spec (src/spec/responses-api.d.ts). */
export type ResponsesSchemas = components['schemas'];
export type ResponsesSchemaName = keyof ResponsesSchemas;

const require = createRequire(import.meta.url);
/** The normalised Responses/Conversations/webhooks document (scripts/normalize-spec.ts). */
export const responsesSpec = require('./responses-api.openapi.json') as {
  paths: Record<string, Record<string, unknown>>;
  webhooks: Record<string, { post: { requestBody: { content: { 'application/json': { schema: { $ref: string } } } } } }>;
  components: { schemas: Record<string, unknown> };
};

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
const SPEC_ID = 'responses-api';

/** One validator set per process, separate from the runs API's: the two documents share schema names. */
const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
addFormats(ajv);
ajv.addFormat('unixtime', { type: 'number', validate: (value: number) => Number.isInteger(value) });
ajv.addSchema({ ...responsesSpec, $id: SPEC_ID });

const compiled = new Map<string, ValidateFunction>();

export function responsesValidatorFor(name: ResponsesSchemaName | (string & {})): ValidateFunction {
  let validate = compiled.get(name);
  if (!validate) {
    validate = ajv.getSchema(`${SPEC_ID}#/components/schemas/${name}`);
    if (!validate) throw new Error(`the normalised Responses spec has no schema ${name}`);
    compiled.set(name, validate);
  }
  return validate;
}

/**
 * Compiles the validators a server needs before it listens, so that no request pays for it.
 * Returns how long it took (ms), for the start-up line.
 */
export function compileResponsesValidators(names: readonly (ResponsesSchemaName | (string & {}))[]): number {
  const started = performance.now();
  for (const name of names) responsesValidatorFor(name);
  return Math.round(performance.now() - started);
}

/**
 * JSON pointers (into this document) of the properties a schema declares, through its `allOf`
 * branches and `$ref`s: `CreateResponse` → { reasoning: 'responses-api#/components/schemas/ResponseProperties/properties/reasoning', … }.
 */
export function propertyPointers(name: string): Record<string, string> {
  const schemas = responsesSpec.components.schemas as Record<string, SchemaNode>;
  const out: Record<string, string> = {};
  const walk = (node: SchemaNode | undefined, pointer: string): void => {
    if (!node) return;
    if (typeof node.$ref === 'string') {
      const target = node.$ref.split('/').at(-1) ?? '';
      walk(schemas[target], `#/components/schemas/${target}`);
      return;
    }
    for (const key of Object.keys(node.properties ?? {})) out[key] ??= `${SPEC_ID}${pointer}/properties/${key}`;
    node.allOf?.forEach((branch, index) => walk(branch, `${pointer}/allOf/${index}`));
  };
  walk(schemas[name], `#/components/schemas/${name}`);
  return out;
}

interface SchemaNode {
  $ref?: string;
  properties?: Record<string, unknown>;
  allOf?: SchemaNode[];
}

/**
 * A validator for some properties of a schema only (each against the spec's own definition), for a
 * body whose other fields are checked by hand. Compiled when called: call it at start-up.
 */
export function compileFieldsValidator(name: string, fields: readonly string[]): (value: unknown) => SchemaViolation[] {
  const pointers = propertyPointers(name);
  const properties = Object.fromEntries(fields.map((field) => {
    const pointer = pointers[field];
    if (!pointer) throw new Error(`${name} has no property ${field}`);
    return [field, { $ref: pointer }];
  }));
  const validate = ajv.compile({ type: 'object', properties });
  return (value) => (validate(value) ? [] : simplifyErrors(validate.errors ?? []));
}

/** The schema of each streamed event type (`response.created` → ResponseCreatedEvent), from ResponseStreamEvent's branches. */
export function eventSchemaNames(): Map<string, string> {
  const schemas = responsesSpec.components.schemas as Record<string, { anyOf?: Array<{ $ref: string }>; properties?: { type?: { enum?: string[] } } }>;
  const names = new Map<string, string>();
  for (const branch of schemas['ResponseStreamEvent']?.anyOf ?? []) {
    const name = branch.$ref.split('/').at(-1) ?? '';
    for (const type of schemas[name]?.properties?.type?.enum ?? []) names.set(type, name);
  }
  return names;
}

export interface SchemaViolation {
  /** JSON pointer of the offending value, e.g. /input/0/content, or '' for the root. */
  path: string;
  message: string;
}

/** Validates `value` against a component schema of the Responses spec; returns the violations (empty when valid). */
export function checkResponsesSchema(name: ResponsesSchemaName | (string & {}), value: unknown): SchemaViolation[] {
  const validate = responsesValidatorFor(name);
  if (validate(value)) return [];
  return simplifyErrors(validate.errors ?? []);
}

/** The payload schema the spec names for a webhook (`response_completed` → WebhookResponseCompleted). */
export function webhookSchemaName(webhook: string): string {
  const ref = responsesSpec.webhooks[webhook]?.post.requestBody.content['application/json'].schema.$ref;
  if (!ref) throw new Error(`the normalised Responses spec has no webhook ${webhook}`);
  return ref.split('/').at(-1) ?? '';
}

/**
 * Ajv reports every failed branch of anyOf/oneOf; keep the most specific errors so that
 * a message names the field that is wrong, not "must match a schema in anyOf".
 */
function simplifyErrors(errors: ErrorObject[]): SchemaViolation[] {
  const specific = errors.filter((error) => !['anyOf', 'oneOf', 'if'].includes(error.keyword) && !(error.keyword === 'type' && error.params['type'] === 'null'));
  const chosen = specific.length > 0 ? specific : errors;
  const seen = new Set<string>();
  const out: SchemaViolation[] = [];
  for (const error of chosen) {
    const aboutThisObject = ['additionalProperties', 'required', 'maxProperties'].includes(error.keyword);
    if (!aboutThisObject && chosen.some((other) => other.instancePath.startsWith(`${error.instancePath}/`))) continue;
    const extra = error.keyword === 'additionalProperties' ? ` (${String(error.params['additionalProperty'])})` : error.keyword === 'enum' ? ` (${(error.params['allowedValues'] as unknown[]).map(String).join(', ')})` : '';
    const message = `${error.message ?? 'is invalid'}${extra}`;
    const key = `${error.instancePath}|${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ path: error.instancePath, message });
  }
  return out;
}
