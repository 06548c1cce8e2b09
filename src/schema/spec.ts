import { spec } from '../spec/index.js';

/**
 * Reads descriptions, nullability and enum values from the normalised spec, once, at schema-build time.
 * Every object type built from a spec schema is registered in `specBindings`, and a test compares the
 * printed schema with the spec through it, so field names, nullability and descriptions cannot drift.
 */
type SchemaNode = Record<string, unknown>;

const schemas = spec.components.schemas as Record<string, SchemaNode>;

function isObject(value: unknown): value is SchemaNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function deref(node: SchemaNode): SchemaNode {
  let current = node;
  for (let depth = 0; typeof current['$ref'] === 'string' && depth < 20; depth++) {
    const name = (current['$ref'] as string).replace('#/components/schemas/', '');
    const target = schemas[name];
    if (!target) throw new Error(`spec: unknown $ref ${String(current['$ref'])}`);
    current = target;
  }
  return current;
}

const branchesOf = (node: SchemaNode): SchemaNode[] =>
  (['allOf', 'anyOf', 'oneOf'] as const).flatMap((key) => (Array.isArray(node[key]) ? (node[key] as unknown[]).filter(isObject) : []));

const isNullSchema = (node: SchemaNode) => node['type'] === 'null';

/**
 * True when the wire value may be null. `allOf: [$ref, anyOf: [{}, null]]` (the spec's "this ref, or null"
 * idiom, e.g. truncation_strategy and tool_choice) counts as nullable: that is the spec's intent.
 */
export function allowsNull(input: SchemaNode): boolean {
  const node = deref(input);
  const type = node['type'];
  if (type === 'null' || (Array.isArray(type) && type.includes('null'))) return true;
  if (node['nullable'] === true) return true;
  return branchesOf(node).some(allowsNull);
}

/** The first description on the node, its $ref target or its non-null branches. */
export function describeNode(input: SchemaNode): string | undefined {
  if (typeof input['description'] === 'string') return input['description'].trim();
  const node = deref(input);
  if (typeof node['description'] === 'string') return node['description'].trim();
  for (const branch of branchesOf(node)) {
    if (isNullSchema(branch)) continue;
    const description = describeNode(branch);
    if (description) return description;
  }
  return undefined;
}

/** The object (or enum, or item) schema behind a node, skipping $ref, null branches and the nullable idiom. */
export function objectSchema(input: SchemaNode): SchemaNode {
  const node = deref(input);
  if (isObject(node['properties']) || Array.isArray(node['enum'])) return node;
  const candidates = branchesOf(node).filter((branch) => !isNullSchema(branch) && Object.keys(branch).length > 0);
  if (candidates.length === 1) return objectSchema(candidates[0]!);
  return node;
}

/**
 * Resolves a path such as `RunObject.required_action.submit_tool_outputs`, `MessageObject.attachments[]`
 * or `AssistantsApiToolChoiceOption#0` (a oneOf/anyOf branch).
 */
export function schemaAt(path: string): SchemaNode {
  const [root, ...rest] = path.split('.');
  const [rootName, rootBranch] = (root ?? '').split('#');
  let node = schemas[rootName ?? ''];
  if (!node) throw new Error(`spec: no schema ${rootName}`);
  if (rootBranch !== undefined) node = branch(node, Number(rootBranch), path);
  for (const segment of rest) {
    const [nameWithItems, branchIndex] = segment.split('#');
    const items = nameWithItems!.endsWith('[]');
    const name = items ? nameWithItems!.slice(0, -2) : nameWithItems!;
    const properties: unknown = objectSchema(node)['properties'];
    const next: unknown = isObject(properties) ? properties[name] : undefined;
    if (!isObject(next)) throw new Error(`spec: no property ${name} in ${path}`);
    node = next;
    if (items) {
      const itemSchema: unknown = objectSchema(node)['items'];
      if (!isObject(itemSchema)) throw new Error(`spec: ${name} is not an array in ${path}`);
      node = itemSchema;
    }
    if (branchIndex !== undefined) node = branch(node, Number(branchIndex), path);
  }
  return node;
}

function branch(node: SchemaNode, index: number, path: string): SchemaNode {
  const resolved = deref(node);
  const options = (resolved['oneOf'] ?? resolved['anyOf']) as unknown[] | undefined;
  const chosen = options?.[index];
  if (!isObject(chosen)) throw new Error(`spec: no branch ${index} in ${path}`);
  return chosen;
}

