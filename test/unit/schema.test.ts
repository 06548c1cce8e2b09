import { readFileSync } from 'node:fs';
import {
  GraphQLEnumType,
  GraphQLInterfaceType,
  GraphQLObjectType,
  GraphQLUnionType,
  getNamedType,
  isListType,
  isNonNullType,
  isObjectType,
  isEnumType,
  type GraphQLField,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { SCHEMA_FILE, printedSchema } from '../../scripts/print-schema.js';
import { schema } from '../../src/schema/index.js';
import { allowsNull, camelCase, describeNode, objectSchema, schemaAt, specBindings } from '../../src/schema/spec.js';

const BUILT_IN = new Set(['String', 'Int', 'Float', 'Boolean', 'ID']);
const userTypes = () => Object.values(schema.getTypeMap()).filter((type) => !type.name.startsWith('__') && !BUILT_IN.has(type.name));

describe('schema.graphql', () => {
  it('is up to date (run `npm run schema:print`)', () => {
    const committed = readFileSync(SCHEMA_FILE, 'utf8');
    expect(committed === printedSchema(), 'schema.graphql is stale: run `npm run schema:print` and commit it').toBe(true);
  });
});

describe('schema descriptions', () => {
  it('describes every type, field, argument and enum value', () => {
    const missing: string[] = [];
    for (const type of userTypes()) {
      if (!type.description?.trim()) missing.push(type.name);
      if (type instanceof GraphQLObjectType || type instanceof GraphQLInterfaceType) {
        for (const field of Object.values(type.getFields())) {
          if (!field.description?.trim()) missing.push(`${type.name}.${field.name}`);
          for (const arg of field.args) if (!arg.description?.trim()) missing.push(`${type.name}.${field.name}(${arg.name})`);
        }
      }
      if (type instanceof GraphQLEnumType) {
        for (const value of type.getValues()) if (!value.description?.trim()) missing.push(`${type.name}.${value.name}`);
      }
    }
    expect(missing).toEqual([]);
  });
});

describe('schema against the normalised spec', () => {
  it('binds every spec-backed object type', () => {
    expect(specBindings.length).toBeGreaterThan(40);
    for (const binding of specBindings) expect(schema.getType(binding.typeName), binding.typeName).toBeInstanceOf(GraphQLObjectType);
  });

  it('has a field for every spec property, nullable exactly when the spec allows null or does not require it, with the spec description', () => {
    const problems: string[] = [];
    for (const binding of specBindings) {
      const type = schema.getType(binding.typeName) as GraphQLObjectType;
      const object = objectSchema(schemaAt(binding.path));
      const properties = object['properties'] as Record<string, Record<string, unknown>>;
      const required = new Set((object['required'] as string[] | undefined) ?? []);
      for (const [property, node] of Object.entries(properties)) {
        const fieldName = binding.renames[property] ?? camelCase(property);
        const field: GraphQLField<unknown, unknown> | undefined = type.getFields()[fieldName];
        if (!field) {
          problems.push(`${binding.typeName}.${fieldName} missing (spec ${binding.path}.${property})`);
          continue;
        }
        const specNullable = !required.has(property) || allowsNull(node);
        if (isNonNullType(field.type) === specNullable) {
          problems.push(`${binding.typeName}.${fieldName}: spec says ${specNullable ? 'nullable' : 'non-null'}, schema has ${String(field.type)}`);
        }
        const description = describeNode(node);
        if (description && field.description !== description) problems.push(`${binding.typeName}.${fieldName}: description differs from the spec`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('gives RunObject every field of the spec RunObject in camelCase, plus the global id', () => {
    const fields = Object.keys((schema.getType('RunObject') as GraphQLObjectType).getFields());
    const expected = [
      'id', 'runId', 'object', 'createdAt', 'threadId', 'assistantId', 'status', 'requiredAction', 'lastError', 'expiresAt', 'startedAt',
      'cancelledAt', 'failedAt', 'completedAt', 'incompleteDetails', 'model', 'instructions', 'tools', 'metadata', 'usage', 'temperature',
      'topP', 'maxPromptTokens', 'maxCompletionTokens', 'truncationStrategy', 'toolChoice', 'parallelToolCalls', 'responseFormat',
    ];
    expect(fields).toEqual(expect.arrayContaining(expected));
    const run = schema.getType('RunObject') as GraphQLObjectType;
    expect(String(run.getFields()['createdAt']!.type)).toBe('DateTime!');
    expect(String(run.getFields()['metadata']!.type)).toBe('JSONObject');
    expect(String(run.getFields()['truncationStrategy']!.type)).toBe('TruncationStrategy');
    expect(String(run.getFields()['toolChoice']!.type)).toBe('ToolChoice');
    expect(run.getInterfaces().map((i) => i.name)).toEqual(['Node']);
  });

  it('maps enums to the spec wire values, plus UNKNOWN', () => {
    const values = (name: string) => Object.fromEntries((schema.getType(name) as GraphQLEnumType).getValues().map((v) => [v.name, v.value] as const).sort(([a], [b]) => a.localeCompare(b)));
    expect(values('RunObjectStatus')).toEqual({
      QUEUED: 'queued', IN_PROGRESS: 'in_progress', REQUIRES_ACTION: 'requires_action', CANCELLING: 'cancelling', CANCELLED: 'cancelled',
      FAILED: 'failed', COMPLETED: 'completed', INCOMPLETE: 'incomplete', EXPIRED: 'expired', UNKNOWN: '%unknown%',
    });
    expect(values('RunObjectObject')).toEqual({ THREAD_RUN: 'thread.run', UNKNOWN: '%unknown%' });
    expect(Object.keys(values('RunLastErrorCode'))).toEqual(['INVALID_PROMPT', 'RATE_LIMIT_EXCEEDED', 'SERVER_ERROR', 'UNKNOWN']);
    expect(Object.keys(values('RunStepLastErrorCode'))).toEqual(['RATE_LIMIT_EXCEEDED', 'SERVER_ERROR', 'UNKNOWN']);
    expect(Object.keys(values('RunIncompleteReason'))).toEqual(['MAX_COMPLETION_TOKENS', 'MAX_PROMPT_TOKENS', 'UNKNOWN']);
    expect(Object.keys(values('MessageIncompleteReason'))).toEqual(['CONTENT_FILTER', 'MAX_TOKENS', 'RUN_CANCELLED', 'RUN_EXPIRED', 'RUN_FAILED', 'UNKNOWN']);
    expect(Object.keys(values('ToolChoiceMode'))).toEqual(['AUTO', 'NONE', 'REQUIRED', 'UNKNOWN']);
    const specStatuses = (objectSchema(schemaAt('RunObject.status'))['enum'] as string[]).length;
    expect(Object.keys(values('RunObjectStatus'))).toHaveLength(specStatuses + 1);
  });

  it('gives every union an Unknown member for kinds the gateway does not know', () => {
    const unions = userTypes().filter((type): type is GraphQLUnionType => type instanceof GraphQLUnionType);
    expect(unions.map((u) => u.name).sort()).toEqual([
      'AssistantTool', 'CodeInterpreterOutput', 'MessageContent', 'ResponseFormat', 'RunStepDetails', 'RunStepToolCall', 'TextAnnotation', 'ToolChoice',
    ]);
    for (const union of unions) expect(union.getTypes().some((member) => member.name.startsWith('Unknown')), union.name).toBe(true);
  });

  it('has the queries and connections of the issue', () => {
    const query = schema.getQueryType()!.getFields();
    const signature = (field: GraphQLField<unknown, unknown>) => `${field.args.map((a) => `${a.name}: ${String(a.type)}`).sort().join(', ')} → ${String(field.type)}`;
    expect(signature(query['run']!)).toBe('runId: ID!, threadId: ID! → RunObject');
    expect(signature(query['thread']!)).toBe('id: ID! → Thread');
    expect(signature(query['assistant']!)).toBe('id: ID! → Assistant');
    expect(signature(query['runStep']!)).toBe('include: [RunStepInclude!], runId: ID!, stepId: ID!, threadId: ID! → RunStep');
    expect(signature(query['node']!)).toBe('id: ID! → Node');
    expect(signature(query['nodes']!)).toBe('ids: [ID!]! → [Node]');
    const connection = (type: string, field: string) => (schema.getType(type) as GraphQLObjectType).getFields()[field]!;
    for (const [type, field, returns] of [
      // Nullable, so that a failed page leaves its parent (and the rest of an outer page) intact.
      ['Query', 'assistants', 'AssistantConnection'],
      ['Thread', 'runs', 'RunConnection'],
      ['Thread', 'messages', 'MessageConnection'],
      ['RunObject', 'steps', 'RunStepConnection'],
      ['RunObject', 'messages', 'MessageConnection'],
    ] as const) {
      const f = connection(type, field);
      expect(String(f.type), `${type}.${field}`).toBe(returns);
      expect(f.args.map((a) => a.name)).toEqual(expect.arrayContaining(['first', 'after', 'last', 'before', 'order']));
    }
    expect(connection('RunObject', 'steps').args.map((a) => a.name)).toContain('include');
    for (const [type, field, returns] of [
      ['RunObject', 'thread', 'Thread'], ['RunObject', 'assistant', 'Assistant'], ['Message', 'run', 'RunObject'],
      ['Message', 'assistant', 'Assistant'], ['RunStep', 'run', 'RunObject'],
    ] as const) {
      expect(String(connection(type, field).type)).toBe(returns);
    }
  });

  it('exposes the upstream id on every node type, next to the global id', () => {
    const node = schema.getType('Node') as GraphQLInterfaceType;
    const nodes = userTypes().filter((type): type is GraphQLObjectType => isObjectType(type) && type.getInterfaces().includes(node)).map((t) => t.name);
    expect(nodes.sort()).toEqual(['Assistant', 'Message', 'RunObject', 'RunStep', 'Thread']);
    const upstreamId = { Assistant: 'assistantId', Message: 'messageId', RunObject: 'runId', RunStep: 'stepId', Thread: 'threadId' } as const;
    for (const [name, field] of Object.entries(upstreamId)) {
      const fields = (schema.getType(name) as GraphQLObjectType).getFields();
      expect(String(fields[field]!.type), `${name}.${field}`).toBe('ID!');
      expect(String(fields['id']!.type)).toBe('ID!');
    }
  });

  it('types every list item as non-null', () => {
    const loose: string[] = [];
    for (const type of userTypes()) {
      if (!(type instanceof GraphQLObjectType)) continue;
      for (const field of Object.values(type.getFields())) {
        let t = field.type;
        if (isNonNullType(t)) t = t.ofType;
        if (isListType(t) && !isNonNullType(t.ofType) && !(type.name === 'Query' && field.name === 'nodes')) loose.push(`${type.name}.${field.name}`);
      }
    }
    expect(loose).toEqual([]);
    expect(isEnumType(schema.getType('ListOrder'))).toBe(true);
  });
});
