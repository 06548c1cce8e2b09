import type { IncomingHttpHeaders } from 'node:http';
import { BlockList, isIP } from 'node:net';
import { z } from 'zod';

/**
 * Which peers may say who the client is (`TRUST_PROXY`): nobody (the default: the client is the TCP peer), the
 * nearest `hops` proxies whatever their address, or peers inside the listed networks.
 */
export type TrustProxy = { kind: 'none' } | { kind: 'hops'; hops: number } | { kind: 'networks'; networks: readonly string[] };

/** Which header a trusted proxy writes the chain of addresses into. */
export type ForwardedHeader = 'x-forwarded-for' | 'forwarded';

const NETWORK_NAMES: Record<string, readonly string[]> = {
  loopback: ['127.0.0.0/8', '::1/128'],
  private: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
};

/** `TRUST_PROXY`: empty or `false` (none), a hop count, or a comma list of addresses, CIDRs and `loopback`/`private`/`linklocal`. */
export const trustProxySchema = z.string().transform((value, ctx): TrustProxy => {
  const text = value.trim().toLowerCase();
  if (text === '' || text === 'false' || text === '0') return { kind: 'none' };
  if (/^\d+$/.test(text)) return { kind: 'hops', hops: Number(text) };
  const networks: string[] = [];
  for (const item of text.split(',').map((part) => part.trim()).filter((part) => part !== '')) {
    const named = NETWORK_NAMES[item];
    if (named) {
      networks.push(...named);
      continue;
    }
    if (parseNetwork(item) === undefined) {
      ctx.addIssue({ code: 'custom', message: `"${item}" is not a hop count, an IPv4/IPv6 address or CIDR, nor loopback, private or linklocal` });
      return z.NEVER;
    }
    networks.push(item);
  }
  return { kind: 'networks', networks };
});

function parseNetwork(text: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | undefined {
  const [address = '', prefixText, extra] = text.split('/');
  const version = isIP(address);
  if (version === 0 || extra !== undefined) return undefined;
  const bits = version === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? bits : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!(prefix >= 0 && prefix <= bits)) return undefined;
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/** An IPv4 peer seen through a dual-stack socket (`::ffff:1.2.3.4`) is `1.2.3.4`. */
export function plainAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/**
 * The addresses of a `Forwarded` header (RFC 7239) in order, client first: each element's `for=` (quoted IPv6 in
 * brackets, an optional port); an obfuscated or `unknown` one stands as it is, so that it is never taken for a proxy.
 */
export function forwardedFor(header: string): string[] {
  const addresses: string[] = [];
  for (const element of header.split(',')) {
    const pair = element.split(';').map((part) => part.trim()).find((part) => part.toLowerCase().startsWith('for='));
    if (pair === undefined) continue;
    let node = pair.slice(4).trim().replace(/^"(.*)"$/, '$1');
    if (node.startsWith('[')) node = node.slice(1, node.indexOf(']') > 0 ? node.indexOf(']') : undefined);
    else if (/^[\d.]+:\d+$/.test(node)) node = node.slice(0, node.indexOf(':'));
    addresses.push(node);
  }
  return addresses;
}

function headerChain(headers: IncomingHttpHeaders, header: ForwardedHeader): string[] {
  const value = headers[header];
  const text = Array.isArray(value) ? value.join(',') : value;
  if (!text) return [];
  if (header === 'forwarded') return forwardedFor(text);
  return text.split(',').map((part) => part.trim()).filter((part) => part !== '');
}

/** The longest IPv6 text with a zone is under this. */
const MAX_ADDRESS_LENGTH = 64;

export interface ClientAddressOptions {
  trustProxy: TrustProxy;
  header: ForwardedHeader;
}

/** What the resolver reads: the request's headers and its TCP peer. */
export interface PeerRequest {
  headers: IncomingHttpHeaders;
  socket?: { remoteAddress?: string | undefined } | undefined;
}

/**
 * The client's address of a request. The TCP peer, unless it is a trusted proxy: then the address it forwarded, and
 * so on from the right of the chain while each hop is trusted (as Express's proxy-addr). The first address not
 * trusted is the client; what an untrusted peer writes in the header is never read, so it cannot pick its bucket.
 */
export function createClientAddressResolver(options: ClientAddressOptions): (request: PeerRequest) => string {
  const { trustProxy, header } = options;
  if (trustProxy.kind === 'none') return (request) => plainAddress(request.socket?.remoteAddress ?? 'unknown');
  let trusted: (address: string, hop: number) => boolean;
  if (trustProxy.kind === 'hops') {
    trusted = (_address, hop) => hop < trustProxy.hops;
  } else {
    const list = new BlockList();
    for (const network of trustProxy.networks) {
      const parsed = parseNetwork(network)!;
      list.addSubnet(parsed.address, parsed.prefix, parsed.family);
    }
    trusted = (address) => {
      const version = isIP(address);
      return version !== 0 && list.check(address, version === 4 ? 'ipv4' : 'ipv6');
    };
  }
  return (request) => {
    const peer = plainAddress(request.socket?.remoteAddress ?? 'unknown');
    const chain = headerChain(request.headers, header).map(plainAddress);
    let client = peer;
    for (let hop = 0; trusted(client, hop) && chain.length > 0; hop += 1) client = chain.pop()!;
    // Whatever a trusted proxy passed on is a key and a log field: bounded, like an address.
    return client.length <= MAX_ADDRESS_LENGTH ? client : client.slice(0, MAX_ADDRESS_LENGTH);
  };
}

/**
 * The client address of each request and WebSocket upgrade, set once as it arrives (see app.ts and websocket.ts): a
 * property of the request itself under a symbol, rather than an entry in a WeakMap that every request adds to and the
 * collector must clear again.
 */
const CLIENT_ADDRESS = Symbol('clientAddress');

export function rememberClientAddress(request: object, address: string): void {
  (request as { [CLIENT_ADDRESS]?: string })[CLIENT_ADDRESS] = address;
}

/** The client address of `request`: the remembered one, else its TCP peer. */
export function clientAddressOf(request: PeerRequest | undefined): string {
  if (request === undefined) return 'unknown';
  return (request as { [CLIENT_ADDRESS]?: string })[CLIENT_ADDRESS] ?? plainAddress(request.socket?.remoteAddress ?? 'unknown');
}
