import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { join, sep } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';

const brotliAsync = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

export type ContentEncoding = 'br' | 'gzip';

/** Hashed assets never change under their URL: a browser keeps them a year and does not ask again. */
export const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Pages and unhashed files: kept, but checked (`If-None-Match` → 304) before each use. */
export const REVALIDATE = 'no-cache';

/**
 * Where `npm run assets:build` (run on install) leaves the best compression of every static asset, by content hash.
 * Brotli at its highest quality takes about 25 s of CPU for GraphiQL's 9 MB: too long for every start-up, so a
 * gateway without this cache compresses at a quality that takes about a second, once per process.
 */
export const COMPRESSED_CACHE_DIR = join(dependenciesDirectory(), '.cache', 'runs-gateway', 'assets') + sep;

/**
 * The node_modules the gateway's dependencies load from, found through one of them: the same from src/ (tsx) and from
 * the bundle in dist/, which sit at different depths.
 */
function dependenciesDirectory(): string {
  const resolved = createRequire(import.meta.url).resolve('graphql');
  const marker = `${sep}node_modules${sep}`;
  return resolved.slice(0, resolved.lastIndexOf(marker) + marker.length - 1);
}

/** Brotli's quality when compressing at run time: large bodies at 5 (≈ 70 ms per MB), others at 9. */
const runtimeBrotliQuality = (size: number): number => (size > 2 * 1024 * 1024 ? 5 : 9);
export const BUILD_BROTLI_QUALITY = 11;

export const contentHash = (body: Buffer | string): string => createHash('sha256').update(body).digest('base64url').slice(0, 16);

export interface StaticAsset {
  /** The URL path it is served at. */
  readonly path: string;
  readonly type: string;
  readonly body: Buffer;
  readonly hash: string;
  readonly cacheControl: string;
}

/** Compressed forms by content hash and encoding: one per process, whatever number of gateways serve them. */
const compressed = new Map<string, Promise<Buffer>>();

function cacheFile(hash: string, encoding: ContentEncoding): string {
  // Named by the settings too: files left by an older build step (a smaller brotli window) are not taken for these.
  return join(COMPRESSED_CACHE_DIR, encoding === 'br' ? `${hash}.q11w24.br` : `${hash}.gzip`);
}

export async function compressBody(body: Buffer, encoding: ContentEncoding, brotliQuality: number): Promise<Buffer> {
  if (encoding === 'gzip') return gzipAsync(body, { level: 9 });
  // A 16 MB window (brotli's largest that browsers decode) finds repeats across the whole of GraphiQL's 5 MB bundle.
  return brotliAsync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: brotliQuality, [zlib.BROTLI_PARAM_LGWIN]: zlib.BROTLI_MAX_WINDOW_BITS, [zlib.BROTLI_PARAM_SIZE_HINT]: body.length } });
}

/** The build step's result when there is one, else compressed now (in libuv's thread pool, off the event loop). */
function compressedForm(asset: StaticAsset, encoding: ContentEncoding): Promise<Buffer> {
  const key = `${asset.hash}.${encoding}`;
  let form = compressed.get(key);
  if (form === undefined) {
    form = readFile(cacheFile(asset.hash, encoding)).catch(() => compressBody(asset.body, encoding, runtimeBrotliQuality(asset.body.length)));
    compressed.set(key, form);
  }
  return form;
}

/** Writes the best compression of `assets` to the cache directory (the build step); skips those already there. */
export async function buildCompressedCache(assets: Iterable<StaticAsset>): Promise<{ written: number; kept: number }> {
  await mkdir(COMPRESSED_CACHE_DIR, { recursive: true });
  let written = 0;
  let kept = 0;
  const unique = new Map([...assets].map((asset) => [asset.hash, asset]));
  await Promise.all(
    [...unique.values()].flatMap((asset) =>
      (['br', 'gzip'] as const).map(async (encoding) => {
        const file = cacheFile(asset.hash, encoding);
        if (await readFile(file).then(() => true, () => false)) {
          kept += 1;
          return;
        }
        const body = await compressBody(asset.body, encoding, BUILD_BROTLI_QUALITY);
        // Written whole, then renamed: a gateway starting meanwhile never reads half a file.
        await writeFile(`${file}.tmp-${process.pid}`, body);
        await rename(`${file}.tmp-${process.pid}`, file);
        written += 1;
      }),
    ),
  );
  return { written, kept };
}

