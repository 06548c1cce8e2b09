import { createRequire } from 'node:module';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import type { components, paths } from './runs-api.js';
import { createSpecValidators, type SchemaViolation, type SpecValidators } from './validators.js';

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

/**
 * One validator set per process, made on first use: a gateway that only reads never builds it. Each schema is
 * compiled once, the first time it is asked for, never again per request.
 */
let validators: SpecValidators | undefined;
const specValidators = (): SpecValidators => (validators ??= createSpecValidators(spec, 'runs-api', 'the normalised spec'));

export function validatorFor(name: SchemaName | (string & {})): ValidateFunction {
  return specValidators().validatorFor(name);
}

/** Validates `value` against a component schema; returns the violations (empty when valid). */
export function checkSchema(name: SchemaName | (string & {}), value: unknown): SchemaViolation[] {
  return specValidators().check(name, value);
}
