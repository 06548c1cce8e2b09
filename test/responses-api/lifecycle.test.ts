import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../helpers/clock.js';
import { call, startTestResponsesApi, type ResponsesApi } from './helpers.js';

const STEP = 1_000;
const TOOLS = [
  { type: 'code_interpreter', container: { type: 'auto' } },
  { type: 'file_search', vector_store_ids: ['vs_1'] },
  { type: 'function', name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
];

/** Responses in time, stepped with a manual clock: each state is seen once, at the step it belongs to. */
describe('response lifecycle', () => {
  let api: ResponsesApi;
  const clock = new ManualClock();
  beforeAll(async () => {
    api = await startTestResponsesApi({ clock, stepMs: STEP });
  });
  afterAll(() => api.close());

  const get = async (id: string) => (await call(api, 'GET', `/responses/${id}`)).body;
  const create = async (body: Record<string, unknown>) => (await call(api, 'POST', '/responses', { body: { model: 'gpt-4o', background: true, ...body } })).body;
  const shape = (response: any) => [response.status, ...response.output.map((item: any) => `${item.type}:${item.status}`)].join(' ');

  it('background without tools: queued → in_progress → the message streams → completed, a step apart', async () => {
    const created = await create({ input: 'step by step' });
    expect(shape(created)).toBe('queued');
    clock.advance(STEP - 1);
    expect(shape(await get(created.id))).toBe('queued');
    clock.advance(1);
    expect(shape(await get(created.id))).toBe('in_progress');
    clock.advance(STEP);
    const streaming = await get(created.id);
    expect(shape(streaming)).toBe('in_progress message:in_progress');
    expect(streaming.output[0].content[0].text).toBe('You said: step by step');
    expect(streaming.usage).toBeNull();
    clock.advance(STEP);
    const done = await get(created.id);
    expect(shape(done)).toBe('completed message:completed');
    expect(done.completed_at - done.created_at).toBe(3);
    expect(done.usage.output_tokens).toBeGreaterThan(0);
    expect(clock.timers).toBe(0);
  });

  it('every tool: each built-in call takes two steps, the function call ends the response', async () => {
    const created = await create({ input: 'all of them', tools: TOOLS });
    const shapes = [shape(created)];
    for (let i = 0; i < 6; i += 1) {
      clock.advance(STEP);
      shapes.push(shape(await get(created.id)));
    }
    expect(shapes).toEqual([
      'queued',
      'in_progress',
      'in_progress code_interpreter_call:interpreting',
      'in_progress code_interpreter_call:completed',
      'in_progress code_interpreter_call:completed file_search_call:searching',
      'in_progress code_interpreter_call:completed file_search_call:completed',
      'completed code_interpreter_call:completed file_search_call:completed function_call:completed',
    ]);
    expect(clock.timers).toBe(0);
  });

  it('cancel in the middle of the message: cancelled at once, the message incomplete, the stream ended without a final event', async () => {
    const created = await create({ input: 'cancel me mid-sentence' });
    clock.advance(2 * STEP);
    expect(shape(await get(created.id))).toBe('in_progress message:in_progress');
    const cancelled = (await call(api, 'POST', `/responses/${created.id}/cancel`)).body;
    expect(shape(cancelled)).toBe('cancelled message:incomplete');
    expect(clock.timers).toBe(0);
    clock.advance(5 * STEP);
    expect(await get(created.id)).toEqual(cancelled);
    const replay = await call(api, 'GET', `/responses/${created.id}?stream=true`);
    const types = replay.text.split('\n').filter((line) => line.startsWith('event: ')).map((line) => line.slice(7));
    expect(types.at(-1)).toBe('response.output_text.delta');
    expect(types).not.toContain('response.completed');
  });

  it('a foreground request answers when the response has ended, two steps later (no queued step)', async () => {
    const pending = call(api, 'POST', '/responses', { body: { model: 'gpt-4o', input: 'wait for me' } });
    // Let the request arrive and the response start before the clock moves.
    for (let tries = 0; clock.timers === 0 && tries < 200; tries += 1) await new Promise((resolve) => setTimeout(resolve, 5));
    clock.advance(STEP);
    clock.advance(STEP);
    const { body } = await pending;
    expect(shape(body)).toBe('completed message:completed');
    expect(body.background).toBe(false);
  });
});
