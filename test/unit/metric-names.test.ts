import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createMetrics } from '../../src/observability/metrics.js';

const names = async (metrics: ReturnType<typeof createMetrics>) => (await metrics.registry.getMetricsAsJSON()).map((metric) => metric.name);

describe('metric names', () => {
  it("process and Node.js metrics carry one prefix: gateway_process_…, gateway_nodejs_…, never a doubled one", async () => {
    const served = await names(createMetrics());
    expect(served).toContain('gateway_process_cpu_user_seconds_total');
    expect(served).toContain('gateway_process_resident_memory_bytes');
    expect(served).toContain('gateway_nodejs_heap_size_used_bytes');
    expect(served).toContain('gateway_nodejs_eventloop_lag_seconds');
    expect(served).toContain('gateway_upstream_requests_total');
    expect(served.filter((name) => name.startsWith('gateway_process_process_') || name.startsWith('gateway_process_nodejs_'))).toEqual([]);
    // Every name is gateway_ once.
    expect(served.filter((name) => !name.startsWith('gateway_') || name.startsWith('gateway_gateway_'))).toEqual([]);
  });

  it("wave 1's names are still served beside the new ones while METRICS_LEGACY_NAMES is on (the default this release)", async () => {
    const served = await names(createMetrics({ legacyNames: loadConfig({}).metricsLegacyNames }));
    expect(served).toContain('gateway_process_cpu_user_seconds_total');
    expect(served).toContain('gateway_process_process_cpu_user_seconds_total');
    expect(served).toContain('gateway_process_nodejs_heap_size_used_bytes');
    expect(served).toContain('gateway_nodejs_heap_size_used_bytes');
    expect(loadConfig({ METRICS_LEGACY_NAMES: 'false' }).metricsLegacyNames).toBe(false);
  });
});
