import { describe, expect, it } from 'vitest';
import { Lru } from '../../src/server/direct-execution.js';

describe('the direct path\'s table of documents (Lru)', () => {
  it('keeps at most its bound, the least recently used leaving first', () => {
    const lru = new Lru<number>(2);
    lru.set('a', 1);
    lru.set('b', 2);
    expect(lru.get('a')).toBe(1);
    lru.set('c', 3);
    expect(lru.get('b')).toBeUndefined();
    expect(lru.get('a')).toBe(1);
    expect(lru.get('c')).toBe(3);
    expect(lru.size).toBe(2);
  });

  it('a hit of the newest keeps the order, a hit of another moves it to the end', () => {
    const lru = new Lru<number>(2);
    lru.set('a', 1);
    lru.set('b', 2);
    expect(lru.get('b')).toBe(2);
    expect(lru.get('b')).toBe(2);
    lru.set('c', 3);
    expect(lru.get('a')).toBeUndefined();
    expect(lru.get('b')).toBe(2);
    // 'b' is the newest now: setting 'd' evicts 'c'.
    lru.set('d', 4);
    expect(lru.get('c')).toBeUndefined();
    expect(lru.get('b')).toBe(2);
    lru.set('b', 5);
    lru.set('e', 6);
    expect(lru.get('d')).toBeUndefined();
    expect(lru.get('b')).toBe(5);
  });
});
