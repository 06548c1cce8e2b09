import { describe, expect, it } from 'vitest';
import { EventChannel } from '../../src/embedded/event-channel.js';
import { nowSeconds, realClock } from '../../src/embedded/clock.js';
import { CANCELLABLE_RUN_STATUSES, checkCancellable, checkToolChoice, checkToolOutputs, expirySeconds, isFinalEvent, runSettings } from '../../src/runs-api/rules.js';
import type { Assistant, Run } from '../../src/runs-api/types.js';
import { wireRun } from '../helpers/wire-fixtures.js';
import { ManualClock } from '../helpers/clock.js';

const WEATHER = { type: 'function' as const, function: { name: 'get_weather' } };

function waiting(callIds: string[]): Run {
  const run = wireRun({ status: 'requires_action' });
  run.required_action = { type: 'submit_tool_outputs', submit_tool_outputs: { tool_calls: callIds.map((id) => ({ id, type: 'function', function: { name: 'f', arguments: '{}' } })) } };
  return run;
}

function message(fn: () => void): string {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  return 'no error';
}

describe('the runs API rules', () => {
  it('one output for each pending call, in one request', () => {
    expect(() => checkToolOutputs(waiting(['call_a', 'call_b']), { tool_outputs: [{ tool_call_id: 'call_b' }, { tool_call_id: 'call_a' }] })).not.toThrow();
    expect(message(() => checkToolOutputs(waiting(['call_a', 'call_b']), { tool_outputs: [{ tool_call_id: 'call_a' }, { tool_call_id: 'call_a' }, { tool_call_id: 'call_x' }] }))).toBe(
      "Invalid 'tool_outputs': expected exactly one output for each pending tool call [call_a, call_b] in one request; missing outputs for 'call_b'; no pending tool call 'call_x'; more than one output for 'call_a'.",
    );
    expect(message(() => checkToolOutputs(wireRun({ status: 'completed' }), { tool_outputs: [] }))).toBe('Runs in status "completed" do not accept tool outputs.');
  });

  it('cancellable statuses', () => {
    expect([...CANCELLABLE_RUN_STATUSES]).toEqual(['queued', 'in_progress', 'requires_action']);
    expect(message(() => checkCancellable(wireRun({ status: 'cancelling' })))).toBe("Cannot cancel run with status 'cancelling'.");
  });

  it('a named tool choice must name one of the tools; required needs one', () => {
    expect(() => checkToolChoice([WEATHER], { type: 'function', function: { name: 'get_weather' } })).not.toThrow();
    expect(message(() => checkToolChoice([WEATHER], { type: 'function', function: { name: 'other' } }))).toBe("Invalid 'tool_choice': the function 'other' is not one of the run's tools.");
    expect(message(() => checkToolChoice([], 'required'))).toBe("Invalid 'tool_choice': 'required' needs at least one tool on the run or its assistant.");
    expect(message(() => checkToolChoice([WEATHER], { type: 'file_search' }))).toBe("Invalid 'tool_choice': the tool 'file_search' is not one of the run's tools.");
  });

  it('a run takes its settings from the request, else from its assistant, else the defaults', () => {
    const assistant = { id: 'asst_1', model: 'gpt-4o', instructions: 'Be brief.', tools: [WEATHER], temperature: 0.5, top_p: null, response_format: null } as unknown as Assistant;
    expect(runSettings(assistant, { assistant_id: 'asst_1', temperature: null, top_p: null })).toEqual({
      model: 'gpt-4o',
      instructions: 'Be brief.',
      tools: [WEATHER],
      metadata: {},
      temperature: 0.5,
      top_p: 1,
      max_prompt_tokens: null,
      max_completion_tokens: null,
      truncation_strategy: { type: 'auto', last_messages: null },
      tool_choice: 'auto',
      parallel_tool_calls: true,
      response_format: 'auto',
      reasoning_effort: null,
    });
    expect(runSettings(assistant, { assistant_id: 'asst_1', model: 'gpt-4o-mini', additional_instructions: 'In French.', tools: [], temperature: null, top_p: null })).toMatchObject({ model: 'gpt-4o-mini', instructions: 'Be brief.\n\nIn French.', tools: [] });
  });

  it('streams end after a run ends or waits for outputs; expiry is whole seconds', () => {
    expect(['thread.run.completed', 'thread.run.requires_action', 'thread.run.expired'].every(isFinalEvent)).toBe(true);
    expect(isFinalEvent('thread.run.cancelling')).toBe(false);
    expect([expirySeconds(120), expirySeconds(1_500), expirySeconds(600_000)]).toEqual([1, 2, 600]);
  });
});

describe('clocks', () => {
  it('the manual clock fires due timers in time order, also those armed on the way, and not cancelled ones', () => {
    const clock = new ManualClock(1_000);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('b@30'), 30);
    const cancelled = clock.setTimeout(() => fired.push('never'), 10);
    clock.setTimeout(() => {
      fired.push('a@20');
      clock.setTimeout(() => fired.push('c@25'), 5);
    }, 20);
    clock.clearTimeout(cancelled);
    clock.advance(25);
    expect(fired).toEqual(['a@20', 'c@25']);
    expect(clock.now()).toBe(1_025);
    clock.advance(5);
    expect(fired).toEqual(['a@20', 'c@25', 'b@30']);
    expect(clock.timers).toBe(0);
    expect(nowSeconds(clock)).toBe(1);
  });

  it('the real clock is Date.now and unref-ed timers', async () => {
    expect(Math.abs(realClock.now() - Date.now())).toBeLessThan(50);
    const fired = await new Promise<boolean>((resolve) => realClock.setTimeout(() => resolve(true), 1));
    expect(fired).toBe(true);
  });
});

describe('EventChannel', () => {
  it('delivers pushed events in order, then the end', async () => {
    const channel = new EventChannel<number>();
    channel.push(1);
    const pending = channel.next();
    channel.push(2);
    channel.push(3);
    channel.end();
    channel.push(4);
    const seen = [(await pending).value];
    for await (const value of channel) seen.push(value);
    expect(seen).toEqual([1, 2, 3]);
  });

  it('return() ends a pending read at once and detaches once', async () => {
    let detached = 0;
    const channel = new EventChannel<number>(() => (detached += 1));
    const pending = channel.next();
    await channel.return();
    expect(await pending).toEqual({ value: undefined, done: true });
    channel.end();
    expect(detached).toBe(1);
  });
});
