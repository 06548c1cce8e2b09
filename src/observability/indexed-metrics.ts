import { Counter, Histogram, type CounterConfiguration, type HistogramConfiguration, type LabelValues } from 'prom-client';

/**
 * prom-client counters and histograms whose label sets are looked up by value, not hashed per sample.
 *
 * prom-client turns the labels of every `inc`/`observe` into a string (`type:query,name:run,`), checks every key
 * against the label names and looks the string up in a dictionary: a few hundred nanoseconds per sample, four to six
 * samples per request. Here each label set is found once through prom-client itself (same validation, same stored
 * entry), then remembered in nested maps keyed by the label values, and later samples add to that entry directly.
 * Anything unusual (extra or missing labels, a value prom-client would refuse, an entry reset or removed since) goes
 * through prom-client's own path, so what is exported, and what throws, is exactly what prom-client alone would do.
 */

/** prom-client's stored values of one label set (lib/counter.js, lib/histogram.js of prom-client 15). */
interface CounterEntry {
  value: number;
}
interface HistogramEntry {
  sum: number;
  count: number;
  bucketValues: Record<string, number>;
}
/** What prom-client keeps on every metric, which its typings leave out. */
interface MetricInternals<Entry> {
  hashMap: Record<string, Entry | undefined>;
}

/** A label set remembered: prom-client's key for it and the entry it found under that key. */
interface Slot<Entry> {
  key: string;
  entry: Entry;
}

/** Label sets remembered per metric; past this, new ones go through prom-client each time (names are capped upstream of here). */
const MAX_SLOTS = 4096;

class LabelIndex<Entry> {
  readonly #names: readonly string[];
  /** prom-client's key order (lib/metric.js sorts the names). */
  readonly #sortedNames: readonly string[];
  readonly #root = new Map<unknown, unknown>();
  #slots = 0;

  constructor(labelNames: readonly string[]) {
    this.#names = labelNames;
    this.#sortedNames = [...labelNames].sort();
  }

  /** The slot of `labels` when it names exactly the metric's labels, each once, and was remembered. */
  find(labels: Record<string, unknown>): Slot<Entry> | undefined {
    const names = this.#names;
    let level: Map<unknown, unknown> | undefined = this.#root;
    for (let i = 0; i < names.length; i++) {
      const value = labels[names[i]!];
      if (value === undefined) return undefined;
      level = level.get(value) as Map<unknown, unknown> | undefined;
      if (level === undefined) return undefined;
    }
    // Every name had a value; a key beyond them is an unknown label, which prom-client refuses.
    let keys = 0;
    for (const _name in labels) keys += 1;
    if (keys !== names.length) return undefined;
    return level as unknown as Slot<Entry>;
  }

  /** Remembers where prom-client keeps `labels` (after a sample went through prom-client's own path). */
  remember(labels: Record<string, unknown>, hashMap: Record<string, Entry | undefined>): void {
    if (this.#slots >= MAX_SLOTS) return;
    const names = this.#names;
    let key = '';
    for (const name of this.#sortedNames) {
      const value = labels[name];
      if (value === undefined) return;
      key += `${name}:${String(value)},`;
    }
    const entry = hashMap[key];
    if (entry === undefined) return;
    let level = this.#root;
    for (let i = 0; i < names.length - 1; i++) {
      const value = labels[names[i]!];
      let next = level.get(value) as Map<unknown, unknown> | undefined;
      if (next === undefined) level.set(value, (next = new Map()));
      level = next;
    }
    const last = labels[names[names.length - 1]!];
    // A slot found stale (its entry reset, removed or zeroed since) is pointed at the new entry.
    if (!level.has(last)) this.#slots += 1;
    level.set(last, { key, entry } satisfies Slot<Entry>);
  }
}

const isLabels = (labels: unknown): labels is Record<string, unknown> => typeof labels === 'object' && labels !== null;

export class IndexedCounter<T extends string> extends Counter<T> {
  constructor(configuration: CounterConfiguration<T>) {
    super(configuration);
    const names = configuration.labelNames ?? [];
    if (names.length === 0 || configuration.enableExemplars) return;
    const index = new LabelIndex<CounterEntry>(names);
    const internals = this as unknown as MetricInternals<CounterEntry>;
    // prom-client sets `inc` on the instance (with or without exemplars), so it is replaced there.
    const slowInc = (this as unknown as { inc: (labels?: unknown, value?: number) => unknown }).inc.bind(this);
    (this as unknown as { inc: (labels?: unknown, value?: number) => void }).inc = (labels?: unknown, value?: number): void => {
      if (!isLabels(labels)) {
        slowInc(labels, value);
        return;
      }
      const amount = value ?? 1;
      if (amount >= 0 && amount < Number.POSITIVE_INFINITY) {
        const slot = index.find(labels);
        if (slot !== undefined && internals.hashMap[slot.key] === slot.entry) {
          slot.entry.value += amount;
          return;
        }
      }
      slowInc(labels, value);
      index.remember(labels, internals.hashMap);
    };
  }
}

export class IndexedHistogram<T extends string> extends Histogram<T> {
  constructor(configuration: HistogramConfiguration<T>) {
    super(configuration);
    const names = configuration.labelNames ?? [];
    if (names.length === 0 || configuration.enableExemplars) return;
    const index = new LabelIndex<HistogramEntry>(names);
    const internals = this as unknown as MetricInternals<HistogramEntry> & { upperBounds: readonly number[] };
    const upperBounds = internals.upperBounds;
    // The bucket keys as prom-client writes them (numbers turned into property names), made once.
    const bucketKeys = upperBounds.map(String);
    // prom-client sets `observe` on the instance; `startTimer` calls it, so timers take this path too.
    const slowObserve = (this as unknown as { observe: (labels: unknown, value?: number) => unknown }).observe.bind(this);
    (this as unknown as { observe: (labels: unknown, value?: number) => void }).observe = (labels: unknown, value?: number): void => {
      if (isLabels(labels) && typeof value === 'number' && Number.isFinite(value)) {
        const slot = index.find(labels);
        if (slot !== undefined && internals.hashMap[slot.key] === slot.entry) {
          const entry = slot.entry;
          entry.sum += value;
          entry.count += 1;
          for (let i = 0; i < upperBounds.length; i++) {
            if (value <= upperBounds[i]!) {
              entry.bucketValues[bucketKeys[i]!]! += 1;
              break;
            }
          }
          return;
        }
      }
      slowObserve(labels, value);
      if (isLabels(labels)) index.remember(labels, internals.hashMap);
    };
  }
}

export type { LabelValues };
