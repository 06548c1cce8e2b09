import { createRequire } from 'node:module';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { components, paths } from './runs-api.js';

export type { components, paths };
/** Wire shapes generated from the normalised spec (src/spec/runs-api.d.ts). */
export type Schemas = components['schemas'];
export type SchemaName = keyof Schemas;

const require = createRequire(import.meta.url);
/** The normalised OpenAPI document (scripts/normalize-spec.ts). */
export const spec = require('./runs-api.openapi.json') as {
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, unknown> };
};

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
const SPEC_ID = 'runs-api';

/** One compiled validator set per process: compiling is start-up work, never per request. */
const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
addFormats(ajv);
ajv.addFormat('unixtime', { type: 'number', validate: (value: number) => Number.isInteger(value) });
ajv.addSchema({ ...spec, $id: SPEC_ID });

const compiled = new Map<string, ValidateFunction>();

export function validatorFor(name: SchemaName | (string & {})): ValidateFunction {
  let validate = compiled.get(name);
  if (!validate) {
    validate = ajv.getSchema(`${SPEC_ID}#/components/schemas/${name}`);
    if (!validate) throw new Error(`the normalised spec has no schema ${name}`);
    compiled.set(name, validate);
  }
  return validate;
}

export interface SchemaViolation {
  /** JSON pointer of the offending value, e.g. /metadata/key, or '' for the root. */
  path: string;
  message: string;
}

/** Validates `value` against a component schema; returns the violations (empty when valid). */
export function checkSchema(name: SchemaName | (string & {}), value: unknown): SchemaViolation[] {
  const validate = validatorFor(name);
  if (validate(value)) return [];
  return simplifyErrors(validate.errors ?? []);
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
    // An error on a value whose child also failed is the same problem said less precisely.
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
