import type { ObjectRef } from '@pothos/core';
import { builder } from './builder.js';
import { enumName, specEnum } from './spec.js';

/** Internal value of every enum's UNKNOWN member. */
export const UNKNOWN = '%unknown%';

const UNKNOWN_ENUM_NOTE =
  'UNKNOWN: the upstream sent a value this version of the gateway does not know (a newer API). ' +
  'The rest of the object is still returned, rather than failing the whole result.';

export interface WireEnum {
  ref: ReturnType<typeof builder.enumType<string, Record<string, { value: string; description?: string }>>>;
  /** Wire value → the enum's internal value; unknown values become UNKNOWN, null stays null. */
  wire(value: string | null | undefined): string | null;
  values: readonly string[];
}

/**
 * A GraphQL enum whose values are the spec's wire values (`thread.run` → THREAD_RUN), plus UNKNOWN.
 * The values come from the spec at build time, so they cannot drift from it.
 */
export function wireEnum(name: string, path: string, description?: string, extensions: readonly WireExtension[] = []): WireEnum {
  const fromSpec = specEnum(path);
  return enumFromValues(name, fromSpec.values, description ?? fromSpec.description, extensions);
}

/**
 * A wire value that servers of the wire other than OpenAI's send (Foundry's `submit_tool_approval`): not in the
 * spec, so not read from it, but a member of the enum like the spec's own, described by who sends it.
 */
export interface WireExtension {
  value: string;
  /** Who sends it and what it means. */
  description: string;
}

export function enumFromValues(name: string, values: readonly string[], description: string | undefined, extensions: readonly WireExtension[] = []): WireEnum {
  const allValues = [...values, ...extensions.map((extension) => extension.value)];
  const known = new Set(allValues);
  const config: Record<string, { value: string; description?: string }> = {};
  for (const value of values) config[enumName(value)] = { value, description: `Wire value \`${value}\`.` };
  for (const extension of extensions) config[enumName(extension.value)] = { value: extension.value, description: `Wire value \`${extension.value}\`: ${extension.description}` };
  config['UNKNOWN'] = { value: UNKNOWN, description: UNKNOWN_ENUM_NOTE };
  const ref = builder.enumType(name, {
    description: [description, UNKNOWN_ENUM_NOTE].filter(Boolean).join('\n\n'),
    values: config,
  });
  return {
    ref,
    values: allValues,
    wire: (value) => (value == null ? null : known.has(value) ? value : UNKNOWN),
  };
}

/** Backing value of an `Unknown…` union member: the raw wire value. */
export class UnknownValue {
  constructor(readonly raw: unknown) {}
}
type UnknownShape = UnknownValue;

/**
 * The member a union falls back to when the upstream sends a kind this gateway does not know
 * (a new tool, content or step type): its `type` string and the raw JSON, instead of an error.
 */
export function unknownMember(name: string, what: string): ObjectRef<PothosTypes, UnknownShape> {
  return builder.objectRef<UnknownShape>(name).implement({
    description:
      `A ${what} of a kind this version of the gateway does not know (a newer API). \`rawType\` is the upstream's type string and \`raw\` ` +
      'the value as sent, so nothing is lost and the rest of the result is unaffected. (Not `type`, whose type differs on the known members.)',
    fields: (t) => ({
      rawType: t.string({
        nullable: true,
        description: 'The upstream `type` of the value, when it has one.',
        resolve: ({ raw }) => {
          const type = raw && typeof raw === 'object' ? (raw as { type?: unknown }).type : undefined;
          return typeof type === 'string' ? type : null;
        },
      }),
      raw: t.field({ type: 'JSON', description: 'The object exactly as the upstream sent it.', resolve: ({ raw }) => raw }),
    }),
  });
}

type PothosTypes = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

/** The `type` discriminator of a wire object, if any. */
export function typeOf(value: unknown): string | undefined {
  const type = value && typeof value === 'object' ? (value as { type?: unknown }).type : undefined;
  return typeof type === 'string' ? type : undefined;
}

/**
 * Union plumbing: `wrap` keeps wire values of a known `type` as they are and boxes the rest in UnknownValue;
 * `resolveType` picks the member by `type`.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- members of different shapes
export function unionOf<Known>(members: Record<string, ObjectRef<PothosTypes, any>>, unknown: ObjectRef<PothosTypes, UnknownValue>) {
  return {
    wrap: (value: unknown): Known | UnknownValue => {
      const type = typeOf(value);
      return type !== undefined && Object.hasOwn(members, type) ? (value as Known) : new UnknownValue(value);
    },
    resolveType: (value: unknown) => (value instanceof UnknownValue ? unknown : members[typeOf(value) ?? ''] ?? unknown),
  };
}
