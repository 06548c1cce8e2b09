import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DEMO_IDS } from '../../runs-api/engines/simulated/demo.js';
import { StaticAssets, type StaticAsset } from '../static-assets.js';

export const CONSOLE_PATH = '/console';

interface Asset {
  type: string;
  body: Buffer;
}

const TYPES = { html: 'text/html; charset=utf-8', js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8' } as const;

/**
 * graphql-ws's browser build (`dist/client.js`, an ES module) and the chunks it imports, by file name.
 * The chunk names carry a content hash, so they are read from the import statements, not listed here.
 */
function graphqlWsAssets(): Map<string, Asset> {
  const dist = dirname(createRequire(import.meta.url).resolve('graphql-ws/client'));
  const assets = new Map<string, Asset>();
  const pending = ['client.js'];
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    if (assets.has(name)) continue;
    const body = readFileSync(join(dist, name));
    assets.set(name, { type: TYPES.js, body });
    for (const [, imported] of body.toString('utf8').matchAll(/\bfrom\s*['"]\.\/([\w.-]+\.js)['"]/g)) pending.push(imported!);
  }
  return assets;
}

/**
 * The live run console: a static page, its script and stylesheet (named by content hash, immutable) and graphql-ws's
 * browser build (revalidated), read and compressed once per process. Returns a handler that answers GET and HEAD
 * under /console and says whether it did.
 */
export function createConsoleRoute(): (req: IncomingMessage, res: ServerResponse, path: string) => Promise<boolean> | boolean {
  const assets = consoleAssets();
  return (req, res, path) => {
    if (path !== CONSOLE_PATH && !path.startsWith(`${CONSOLE_PATH}/`)) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return true;
    }
    // The page's links are relative (so it also works behind a path prefix): it must be served from /console/.
    if (path === CONSOLE_PATH) {
      res.writeHead(302, { location: 'console/' }).end();
      return true;
    }
    const served = assets.serve(req, res, path);
    if (served) return served;
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found');
    return true;
  };
}

let memo: StaticAssets | undefined;
/** The console's files, once per process. */
export function consoleAssets(): StaticAssets {
  if (memo) return memo;
  const assets = new StaticAssets();
  const own = (name: string) => readFileSync(new URL(name, import.meta.url));
  const script = assets.add(`${CONSOLE_PATH}/console.[hash].js`, TYPES.js, own('./console.js'));
  const stylesheet = assets.add(`${CONSOLE_PATH}/console.[hash].css`, TYPES.css, own('./console.css'));
  const name = (asset: StaticAsset) => asset.path.slice(CONSOLE_PATH.length + 1);
  const page = own('./index.html').toString('utf8').replace('href="console.css"', `href="${name(stylesheet)}"`).replace('src="console.js"', `src="${name(script)}"`)
    .replace('content="DEMO_THREADS"', `content="${DEMO_IDS.thread} ${DEMO_IDS.idleThread}"`);
  assets.add(`${CONSOLE_PATH}/`, TYPES.html, page);
  for (const [file, asset] of graphqlWsAssets()) assets.add(`${CONSOLE_PATH}/graphql-ws/${file}`, asset.type, asset.body);
  memo = assets;
  return assets;
}
