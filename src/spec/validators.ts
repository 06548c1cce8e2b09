import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

export interface SchemaViolation {
  /** JSON pointer of the offending value, e.g. /metadata/key, or '' for the root. */
  path: string;
  message: string;
}

/** The compiled validators of one normalised document, its schemas addressed as `<specId>#/components/schemas/<name>`. */
export interface SpecValidators {
  ajv: Ajv2020;
  validatorFor(name: string): ValidateFunction;
  /** Validates `value` against a component schema; returns the violations (empty when valid). */
  check(name: string, value: unknown): SchemaViolation[];
}

/**
 * One validator set per document and process: compiling is start-up work, never per request, and each
 * document gets its own ajv because the two documents share schema names. `documentName` is how errors name it.
 */
export function createSpecValidators(document: object, specId: string, documentName: string): SpecValidators {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  ajv.addFormat('unixtime', { type: 'number', validate: (value: number) => Number.isInteger(value) });
  ajv.addSchema({ ...document, $id: specId });

  const compiled = new Map<string, ValidateFunction>();
  const validatorFor = (name: string): ValidateFunction => {
    let validate = compiled.get(name);
    if (!validate) {
      validate = ajv.getSchema(`${specId}#/components/schemas/${name}`);
      if (!validate) throw new Error(`${documentName} has no schema ${name}`);
      compiled.set(name, validate);
    }
    return validate;
  };
  return {
    ajv,
    validatorFor,
    check(name, value) {
      const validate = validatorFor(name);
      if (validate(value)) return [];
      return simplifyErrors(validate.errors ?? []);
    },
  };
}

/**
 * Ajv reports every failed branch of anyOf/oneOf; keep the most specific errors so that
 * a message names the field that is wrong, not "must match a schema in anyOf".
 */
export function simplifyErrors(errors: ErrorObject[]): SchemaViolation[] {
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

/** A violation's JSON pointer as the wire's `param` names the field: `/tools/0/type` → `tools[0].type`. */
export function dotted(pointer: string): string {
  let out = '';
  for (const raw of pointer.split('/').slice(1)) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(segment) ? `[${segment}]` : out === '' ? segment : `.${segment}`;
  }
  return out;
}
