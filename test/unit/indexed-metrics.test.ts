import { Counter, Histogram, Registry } from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { IndexedCounter, IndexedHistogram } from '../../src/observability/indexed-metrics.js';

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 1, 10];

/** A plain prom-client metric and an indexed one fed the same samples, each in its own registry. */
function pair() {
  const plain = new Registry();
  const indexed = new Registry();
  const counterConfig = { name: 'ops_total', help: 'ops', labelNames: ['type', 'name', 'outcome'] as const };
  const histogramConfig = { name: 'op_seconds', help: 'op', labelNames: ['type'] as const, buckets: BUCKETS };
  return {
    plain,
    indexed,
    counters: [new Counter({ ...counterConfig, registers: [plain] }), new IndexedCounter({ ...counterConfig, registers: [indexed] })] as const,
    histograms: [new Histogram({ ...histogramConfig, registers: [plain] }), new IndexedHistogram({ ...histogramConfig, registers: [indexed] })] as const,
  };
}

const prototypeOf = (metric: typeof Counter | typeof Histogram) => metric.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;

afterEach(() => {
  vi.restoreAllMocks();
});

describe('indexed prom-client metrics', () => {
  it('export exactly what prom-client alone exports for the same samples (repeats, numbers as label values, values, reset, remove)', async () => {
    const { plain, indexed, counters, histograms } = pair();
    for (const counter of counters) {
      for (let i = 0; i < 5; i++) counter.inc({ type: 'query', name: 'run', outcome: 'ok' });
      counter.inc({ type: 'query', name: 'run', outcome: 'error' }, 2);
      counter.inc({ type: 'mutation', name: 'createRun', outcome: 'ok' }, 0);
      counter.inc({ outcome: 'ok', name: 'run', type: 'query' }, 0.5);
      counter.inc({ type: 'query', name: 200 as unknown as string, outcome: 'ok' });
      counter.inc({ type: 'query', name: '200', outcome: 'ok' });
      counter.inc({ type: 'query', outcome: 'ok' });
      counter.inc({ type: 'query', outcome: 'ok' });
      counter.remove({ type: 'query', name: 'run', outcome: 'error' });
      counter.inc({ type: 'query', name: 'run', outcome: 'error' });
    }
    for (const histogram of histograms) {
      for (const seconds of [0.001, 0.005, 0.0051, 0.2, 9.99, 10, 11, 0]) histogram.observe({ type: 'query' }, seconds);
      histogram.observe({ type: 'mutation' }, 0.03);
      histogram.startTimer({ type: 'subscription' })();
      histogram.zero({ type: 'mutation' });
      histogram.observe({ type: 'mutation' }, 0.07);
      histogram.observe({ type: 'mutation' }, 0.07);
    }
    const timerSum = async (registry: Registry) => {
      const values = (await registry.getMetricsAsJSON()).find((metric) => metric.name === 'op_seconds')!.values as Array<{ metricName?: string; labels: Record<string, unknown>; value: number }>;
      return values.find((value) => value.metricName === 'op_seconds_sum' && value.labels['type'] === 'subscription')!.value;
    };
    // The timers measured different (tiny) durations: the rest must be identical.
    const text = async (registry: Registry) => (await registry.metrics()).replace(/^op_seconds_sum\{type="subscription"\} .*$/m, 'op_seconds_sum{type="subscription"} T');
    expect(await timerSum(indexed)).toBeGreaterThanOrEqual(0);
    expect(await text(indexed)).toBe(await text(plain));

    for (const counter of counters) counter.reset();
    for (const histogram of histograms) histogram.reset();
    for (const counter of counters) counter.inc({ type: 'query', name: 'run', outcome: 'ok' }, 3);
    for (const histogram of histograms) histogram.observe({ type: 'query' }, 0.02);
    expect(await indexed.metrics()).toBe(await plain.metrics());
  });

  it('refuse what prom-client refuses, with its errors', () => {
    const { counters, histograms } = pair();
    const [plainCounter, indexedCounter] = counters;
    const [plainHistogram, indexedHistogram] = histograms;
    for (const counter of [plainCounter, indexedCounter]) counter.inc({ type: 'query', name: 'run', outcome: 'ok' });
    for (const histogram of [plainHistogram, indexedHistogram]) histogram.observe({ type: 'query' }, 1);
    const errorOf = (work: () => void) => {
      try {
        work();
        return undefined;
      } catch (error) {
        return (error as Error).message;
      }
    };
    const labelled = { type: 'query', name: 'run', outcome: 'ok' };
    expect(errorOf(() => indexedCounter.inc(labelled, -1))).toBe(errorOf(() => plainCounter.inc(labelled, -1)));
    expect(errorOf(() => indexedCounter.inc(labelled, Number.POSITIVE_INFINITY))).toBe(errorOf(() => plainCounter.inc(labelled, Number.POSITIVE_INFINITY)));
    const extra = { ...labelled, tenant: 'x' } as typeof labelled;
    expect(errorOf(() => indexedCounter.inc(extra))).toBe(errorOf(() => plainCounter.inc(extra)));
    expect(errorOf(() => indexedCounter.inc(extra))).toMatch(/tenant/);
    expect(errorOf(() => indexedHistogram.observe({ type: 'query' }, Number.NaN))).toBe(errorOf(() => plainHistogram.observe({ type: 'query' }, Number.NaN)));
    expect(errorOf(() => indexedHistogram.observe({ type: 'query' }, Number.NaN))).toMatch(/not a valid number/);
    const extraType = { type: 'query', tenant: 'x' } as { type: string };
    expect(errorOf(() => indexedHistogram.observe(extraType, 1))).toMatch(/tenant/);
  });

  it("go through prom-client's own path once per label set, then add to its entry directly", async () => {
    const counterPath = vi.spyOn(prototypeOf(Counter), 'incWithoutExemplar');
    const histogramPath = vi.spyOn(prototypeOf(Histogram), 'observeWithoutExemplar');
    const registry = new Registry();
    const counter = new IndexedCounter({ name: 'ops_total', help: 'ops', labelNames: ['type', 'outcome'], registers: [registry] });
    const histogram = new IndexedHistogram({ name: 'op_seconds', help: 'op', labelNames: ['type'], buckets: BUCKETS, registers: [registry] });
    for (let i = 0; i < 100; i++) {
      counter.inc({ type: 'query', outcome: 'ok' });
      counter.inc({ type: 'query', outcome: 'error' });
      histogram.observe({ type: 'query' }, 0.02);
    }
    expect(counterPath).toHaveBeenCalledTimes(2);
    expect(histogramPath).toHaveBeenCalledTimes(1);
    const values = (await counter.get()).values.map((value) => [value.labels['outcome'], value.value]);
    expect(values).toEqual([
      ['ok', 100],
      ['error', 100],
    ]);
    const histogramValues = (await histogram.get()).values as Array<{ metricName?: string; labels: Record<string, unknown>; value: number }>;
    expect(histogramValues.find((value) => value.metricName === 'op_seconds_count')?.value).toBe(100);
    expect(histogramValues.find((value) => value.labels['le'] === 0.025)?.value).toBe(100);
    expect(histogramValues.find((value) => value.labels['le'] === 0.01)?.value).toBe(0);
  });
});
