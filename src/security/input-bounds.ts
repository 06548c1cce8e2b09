import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

export interface InputBounds {
  /** Deepest nesting of objects and lists in an operation's variables (JSON inputs included). */
  maxDepth: number;
  /** Most items in any one list of the variables. */
  maxListItems: number;
}

/**
 * What is wrong with `value` against the bounds, or undefined. Iterative, so a value nested 100,000 deep costs a
 * walk to the bound and no stack; it stops at the first problem, so its cost is bounded by the value's size.
 */
export function inputBoundsProblem(value: unknown, bounds: InputBounds): string | undefined {
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop()!;
    if (current === null || typeof current !== 'object') continue;
    if (depth >= bounds.maxDepth) return `The variables are nested more than ${bounds.maxDepth} levels deep.`;
    if (Array.isArray(current)) {
      if (current.length > bounds.maxListItems) return `A list in the variables has more than ${bounds.maxListItems} items.`;
      for (const item of current) stack.push({ value: item, depth: depth + 1 });
    } else {
      for (const key in current) stack.push({ value: (current as Record<string, unknown>)[key], depth: depth + 1 });
    }
  }
  return undefined;
}

export function inputBoundsError(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } });
}

/**
 * Refuses operations whose variables break the bounds before anything else looks at them: the sharing keys, the
 * write validation and the upstream body all serialise or walk the variables, and a value nested thousands deep
 * made each of those throw a RangeError (HTTP 500), or trip the upstream circuit. HTTP and WebSocket alike.
 */
export function useInputBounds(bounds: InputBounds): Plugin {
  const check = (variables: unknown): GraphQLError | undefined => {
    const problem = inputBoundsProblem(variables, bounds);
    return problem === undefined ? undefined : inputBoundsError(problem);
  };
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const error = check(args.variableValues);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const error = check(args.variableValues);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
  };
}
