import { GraphQLError } from 'graphql';

/** One problem with a mutation's input, named by its GraphQL path (e.g. `input.metadata.owner`, `input.tools[2].function.name`). */
export interface FieldViolation {
  field: string;
  message: string;
}

/**
 * BAD_USER_INPUT for one or more violations: the message lists them all, `extensions.field` names the first,
 * `extensions.violations` carries every one.
 */
export function invalidInput(violations: readonly FieldViolation[]): GraphQLError {
  const [first] = violations;
  if (!first) throw new Error('invalidInput needs at least one violation');
  const message = violations.map((violation) => violation.message).join('; ');
  return new GraphQLError(message, {
    extensions: {
      code: 'BAD_USER_INPUT',
      field: first.field,
      violations: violations.map(({ field, message: text }) => ({ field, message: text })),
    },
  });
}

/** A state conflict detected by the gateway itself (the upstream was asked with a GET, or not at all). */
export function conflict(message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  const clean = Object.fromEntries(Object.entries(extensions).filter(([, value]) => value !== undefined));
  return new GraphQLError(message, { extensions: { code: 'CONFLICT', ...clean } });
}
