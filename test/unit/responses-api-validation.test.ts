import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/runs-api/errors.js';
import { checkResponsesSchema, responsesSpec, webhookSchemaName } from '../../src/spec/responses.js';
import { parseCreateConversation, parseCreateItems, parseCreateResponse, parseListQuery } from '../../src/responses-api/validation.js';

function errorOf(run: () => unknown): { status: number; message: string; param: string | null; code: string | null } {
  try {
    run();
  } catch (error) {
    if (error instanceof ApiError) return { status: error.status, message: error.message, param: error.param, code: error.code };
    throw error;
  }
  throw new Error('expected an ApiError');
}

describe('the normalised Responses spec', () => {
  it('keeps the responses and conversations operations and the response.* webhooks, nothing else', () => {
    const operations = Object.entries(responsesSpec.paths).flatMap(([path, item]) => Object.keys(item).filter((m) => ['get', 'post', 'delete'].includes(m)).map((m) => `${m.toUpperCase()} ${path}`));
    expect(operations.sort()).toEqual(
      [
        'POST /responses',
        'GET /responses/{response_id}',
        'DELETE /responses/{response_id}',
        'POST /responses/{response_id}/cancel',
        'GET /responses/{response_id}/input_items',
        'POST /conversations',
        'GET /conversations/{conversation_id}',
        'POST /conversations/{conversation_id}',
        'DELETE /conversations/{conversation_id}',
        'POST /conversations/{conversation_id}/items',
        'GET /conversations/{conversation_id}/items',
        'GET /conversations/{conversation_id}/items/{item_id}',
        'DELETE /conversations/{conversation_id}/items/{item_id}',
      ].sort(),
    );
    expect(Object.keys(responsesSpec.webhooks).sort()).toEqual(['response_cancelled', 'response_completed', 'response_failed', 'response_incomplete']);
    expect(webhookSchemaName('response_completed')).toBe('WebhookResponseCompleted');
    expect(JSON.stringify(responsesSpec)).not.toContain('"nullable"');
  });

  it('validates with the prose limits applied (metadata pairs) and the real API corrections (null cursors)', () => {
    const tooMany = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v']));
    expect(checkResponsesSchema('ConversationResource', { id: 'conv_1', object: 'conversation', created_at: 1, metadata: {} })).toEqual([]);
    expect(checkResponsesSchema('Metadata', tooMany)).not.toEqual([]);
    expect(checkResponsesSchema('ConversationItemList', { object: 'list', data: [], first_id: null, last_id: null, has_more: false })).toEqual([]);
  });
});

describe('create response body checks', () => {
  it('accepts the short forms and applies the real defaults', () => {
    const request = parseCreateResponse({ model: 'gpt-4o', input: 'hi', tools: [{ type: 'function', name: 'get_weather', parameters: { type: 'object' } }] });
    expect(request.input).toEqual([{ type: 'message', role: 'user', content: 'hi' }]);
    expect(request.tools[0]).toMatchObject({ type: 'function', strict: true });
    expect(request).toMatchObject({ background: false, stream: false, store: true, toolChoice: 'auto', parallelToolCalls: true, textFormat: { type: 'text' } });
  });

  it.each([
    [{}, "Missing required parameter: 'model'.", 'model', 'missing_required_parameter'],
    [{ model: 'm', colour: 1 }, "Unknown parameter: 'colour'.", 'colour', 'unknown_parameter'],
    [{ model: 'm', temperature: 3 }, "Invalid 'temperature': decimal above maximum value. Expected a value <= 2, but got 3 instead.", 'temperature', 'decimal_above_max_value'],
    [{ model: 'm', temperature: 'hot' }, "Invalid type for 'temperature': expected a decimal, but got a string instead.", 'temperature', 'invalid_type'],
    [{ model: 'm', max_output_tokens: 5 }, "Invalid 'max_output_tokens': integer below minimum value. Expected a value >= 16, but got 5 instead.", 'max_output_tokens', 'integer_below_min_value'],
    [{ model: 'm', input: 5 }, "Invalid type for 'input': expected a string or an array, but got an integer instead.", 'input', 'invalid_type'],
    [{ model: 'm', input: [{ role: 'robot', content: 'x' }] }, "Invalid value: 'robot'. Supported values are: 'user', 'assistant', 'system', and 'developer'.", 'input[0].role', 'invalid_value'],
    [{ model: 'm', input: [{ type: 'function_call_output', output: 'x' }] }, "Missing required parameter: 'input[0].call_id'.", 'input[0].call_id', 'missing_required_parameter'],
    [{ model: 'm', tools: [{ type: 'function' }] }, "Missing required parameter: 'tools[0].name'.", 'tools[0].name', 'missing_required_parameter'],
    [{ model: 'm', tools: [{ type: 'code_interpreter' }] }, "Missing required parameter: 'tools[0].container'.", 'tools[0].container', 'missing_required_parameter'],
    [{ model: 'm', tool_choice: { type: 'function', name: 'nope' } }, "Tool choice 'function' not found in 'tools' parameter.", 'tool_choice', null],
    [{ model: 'm', metadata: { k: 1 } }, "Invalid type for 'metadata.k': expected a string, but got an integer instead.", 'metadata.k', 'invalid_type'],
    [{ model: 'm', include: ['everything'] }, expect.stringMatching(/^Invalid value: 'everything'\. Supported values are: 'file_search_call\.results'/), 'include[0]', 'invalid_value'],
    [{ model: 'm', reasoning: { effort: 'galactic' } }, expect.stringMatching(/^Invalid 'reasoning\.effort'/), 'reasoning.effort', 'invalid_value'],
  ])('%j → 400', (body, message, param, code) => {
    expect(errorOf(() => parseCreateResponse(body))).toEqual({ status: 400, message, param, code });
  });
});

describe('conversation and list checks', () => {
  it('items: up to 20, at least 1 when adding', () => {
    const item = { role: 'user', content: 'x' };
    expect(parseCreateConversation({ items: Array(20).fill(item) }).items).toHaveLength(20);
    expect(errorOf(() => parseCreateConversation({ items: Array(21).fill(item) }))).toMatchObject({ param: 'items', code: 'array_above_max_length' });
    expect(errorOf(() => parseCreateItems({ items: [] }))).toMatchObject({ param: 'items', code: 'empty_array' });
    expect(parseCreateConversation(undefined)).toEqual({ metadata: {}, items: [] });
  });

  it('list query: limit 1..100, order asc|desc (desc by default), no before', () => {
    expect(parseListQuery(new URLSearchParams(''))).toMatchObject({ limit: 20, order: 'desc', after: undefined });
    expect(errorOf(() => parseListQuery(new URLSearchParams('limit=101')))).toMatchObject({ param: 'limit', code: 'integer_above_max_value' });
    expect(errorOf(() => parseListQuery(new URLSearchParams('order=up')))).toMatchObject({ param: 'order', code: 'invalid_value' });
    expect(parseListQuery(new URLSearchParams('include[]=file_search_call.results')).include.has('file_search_call.results')).toBe(true);
  });
});
