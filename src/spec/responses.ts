import { createRequire } from 'node:module';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import type { components, paths, webhooks } from './responses-api.js';
import { createSpecValidators, simplifyErrors, type SchemaViolation } from './validators.js';

export type { components, paths, webhooks };
export type { SchemaViolation } from './validators.js';
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

const SPEC_ID = 'responses-api';

/** One validator set per process, separate from the runs API's: the two documents share schema names. */
const validators = createSpecValidators(responsesSpec, SPEC_ID, 'the normalised Responses spec');

export function responsesValidatorFor(name: ResponsesSchemaName | (string & {})): ValidateFunction {
  return validators.validatorFor(name);
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
  const validate = validators.ajv.compile({ type: 'object', properties });
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

/** Validates `value` against a component schema of the Responses spec; returns the violations (empty when valid). */
export function checkResponsesSchema(name: ResponsesSchemaName | (string & {}), value: unknown): SchemaViolation[] {
  return validators.check(name, value);
}

/** The payload schema the spec names for a webhook (`response_completed` → WebhookResponseCompleted). */
export function webhookSchemaName(webhook: string): string {
  const ref = responsesSpec.webhooks[webhook]?.post.requestBody.content['application/json'].schema.$ref;
  if (!ref) throw new Error(`the normalised Responses spec has no webhook ${webhook}`);
  return ref.split('/').at(-1) ?? '';
}
