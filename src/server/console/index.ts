import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

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
 * The live run console: a static page, its script and graphql-ws's browser build, read once at start-up.
 * Returns a handler that answers GET and HEAD under /console and says whether it did.
 */
export function createConsoleRoute(): (req: IncomingMessage, res: ServerResponse, path: string) => boolean {
  const own = (name: string, type: string): Asset => ({ type, body: readFileSync(new URL(name, import.meta.url)) });
  const assets = new Map<string, Asset>([
    [`${CONSOLE_PATH}/`, own('./index.html', TYPES.html)],
    [`${CONSOLE_PATH}/console.js`, own('./console.js', TYPES.js)],
    [`${CONSOLE_PATH}/console.css`, own('./console.css', TYPES.css)],
    ...[...graphqlWsAssets()].map(([name, asset]) => [`${CONSOLE_PATH}/graphql-ws/${name}`, asset] as const),
  ]);

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
    const asset = assets.get(path);
    if (!asset) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found');
      return true;
    }
    res.writeHead(200, {
      'content-type': asset.type,
      'content-length': asset.body.length,
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
    });
    res.end(req.method === 'HEAD' ? undefined : asset.body);
    return true;
  };
}