export interface FieldSpec {
  description: string | undefined;
  nullable: boolean;
}

export interface SpecBinding {
  /** The GraphQL object type. */
  typeName: string;
  /** The spec path it represents. */
  path: string;
  /** Spec property → GraphQL field name, where it is not simply the camelCase name. */
  renames: Record<string, string>;
}

/** Every GraphQL object type that mirrors a spec schema (read by test/unit/schema-spec.test.ts). */
export const specBindings: SpecBinding[] = [];

export const camelCase = (name: string) => name.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());

export interface SpecObject {
  path: string;
  description: string | undefined;
  /** Description and nullability of a property: nullable when not required or when null is allowed. */
  prop(name: string, fallback?: string): FieldSpec;
  /** Property names in spec order. */
  props(): string[];
}

/** The spec object at `path`, bound to the GraphQL type `typeName`. */
export function specObject(typeName: string, path: string, renames: Record<string, string> = {}): SpecObject {
  const node = schemaAt(path);
  const object = objectSchema(node);
  const properties = (isObject(object['properties']) ? object['properties'] : {}) as Record<string, SchemaNode>;
  const required = new Set(Array.isArray(object['required']) ? (object['required'] as string[]) : []);
  specBindings.push({ typeName, path, renames });
  return {
    path,
    description: describeNode(node) ?? describeNode(object) ?? (typeof object['title'] === 'string' ? `${object['title']}.` : undefined),
    prop(name, fallback) {
      const property = properties[name];
      if (!property) throw new Error(`spec: ${path} has no property ${name}`);
      return { description: describeNode(property) ?? fallback, nullable: !required.has(name) || allowsNull(property) };
    },
    props: () => Object.keys(properties),
  };
}

/** Wire enum value → GraphQL enum name: `thread.run` → THREAD_RUN, `default_2024_08_21` → DEFAULT_2024_08_21. */
export const enumName = (value: string) => value.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_|_$/g, '').toUpperCase();

/** The enum values at a spec path (a string enum, possibly behind null branches or a $ref). */
export function specEnum(path: string): { values: string[]; description: string | undefined } {
  const node = schemaAt(path);
  const values = objectSchema(node)['enum'];
  if (!Array.isArray(values)) throw new Error(`spec: ${path} is not an enum`);
  return { values: values.filter((v): v is string => typeof v === 'string'), description: describeNode(node) };
}

/** The summary and description of an operation, e.g. `GET /threads/{thread_id}`. */
export function operationDescription(method: string, path: string): string | undefined {
  const operation = spec.paths[path]?.[method.toLowerCase()] as SchemaNode | undefined;
  if (!operation) throw new Error(`spec: no operation ${method} ${path}`);
  const summary = typeof operation['summary'] === 'string' ? operation['summary'].trim() : undefined;
  return summary ?? (typeof operation['description'] === 'string' ? operation['description'].trim() : undefined);
}

/** A query parameter's description, e.g. ('GET', '/threads/{thread_id}/messages', 'run_id'). */
export function parameterDescription(method: string, path: string, name: string): string | undefined {
  const operation = spec.paths[path]?.[method.toLowerCase()] as SchemaNode | undefined;
  const parameters = Array.isArray(operation?.['parameters']) ? (operation['parameters'] as SchemaNode[]) : [];
  const parameter = parameters.find((p) => p['name'] === name);
  return typeof parameter?.['description'] === 'string' ? parameter['description'].trim() : undefined;
}

/** The string enum of a (possibly array-valued) parameter, e.g. the steps' `include[]`. */
export function parameterEnum(method: string, path: string, name: string): string[] {
  const operation = spec.paths[path]?.[method.toLowerCase()] as SchemaNode | undefined;
  const parameters = Array.isArray(operation?.['parameters']) ? (operation['parameters'] as SchemaNode[]) : [];
  const schema = parameters.find((p) => p['name'] === name)?.['schema'];
  const node = isObject(schema) && isObject(schema['items']) ? schema['items'] : schema;
  const values = isObject(node) ? node['enum'] : undefined;
  if (!Array.isArray(values)) throw new Error(`spec: parameter ${name} of ${method} ${path} is not an enum`);
  return values.filter((v): v is string => typeof v === 'string');
}
