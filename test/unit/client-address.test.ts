import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { clientAddressOf, createClientAddressResolver, forwardedFor, rememberClientAddress, trustProxySchema, type TrustProxy } from '../../src/security/client-address.js';

const request = (peer: string, headers: Record<string, string> = {}) => ({ headers, socket: { remoteAddress: peer } });
const trust = (value: string): TrustProxy => trustProxySchema.parse(value);
const resolver = (value: string, header: 'x-forwarded-for' | 'forwarded' = 'x-forwarded-for') => createClientAddressResolver({ trustProxy: trust(value), header });

describe('TRUST_PROXY: the client address', () => {
  it('trusts nobody by default: the TCP peer, whatever the headers say', () => {
    const address = resolver('');
    expect(address(request('203.0.113.9', { 'x-forwarded-for': '1.2.3.4' }))).toBe('203.0.113.9');
    expect(address(request('::ffff:203.0.113.9', { forwarded: 'for=1.2.3.4' }))).toBe('203.0.113.9');
    expect(loadConfig({}).security.trustProxy).toEqual({ kind: 'none' });
  });

  it('a hop count trusts that many proxies from the peer inwards, then takes the next address', () => {
    const one = resolver('1');
    expect(one(request('10.0.0.5', { 'x-forwarded-for': 'spoofed, 198.51.100.7' }))).toBe('198.51.100.7');
    expect(one(request('10.0.0.5'))).toBe('10.0.0.5');
    const two = resolver('2');
    expect(two(request('10.0.0.5', { 'x-forwarded-for': '198.51.100.7, 10.0.0.9' }))).toBe('198.51.100.7');
    // A chain shorter than the hops: its first address.
    expect(two(request('10.0.0.5', { 'x-forwarded-for': '198.51.100.7' }))).toBe('198.51.100.7');
  });

  it('networks: only a peer inside them is believed, and the chain is read from the right while each hop is trusted', () => {
    const address = resolver('10.0.0.0/8, 2001:db8::/32');
    // A trusted proxy forwards the client (and what the client claimed is left of it, never read).
    expect(address(request('10.1.2.3', { 'x-forwarded-for': '6.6.6.6, 198.51.100.7' }))).toBe('198.51.100.7');
    // Two trusted proxies in a row.
    expect(address(request('10.1.2.3', { 'x-forwarded-for': '198.51.100.7, 10.9.9.9' }))).toBe('198.51.100.7');
    // IPv6 proxy and client; a dual-stack peer.
    expect(address(request('2001:db8::1', { 'x-forwarded-for': '2001:db9::42' }))).toBe('2001:db9::42');
    expect(address(request('::ffff:10.0.0.1', { 'x-forwarded-for': '198.51.100.7' }))).toBe('198.51.100.7');
    // An untrusted peer's header changes nothing.
    expect(address(request('198.51.100.99', { 'x-forwarded-for': '10.0.0.1, 1.2.3.4' }))).toBe('198.51.100.99');
  });

  it('loopback, private and linklocal name their networks; single addresses count as /32 and /128', () => {
    expect(resolver('loopback')(request('127.0.0.1', { 'x-forwarded-for': '198.51.100.7' }))).toBe('198.51.100.7');
    expect(resolver('loopback')(request('::1', { 'x-forwarded-for': '198.51.100.7' }))).toBe('198.51.100.7');
    expect(resolver('private')(request('192.168.1.1', { 'x-forwarded-for': '198.51.100.7' }))).toBe('198.51.100.7');
    expect(resolver('192.0.2.1')(request('192.0.2.1', { 'x-forwarded-for': '198.51.100.7' }))).toBe('198.51.100.7');
    expect(resolver('192.0.2.1')(request('192.0.2.2', { 'x-forwarded-for': '198.51.100.7' }))).toBe('192.0.2.2');
  });

  it('reads RFC 7239 Forwarded when told to: quoted IPv6 with port, IPv4 with port, other parameters', () => {
    expect(forwardedFor('for=192.0.2.60;proto=http;by=203.0.113.43, for="[2001:db8:cafe::17]:4711", For="198.51.100.1:80"')).toEqual([
      '192.0.2.60',
      '2001:db8:cafe::17',
      '198.51.100.1',
    ]);
    const address = resolver('loopback', 'forwarded');
    expect(address(request('127.0.0.1', { forwarded: 'for="[2001:db8:cafe::17]:4711";proto=https' }))).toBe('2001:db8:cafe::17');
    // The header not configured is not read.
    expect(address(request('127.0.0.1', { 'x-forwarded-for': '198.51.100.7' }))).toBe('127.0.0.1');
  });

  it('refuses a value that is neither a count nor networks, naming it', () => {
    expect(() => loadConfig({ TRUST_PROXY: '10.0.0.0/33' })).toThrow(ConfigError);
    expect(() => loadConfig({ TRUST_PROXY: 'proxy.example' })).toThrow(/"proxy\.example" is not a hop count/);
    expect(loadConfig({ TRUST_PROXY: '2' }).security.trustProxy).toEqual({ kind: 'hops', hops: 2 });
    expect(() => loadConfig({ TRUST_PROXY_HEADER: 'x-real-ip' })).toThrow(ConfigError);
  });
});

describe('the client address remembered per request', () => {
  it('is the one remembered as the request arrived, else the TCP peer (IPv4 seen through a dual-stack socket unwrapped)', () => {
    const remembered = request('::ffff:127.0.0.1');
    rememberClientAddress(remembered, '198.51.100.7');
    expect(clientAddressOf(remembered)).toBe('198.51.100.7');
    expect(clientAddressOf(request('::ffff:127.0.0.1'))).toBe('127.0.0.1');
    expect(clientAddressOf({ headers: {} })).toBe('unknown');
    expect(clientAddressOf(undefined)).toBe('unknown');
  });
});
