import { describe, expect, it } from 'vitest';
import { Lru } from '../../src/collections/lru.js';

describe('Lru', () => {
  it('keeps at most its bound, the least recently used leaving first', () => {
    const lru = new Lru<string, number>(2);
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
    const lru = new Lru<string, number>(2);
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

  it('tells who leaves, with its value, and takes object keys (the compiled queries are keyed by their entry)', () => {
    const left: Array<[object, string]> = [];
    const [a, b, c] = [{}, {}, {}];
    const lru = new Lru<object, string>(2, (key, value) => left.push([key, value]));
    lru.set(a, 'a');
    lru.set(b, 'b');
    lru.get(a);
    lru.set(c, 'c');
    expect(left).toEqual([[b, 'b']]);
    expect(lru.get(b)).toBeUndefined();
    expect([lru.get(a), lru.get(c), lru.size]).toEqual(['a', 'c', 2]);
  });

  it('a bound of one keeps the newest and evicts the one before it, also when it was the newest', () => {
    const left: string[] = [];
    const lru = new Lru<string, number>(1, (key) => left.push(key));
    lru.set('a', 1);
    lru.get('a');
    lru.set('b', 2);
    expect(left).toEqual(['a']);
    expect(lru.get('a')).toBeUndefined();
    lru.get('b');
    lru.set('a', 3);
    expect(left).toEqual(['a', 'b']);
    expect(lru.get('a')).toBe(3);
  });
});
