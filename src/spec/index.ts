import { createRequire } from 'node:module';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import type { components, paths } from './runs-api.js';
import { createSpecValidators, type SchemaViolation } from './validators.js';

export type { components, paths };
export type { SchemaViolation } from './validators.js';
/** Wire shapes generated from the normalised spec (src/spec/runs-api.d.ts). */
export type Schemas = components['schemas'];
export type SchemaName = keyof Schemas;

const require = createRequire(import.meta.url);
/** The normalised OpenAPI document (scripts/normalize-spec.ts). */
export const spec = require('./runs-api.openapi.json') as {
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, unknown> };
};

/** One compiled validator set per process: compiling is start-up work, never per request. */
const validators = createSpecValidators(spec, 'runs-api', 'the normalised spec');

export function validatorFor(name: SchemaName | (string & {})): ValidateFunction {
  return validators.validatorFor(name);
}

/** Validates `value` against a component schema; returns the violations (empty when valid). */
export function checkSchema(name: SchemaName | (string & {}), value: unknown): SchemaViolation[] {
  return validators.check(name, value);
}
