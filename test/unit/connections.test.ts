import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { addressKey, httpServerOptions, refusalOf } from '../../src/server/connections.js';

describe('connection limits', () => {
  const limits = { maxConnections: 10, maxConnectionsPerAddress: 3 };

  it('refuses past the total first, then past the per-address cap; 0 turns a cap off', () => {
    expect(refusalOf({ total: 9, fromAddress: 2 }, limits)).toBeUndefined();
    expect(refusalOf({ total: 9, fromAddress: 3 }, limits)).toBe('address');
    expect(refusalOf({ total: 10, fromAddress: 0 }, limits)).toBe('total');
    expect(refusalOf({ total: 10_000, fromAddress: 10_000 }, { maxConnections: 0, maxConnectionsPerAddress: 0 })).toBeUndefined();
  });

  it('counts an IPv4 client seen through a dual-stack socket as its IPv4 address', () => {
    expect(addressKey('::ffff:10.0.0.7')).toBe('10.0.0.7');
    expect(addressKey('10.0.0.7')).toBe('10.0.0.7');
    expect(addressKey('2001:db8::1')).toBe('2001:db8::1');
  });

  it('defaults to bounds trusted servers use, checked often enough to hold them', () => {
    const { http } = loadConfig({});
    expect(http).toEqual({ headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5_000, maxConnections: 10_000, maxConnectionsPerAddress: 1_000 });
    expect(httpServerOptions(http)).toEqual({ headersTimeout: 10_000, requestTimeout: 30_000, keepAliveTimeout: 5_000, connectionsCheckingInterval: 1_000 });
    expect(httpServerOptions({ ...http, headersTimeoutMs: 300 }).connectionsCheckingInterval).toBe(30);
  });

  it('refuses a header timeout longer than the request timeout', () => {
    expect(() => loadConfig({ HTTP_HEADERS_TIMEOUT_MS: '40000' })).toThrow(/HTTP_HEADERS_TIMEOUT_MS=40000 is longer than HTTP_REQUEST_TIMEOUT_MS=30000/);
  });
});
