import type { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { Schemas } from '../../src/spec/index.js';
import { assertToolOutputsMatch, pendingToolCallIds } from '../../src/writes/tool-outputs.js';

type Run = Pick<Schemas['RunObject'], 'id' | 'status' | 'required_action'>;

const call = (id: string) => ({ id, type: 'function' as const, function: { name: 'f', arguments: '{}' } });
const waiting = (...ids: string[]): Run => ({
  id: 'run_1',
  status: 'requires_action',
  required_action: { type: 'submit_tool_outputs', submit_tool_outputs: { tool_calls: ids.map(call) } },
});

function thrown(fn: () => void): GraphQLError {
  try {
    fn();
  } catch (error) {
    return error as GraphQLError;
  }
  throw new Error('expected an error');
}

describe('assertToolOutputsMatch', () => {
  it('accepts one output per pending call, in any order', () => {
    expect(pendingToolCallIds(waiting('call_a', 'call_b'))).toEqual(['call_a', 'call_b']);
    expect(() => assertToolOutputsMatch(waiting('call_a', 'call_b'), [{ tool_call_id: 'call_b' }, { tool_call_id: 'call_a' }])).not.toThrow();
  });

  it('CONFLICT when the run is not waiting for outputs, with the request id of the read', () => {
    const error = thrown(() => assertToolOutputsMatch({ id: 'run_1', status: 'in_progress', required_action: null }, [{ tool_call_id: 'call_a' }], { requestId: 'req_1' }));
    expect(error.extensions).toMatchObject({ code: 'CONFLICT', runStatus: 'in_progress', requestId: 'req_1', reason: 'run_not_accepting_tool_outputs' });
  });

  it('names a missing output', () => {
    const error = thrown(() => assertToolOutputsMatch(waiting('call_a', 'call_b'), [{ tool_call_id: 'call_a' }]));
    expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.toolOutputs' });
    expect(error.message).toContain('call_b');
  });

  it('names an unknown id', () => {
    const error = thrown(() => assertToolOutputsMatch(waiting('call_a'), [{ tool_call_id: 'call_a' }, { tool_call_id: 'call_zzz' }]));
    expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.toolOutputs[1].toolCallId' });
    expect(error.message).toContain('call_zzz is not a pending tool call of run run_1');
  });

  it('names a duplicate', () => {
    const error = thrown(() => assertToolOutputsMatch(waiting('call_a', 'call_b'), [{ tool_call_id: 'call_a' }, { tool_call_id: 'call_b' }, { tool_call_id: 'call_a' }]));
    expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.toolOutputs[2].toolCallId' });
    expect(error.message).toContain('already answered at input.toolOutputs[0]');
  });

  it('an empty list misses every call', () => {
    const error = thrown(() => assertToolOutputsMatch(waiting('call_a'), []));
    expect(error.extensions['field']).toBe('input.toolOutputs');
  });
});
