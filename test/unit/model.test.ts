import { describe, expect, it } from 'vitest';
import { lastUserText, respond, splitText, usage, type ModelTool, type Turn } from '../../src/model/index.js';

const WEATHER: ModelTool = { type: 'function', name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] }, days: { type: 'integer' } } } };

function turn(overrides: Partial<Turn> = {}): Turn {
  return { instructions: 'Be brief.', messages: [{ role: 'user', text: 'Rome', parts: 1 }], tools: [], toolChoice: 'auto', simulate: undefined, completedCalls: [], ...overrides };
}

function fileIds(): () => string {
  let n = 0;
  return () => `file-${++n}`;
}

describe('the simulated model', () => {
  it('echoes the last user message and counts about four characters a token', () => {
    const response = respond(turn());
    expect(response).toEqual({
      kind: 'reply',
      builtinCalls: [],
      content: [{ type: 'text', text: 'You said: Rome', annotations: [] }],
      ending: { kind: 'completed' },
      usage: usage('Be brief.\nRome', 'You said: Rome'),
    });
    expect(usage('Be brief.\nRome', 'You said: Rome')).toEqual({ prompt_tokens: 4, completion_tokens: 4, total_tokens: 8 });
  });

  it('greets when there is nothing to echo, and reads an image-only message as "(an image)"', () => {
    expect(respond(turn({ messages: [] }))).toMatchObject({ content: [{ type: 'text', text: 'Hello! How can I help you today?' }] });
    expect(lastUserText([{ role: 'user', text: '', parts: 1 }])).toBe('(an image)');
    expect(lastUserText([{ role: 'user', text: 'hi', parts: 1 }, { role: 'assistant', text: 'You said: hi', parts: 1 }])).toBe('hi');
  });

  it('calls the first function with arguments drawn from the user text, then replies with its output', () => {
    const first = respond(turn({ tools: [WEATHER] }));
    expect(first).toEqual({ kind: 'function_call', builtinCalls: [], functionCall: { name: 'get_weather', arguments: '{"city":"Rome","unit":"celsius","days":1}' } });
    const second = respond(turn({ tools: [WEATHER], completedCalls: [{ type: 'function', name: 'get_weather', output: '22C' }] }));
    expect(second).toMatchObject({ kind: 'reply', content: [{ type: 'text', text: 'You said: Rome\nThe get_weather tool returned: 22C' }], ending: { kind: 'completed' } });
  });

  it('runs code interpreter and file search first, and the reply links the chart and cites the first file', () => {
    const response = respond(turn({ tools: [{ type: 'file_search', scoreThreshold: 0.5 }, { type: 'code_interpreter' }] }), { newFileId: fileIds() });
    expect(response.kind).toBe('reply');
    if (response.kind !== 'reply') return;
    expect(response.builtinCalls.map((c) => c.type)).toEqual(['code_interpreter', 'file_search']);
    expect(response.builtinCalls[1]).toMatchObject({ type: 'file_search', scoreThreshold: 0.5, results: [{ fileId: 'file-2', fileName: 'demo-notes.md' }, { fileId: 'file-3' }] });
    const [image, text] = response.content;
    expect(image).toEqual({ type: 'image', fileId: 'file-1' });
    expect(text?.type === 'text' && text.annotations.map((a) => [a.type, a.fileId, text.text.slice(a.start, a.end)])).toEqual([
      ['file_path', 'file-1', 'sandbox:/mnt/data/chart.png'],
      ['file_citation', 'file-2', '【4:0†demo-notes.md】'],
    ]);
  });

  it('honours tool choice: none calls nothing, a named tool only that one', () => {
    expect(respond(turn({ tools: [WEATHER, { type: 'code_interpreter' }], toolChoice: 'none' })).kind).toBe('reply');
    const named = respond(turn({ tools: [WEATHER, { type: 'code_interpreter' }], toolChoice: { type: 'code_interpreter' } }), { newFileId: fileIds() });
    expect(named).toMatchObject({ kind: 'reply', builtinCalls: [{ type: 'code_interpreter' }] });
    const fn = respond(turn({ tools: [{ type: 'code_interpreter' }, WEATHER], toolChoice: { type: 'function', name: 'get_weather' } }));
    expect(fn).toMatchObject({ kind: 'function_call', builtinCalls: [], functionCall: { name: 'get_weather' } });
  });

  it.each([
    ['fail', { content: [], ending: { kind: 'failed', code: 'server_error', message: 'Sorry, something went wrong.' }, usage: null }],
    ['expire', { builtinCalls: [], content: [], ending: { kind: 'expired' }, usage: null }],
    ['incomplete', { content: [{ type: 'text', text: 'You sai', annotations: [] }], ending: { kind: 'incomplete', reason: 'max_tokens' } }],
    ['refusal', { content: [{ type: 'refusal', refusal: "I'm sorry, but I can't help with that request." }], ending: { kind: 'completed' } }],
  ] as const)('metadata.simulate=%s forces its ending', (simulate, expected) => {
    expect(respond(turn({ simulate }))).toMatchObject({ kind: 'reply', ...expected });
  });

  it('an expiring turn calls no tools', () => {
    expect(respond(turn({ tools: [WEATHER], simulate: 'expire' }))).toMatchObject({ kind: 'reply', builtinCalls: [], ending: { kind: 'expired' } });
  });

  it('splits a reply into about three chunks on word boundaries', () => {
    expect(splitText('one two three four five six')).toEqual(['one two ', 'three four ', 'five six']);
    expect(splitText('')).toEqual(['']);
  });
});
