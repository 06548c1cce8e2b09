import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';
import type { Plugin } from 'graphql-yoga';
import { negotiateEncoding, type ContentEncoding } from './static-assets.js';

const brotliAsync = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

export interface CompressionOptions {
  enabled: boolean;
  /** Bodies smaller than this are sent as they are. */
  minBytes: number;
}

/**
 * Brotli at quality 4 and gzip at level 6 compress JSON to about a tenth of its size for well under a
 * millisecond per 10 KB (npm run bench:compression); brotli's default quality (11) costs 50–100× more.
 */
const BROTLI_QUALITY = 4;
const GZIP_LEVEL = 6;

/** Answers that are one whole document: streams (SSE, multipart incremental delivery) are never buffered. */
const WHOLE = /^application\/(graphql-response\+)?json\b/i;

export function compress(body: Uint8Array, encoding: ContentEncoding): Promise<Buffer> {
  return encoding === 'br'
    ? brotliAsync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY, [zlib.BROTLI_PARAM_SIZE_HINT]: body.byteLength } })
    : gzipAsync(body, { level: GZIP_LEVEL });
}

/**
 * Response compression for GraphQL over HTTP: a JSON answer of at least `minBytes` is sent brotli- or
 * gzip-compressed when `Accept-Encoding` allows (brotli first), in libuv's thread pool, off the event loop. Every JSON
 * answer says `Vary: Accept-Encoding`, so that a cache in front keeps the forms apart. Server-Sent Events and
 * multipart (incremental delivery) answers are left alone: each event must reach the client when it happens.
 */
export function useResponseCompression(options: CompressionOptions): Plugin {
  return {
    async onResponse({ request, response, setResponse, fetchAPI }) {
      // Only headers are read here: touching `response.body` would turn a buffered answer into a stream for the
      // server adapter to pipe. A JSON answer always has a body.
      if (!options.enabled || !WHOLE.test(response.headers.get('content-type') ?? '') || response.headers.has('content-encoding')) return;
      response.headers.append('vary', 'Accept-Encoding');
      const encoding = negotiateEncoding(request.headers.get('accept-encoding') ?? undefined);
      // Most answers go out as they are: no accepted encoding, or a length already known to be small. Only the
      // others are read whole and rebuilt.
      if (encoding === undefined) return;
      const declared = Number(response.headers.get('content-length') ?? Number.NaN);
      if (declared < options.minBytes) return;
      const body = new Uint8Array(await response.arrayBuffer());
      const headers = new fetchAPI.Headers(response.headers);
      if (body.byteLength < options.minBytes) {
        setResponse(new fetchAPI.Response(body, { status: response.status, statusText: response.statusText, headers }));
        return;
      }
      const compressed = await compress(body, encoding);
      headers.set('content-encoding', encoding);
      headers.set('content-length', String(compressed.byteLength));
      setResponse(new fetchAPI.Response(compressed as Uint8Array<ArrayBuffer>, { status: response.status, statusText: response.statusText, headers }));
    },
  };
}