/**
 * The encoding to send, from `Accept-Encoding` (RFC 9110 §12.5.3): brotli before gzip when both are accepted with the
 * same weight, a `q=0` refuses one, `*` stands for those not named; undefined means the body as it is.
 */
export function negotiateEncoding(acceptEncoding: string | undefined): ContentEncoding | undefined {
  if (!acceptEncoding) return undefined;
  const weights = new Map<string, number>();
  for (const part of acceptEncoding.split(',')) {
    const [rawName, ...params] = part.toLowerCase().split(';');
    const name = rawName?.trim();
    if (!name) continue;
    const q = params.map((param) => param.trim()).find((param) => param.startsWith('q='));
    const weight = q === undefined ? 1 : Number(q.slice(2));
    weights.set(name, Number.isFinite(weight) ? weight : 0);
  }
  const weightOf = (encoding: ContentEncoding) => weights.get(encoding) ?? weights.get('*') ?? 0;
  const br = weightOf('br');
  const gz = weightOf('gzip');
  if (br <= 0 && gz <= 0) return undefined;
  return br >= gz ? 'br' : 'gzip';
}

/** Whether `If-None-Match` names `etag` (weak comparison, as for GET). */
function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  const bare = etag.replace(/^W\//, '');
  return ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === bare);
}

/**
 * Static files served from memory: each by negotiation (brotli, gzip or as is) with an ETag per form, 304 when the
 * browser has it, and `Vary: Accept-Encoding`. Assets with the content hash in their name are immutable; pages are
 * revalidated.
 */
export class StaticAssets {
  private readonly byPath = new Map<string, StaticAsset>();

  /** Adds `body` at `path`; a path with `[hash]` in it gets the content hash there and is served immutable. */
  add(path: string, type: string, body: Buffer | string): StaticAsset {
    const buffer = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    const hash = contentHash(buffer);
    const hashed = path.includes('[hash]');
    const asset: StaticAsset = { path: path.replace('[hash]', hash), type, body: buffer, hash, cacheControl: hashed ? IMMUTABLE : REVALIDATE };
    this.byPath.set(asset.path, asset);
    return asset;
  }

  get(path: string): StaticAsset | undefined {
    return this.byPath.get(path);
  }

  all(): IterableIterator<StaticAsset> {
    return this.byPath.values();
  }

  /** Answers GET and HEAD of a known path; says whether it did. */
  serve(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> | false {
    const asset = this.byPath.get(path);
    if (asset === undefined) return false;
    return sendAsset(req, res, asset).then(() => true);
  }
}

/** Formats compressed in themselves (woff2, woff, png) gain nothing from brotli or gzip. */
const compressible = (type: string): boolean => !/^(font\/woff2?|image\/(png|jpeg|webp|gif))$/.test(type);

/** Bodies this small are sent as they are: compressing them saves less than the header costs. */
const MIN_COMPRESSED_BYTES = 256;

export async function sendAsset(req: IncomingMessage, res: ServerResponse, asset: StaticAsset): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  const encoding = asset.body.length >= MIN_COMPRESSED_BYTES && compressible(asset.type) ? negotiateEncoding(req.headers['accept-encoding']) : undefined;
  const etag = `"${asset.hash}${encoding ? `-${encoding}` : ''}"`;
  const headers: Record<string, string | number> = {
    etag,
    'cache-control': asset.cacheControl,
    vary: 'Accept-Encoding',
    'x-content-type-options': 'nosniff',
  };
  if (matches(req.headers['if-none-match'], etag)) {
    res.writeHead(304, headers).end();
    return;
  }
  const body = encoding ? await compressedForm(asset, encoding) : asset.body;
  headers['content-type'] = asset.type;
  headers['content-length'] = body.length;
  if (encoding) headers['content-encoding'] = encoding;
  res.writeHead(200, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
}
