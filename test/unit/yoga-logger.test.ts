import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { createLogger, yogaLogger } from '../../src/observability/logger.js';

function capture() {
  const lines: Array<{ level: number; msg: string }> = [];
  const logger = createLogger({ logLevel: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as { level: number; msg: string }) });
  return { lines, yoga: yogaLogger(logger) };
}

describe("yoga's logger (W11)", () => {
  it('a request its client aborted, as yoga masks it, is a debug line and not an error with a stack', () => {
    const { lines, yoga } = capture();
    yoga.error(new GraphQLError('This operation was aborted', { originalError: new DOMException('This operation was aborted', 'AbortError') }));
    expect(lines).toEqual([expect.objectContaining({ level: 20, msg: 'request aborted by its client' })]);
  });

  it('any other error yoga reports stays an error', () => {
    const { lines, yoga } = capture();
    yoga.error(new GraphQLError('boom', { originalError: new TypeError('x is not a function') }));
    expect(lines).toEqual([expect.objectContaining({ level: 50, msg: 'boom' })]);
  });
});
