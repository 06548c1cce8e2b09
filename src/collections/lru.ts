/**
 * A bounded map in insertion order: a hit moves to the end, and past `max` the least recently used leaves (told to
 * `onEvict`). A hit of the entry that is already the newest is not moved: a delete and a set on every hit of the same
 * key would rehash the map's table every few hits, each new table of a long-lived map allocated in the old generation.
 */
export class Lru<K, V> {
  readonly #map = new Map<K, V>();
  #newest: K | undefined;

  constructor(
    private readonly max: number,
    private readonly onEvict?: (key: K, value: V) => void,
  ) {}

  get(key: K): V | undefined {
    const value = this.#map.get(key);
    if (value !== undefined && key !== this.#newest) {
      this.#map.delete(key);
      this.#map.set(key, value);
      this.#newest = key;
    }
    return value;
  }

  set(key: K, value: V): void {
    this.#map.delete(key);
    this.#map.set(key, value);
    this.#newest = key;
    if (this.#map.size <= this.max) return;
    const [oldestKey, oldest] = this.#map.entries().next().value as [K, V];
    this.#map.delete(oldestKey);
    if (oldestKey === this.#newest) this.#newest = undefined;
    this.onEvict?.(oldestKey, oldest);
  }

  get size(): number {
    return this.#map.size;
  }
}
