import { describe, expect, it } from 'vitest';
import { contentHash, negotiateEncoding, StaticAssets } from '../../src/server/static-assets.js';

describe('Accept-Encoding negotiation', () => {
  it('brotli first, then gzip; q-values and * as RFC 9110 says', () => {
    expect(negotiateEncoding(undefined)).toBeUndefined();
    expect(negotiateEncoding('')).toBeUndefined();
    expect(negotiateEncoding('gzip, deflate, br')).toBe('br');
    expect(negotiateEncoding('gzip, deflate')).toBe('gzip');
    expect(negotiateEncoding('br;q=0.5, gzip')).toBe('gzip');
    expect(negotiateEncoding('br;q=0, gzip;q=0')).toBeUndefined();
    expect(negotiateEncoding('*')).toBe('br');
    expect(negotiateEncoding('*;q=0, gzip')).toBe('gzip');
    expect(negotiateEncoding('identity')).toBeUndefined();
    expect(negotiateEncoding('BR ; Q=1')).toBe('br');
    expect(negotiateEncoding('br;q=abc, gzip')).toBe('gzip');
  });

  it('a [hash] path gets the content hash and immutable caching; others are revalidated', () => {
    const assets = new StaticAssets();
    const hashed = assets.add('/x/app.[hash].js', 'text/javascript', 'console.log(1)');
    expect(hashed.path).toBe(`/x/app.${contentHash('console.log(1)')}.js`);
    expect(hashed.cacheControl).toBe('public, max-age=31536000, immutable');
    expect(assets.add('/x/', 'text/html', '<p>').cacheControl).toBe('no-cache');
    // Another content, another name.
    expect(assets.add('/x/app.[hash].js', 'text/javascript', 'console.log(2)').path).not.toBe(hashed.path);
  });
});
