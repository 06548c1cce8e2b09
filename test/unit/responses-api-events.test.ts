import { describe, expect, it } from 'vitest';
import { EventLog, type StreamEvent } from '../../src/responses-api/events.js';

describe('EventLog', () => {
  it('numbers events from 0 in order and copies their payloads', () => {
    const log = new EventLog();
    const payload = { status: 'queued' };
    const first = log.append({ type: 'response.created', response: payload });
    payload.status = 'in_progress';
    const second = log.append({ type: 'response.in_progress', response: payload });
    expect([first.sequence_number, second.sequence_number]).toEqual([0, 1]);
    expect((first['response'] as { status: string }).status).toBe('queued');
  });

  it('a follower that starts after N gets N+1… from the log, then the live ones, each exactly once', () => {
    const log = new EventLog();
    for (let i = 0; i < 5; i += 1) log.append({ type: 'e' });
    const seen: number[] = [];
    let ended = false;
    log.follow(2, { onEvent: (event: StreamEvent) => seen.push(event.sequence_number), onEnd: () => (ended = true) });
    expect(seen).toEqual([3, 4]);
    log.append({ type: 'e' });
    log.append({ type: 'e' });
    log.end();
    expect(seen).toEqual([3, 4, 5, 6]);
    expect(ended).toBe(true);
  });

  it('following an ended log replays the rest and ends at once; -1 means from the start', () => {
    const log = new EventLog();
    log.append({ type: 'a' });
    log.append({ type: 'b' });
    log.end();
    const seen: string[] = [];
    let ended = 0;
    log.follow(-1, { onEvent: (event) => seen.push(event.type), onEnd: () => (ended += 1) });
    expect(seen).toEqual(['a', 'b']);
    expect(ended).toBe(1);
    const none: number[] = [];
    log.follow(1, { onEvent: (event) => none.push(event.sequence_number), onEnd: () => (ended += 1) });
    expect(none).toEqual([]);
    expect(ended).toBe(2);
    expect(() => log.append({ type: 'late' })).toThrow(/after the end/);
  });

  it('a follower that stops gets nothing more', () => {
    const log = new EventLog();
    const seen: number[] = [];
    const stop = log.follow(-1, { onEvent: (event) => seen.push(event.sequence_number), onEnd: () => undefined });
    log.append({ type: 'a' });
    stop();
    log.append({ type: 'b' });
    expect(seen).toEqual([0]);
  });
});
