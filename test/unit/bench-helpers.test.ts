import { describe, expect, it } from 'vitest';
import { metricValue } from '../../bench/lib/prometheus.js';
import { percentile, summary } from '../../bench/lib/stats.js';

describe('bench helpers', () => {
  it('percentile is the nearest rank of a sorted copy, NaN when empty', () => {
    const values = [9, 1, 5, 3, 7];
    expect(percentile(values, 50)).toBe(5);
    expect(percentile(values, 100)).toBe(9);
    expect(percentile(values, 1)).toBe(1);
    expect(values).toEqual([9, 1, 5, 3, 7]);
    expect(percentile([], 50)).toBeNaN();
    expect(summary([2, 4, 6, 8])).toEqual({ n: 4, p50: 4, p90: 8, p99: 8, max: 8 });
  });

  it('metricValue reads one sample by name and labels, summing the matches', () => {
    const text = [
      '# HELP gateway_upstream_shed_total shed',
      '# TYPE gateway_upstream_shed_total counter',
      'gateway_upstream_shed_total{reason="queue_full"} 12',
      'gateway_upstream_shed_total{reason="deadline"} 3',
      'gateway_upstream_in_flight 16',
      'gateway_upstream_in_flight_other 99',
      'gateway_http_connections_refused_total{limit="address",note="a \\"quoted\\" one"} 7',
    ].join('\n');
    expect(metricValue(text, 'gateway_upstream_shed_total', { reason: 'deadline' })).toBe(3);
    expect(metricValue(text, 'gateway_upstream_shed_total')).toBe(15);
    expect(metricValue(text, 'gateway_upstream_in_flight')).toBe(16);
    expect(metricValue(text, 'gateway_http_connections_refused_total', { limit: 'address' })).toBe(7);
    expect(metricValue(text, 'gateway_http_connections_refused_total', { limit: 'total' })).toBeUndefined();
    expect(metricValue(text, 'missing')).toBeUndefined();
  });
});
