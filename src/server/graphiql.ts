import { css, favicon, graphqlWorker, js, jsonWorker } from '@graphql-yoga/render-graphiql/graphiql';
import type { GraphiQLOptions } from 'graphql-yoga';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { COMPRESSED_CACHE_DIR, contentHash, sendAsset, StaticAssets, type StaticAsset } from './static-assets.js';

/**
 * The tab a first visit opens with: the three operations a frontend starts with, on the embedded runs API's
 * demo data (`RUNS_API_DEMO_DATA`, on for `npm start`). GraphiQL keeps the user's own tabs after that.
 */
export const DEFAULT_TAB_QUERY = /* GraphQL */ `# Three operations on the demo data. To run one, put the
# cursor in it and press Ctrl-Enter (or press ▶ and pick it).
# Ids: the upstream id (run_…) or the global id.
# Auth: under Headers, {"Authorization": "Bearer …"}.

# Read a run.
query Run($threadId: ID!, $runId: ID!) {
  run(threadId: $threadId, runId: $runId) {
    runId
    status
    assistant { name }
    createdAt
    completedAt
    lastError { code message }
    usage { totalTokens }
  }
}

# Watch a run: its state now, then after each change, until
# it ends. Events stream into the result pane.
subscription RunUpdated($threadId: ID!, $runId: ID!) {
  runUpdated(threadId: $threadId, runId: $runId) {
    runId
    status
    requiredAction {
      submitToolOutputs { toolCalls { id function { name arguments } } }
    }
    lastError { code message }
  }
}

# Post a message and start a run. Put the new runId in the
# variables, then run RunUpdated to watch it.
mutation StartRun($threadId: ID!, $assistantId: ID!, $text: String!) {
  createMessage(input: {
    threadId: $threadId, role: USER, content: [{ text: $text }]
  }) {
    message { messageId }
  }
  createRun(input: {
    threadId: $threadId, assistantId: $assistantId
  }) {
    run { runId status }
  }
}
`;

export const DEFAULT_TAB_VARIABLES = JSON.stringify(
  { threadId: 'thread_demo_idle', runId: 'run_demo_idle_completed', assistantId: 'asst_demo_plain', text: 'Hello!' },
  null,
  2,
);

/** Where GraphiQL's assets are served: relative to the page at /graphql, so a path prefix in front keeps working. */
export const GRAPHIQL_ASSETS_PATH = '/graphiql';

const TYPES = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
} as const;

const EXTENSIONS: Record<string, string> = {
  'font/ttf': 'ttf',
  'font/woff': 'woff',
  'font/woff2': 'woff2',
  'image/png': 'png',
  'image/svg+xml': 'svg',
  'image/x-icon': 'ico',
};

/**
 * The data URLs inlined in GraphiQL's stylesheet (its fonts, twice the same icon font, images) as files of their own:
 * the browser then fetches only the fonts a page uses (Roboto comes in unicode ranges) and each one once.
 */
function extractDataUrls(assets: StaticAssets, text: string): string {
  return text.replace(/data:([\w/+.-]+);base64,([A-Za-z0-9+/=]+)/g, (whole, type: string, data: string) => {
    const extension = EXTENSIONS[type];
    if (extension === undefined) return whole;
    const asset = assets.add(`${GRAPHIQL_ASSETS_PATH}/file.[hash].${extension}`, type, Buffer.from(data, 'base64'));
    return asset.path.slice(GRAPHIQL_ASSETS_PATH.length + 1);
  });
}

const relative = (asset: StaticAsset) => asset.path.slice(1);

/**
 * GraphiQL 5 fills the first tab's Variables editor from its stored `variables` only, never from the tab
 * definition, so a first visit (no stored tabs yet) gets the default variables put there before it starts.
 * Monaco's workers start from the gateway's own files (the stock page makes blobs of inlined copies).
 */
function environmentScript(workers: Record<'editorWorkerService' | 'json' | 'graphql', StaticAsset>): string {
  const urls = Object.fromEntries(Object.entries(workers).map(([label, asset]) => [label, asset.path.slice(GRAPHIQL_ASSETS_PATH.length + 1)]));
  // monaco-graphql stops its worker and starts another when the schema arrives: a worker stopped while its script
  // was still coming in had the next one fetch the whole script again. Each script is read whole once, into the
  // HTTP cache (the files are immutable), while the bundle loads, and workers start from there.
  return `(() => {
  if (localStorage.getItem('graphiql:tabState') === null) localStorage.setItem('graphiql:variables', ${JSON.stringify(DEFAULT_TAB_VARIABLES)});
  const base = document.currentScript.src;
  const workers = ${JSON.stringify(urls)};
  const fetched = new Map();
  const script = (label) => {
    const url = new URL(workers[label] ?? workers.editorWorkerService, base).href;
    if (!fetched.has(url)) fetched.set(url, fetch(url).then((response) => response.arrayBuffer()).catch(() => undefined).then(() => url));
    return fetched.get(url);
  };
  Object.keys(workers).forEach(script);
  self.MonacoEnvironment = { globalAPI: false, getWorker: (moduleId, label) => script(label).then((url) => new Worker(url, { name: label, type: 'module' })) };
})();
`;
}

export interface GraphiQLPage {
  /** The page itself (revalidated) and its assets (immutable, content hash in the name). */
  assets: StaticAssets;
  page: StaticAsset;
}

/**
 * The stock Monaco workers are esbuild's unminified output (2.7 MB of source, 430 KB brotli): minified once with
 * esbuild (a dependency of tsx) they are 316 KB. The result is kept next to the compressed assets, by the source's
 * hash, so only the build step or a process's first GraphiQL visit pays the second or so it takes. Without esbuild
 * the worker is served as it is.
 */
export async function minifiedScript(source: string): Promise<string> {
  const file = join(COMPRESSED_CACHE_DIR, `${contentHash(source)}.min.js`);
  const cached = await readFile(file, 'utf8').catch(() => undefined);
  if (cached !== undefined) return cached;
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch {
    return source;
  }
  const { code } = await esbuild.transform(source, { loader: 'js', minify: true, legalComments: 'none', target: 'es2020' });
  // Kept when the cache directory can be written; served all the same when it cannot.
  const temporary = `${file}.tmp-${process.pid}`;
  await mkdir(COMPRESSED_CACHE_DIR, { recursive: true })
    .then(() => writeFile(temporary, code))
    .then(() => rename(temporary, file))
    .catch(() => undefined);
  return code;
}

/**
 * Yoga's favicon is a 113 KB icon with six sizes (22 KB brotli, fetched on every first visit); a tab shows one:
 * the 32-pixel image alone, as a one-entry ICO.
 */
export function smallFavicon(ico: Buffer, size = 32): Buffer {
  const count = ico.readUInt16LE(4);
  const entries = Array.from({ length: count }, (_, index) => {
    const at = 6 + 16 * index;
    return { at, width: ico[at] === 0 ? 256 : ico[at]!, bytes: ico.readUInt32LE(at + 8), offset: ico.readUInt32LE(at + 12) };
  });
  const chosen = entries.find((entry) => entry.width === size) ?? entries.sort((a, b) => a.bytes - b.bytes)[0];
  if (chosen === undefined) return ico;
  const header = Buffer.alloc(6 + 16);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2);
  header.writeUInt16LE(1, 4);
  ico.copy(header, 6, chosen.at, chosen.at + 8);
  header.writeUInt32LE(chosen.bytes, 6 + 8);
  header.writeUInt32LE(header.length, 6 + 12);
  return Buffer.concat([header, ico.subarray(chosen.offset, chosen.offset + chosen.bytes)]);
}

/**
 * monaco-graphql's worker carries Prettier (its standalone build and GraphQL plugin, 175 KB) for one request, Format
 * Document, which few visits make. Its modules (esbuild's lazy wrappers, side by side in the worker) move to a
 * script of their own that the worker imports on that first request. Returns the worker as it
 * is when its layout is not the one expected (another monaco-graphql).
 */
export function splitPrettier(worker: string, prettierUrl: string): { worker: string; prettier: string } | undefined {
  const marker = /^ {2}\/\/ \.\.\/.*$/gm;
  const modules = [...worker.matchAll(marker)].map((match) => ({ at: match.index, path: match[0] }));
  const first = modules.findIndex((module) => /\/prettier@[^/]+\/node_modules\/prettier\/standalone\.mjs$/.test(module.path));
  let last = first;
  while (last + 1 < modules.length && /\/node_modules\/prettier\//.test(modules[last + 1]!.path)) last += 1;
  const lazyImports = 'await Promise.resolve().then(() => (init_standalone(), standalone_exports));';
  if (first < 1 || last + 1 >= modules.length || worker.split(lazyImports).length !== 2) return undefined;
  const start = modules[first]!.at;
  const end = modules[last + 1]!.at;
  const prettierModules = worker.slice(start, end);
  const exported = ['init_standalone', 'standalone_exports', 'require_graphql'];
  if (!exported.every((name) => prettierModules.includes(`var ${name} =`))) return undefined;
  // esbuild's helpers (__esm, __commonJS, __toESM…) come before the first module: the new script needs them too.
  const helpers = worker.slice(0, modules[0]!.at);
  const prettier = `${helpers}${prettierModules}  self.__graphiqlPrettier = { ${exported.join(', ')} };\n})();\n`;
  // Monaco starts its workers as modules, where importScripts is not allowed: the script is imported.
  const loader = `  var ${exported.join(', ')};
  async function loadPrettier() {
    if (init_standalone === void 0) {
      await import(new URL(${JSON.stringify(prettierUrl)}, self.location.href).href);
      ({ ${exported.join(', ')} } = self.__graphiqlPrettier);
    }
  }
`;
  const rest = `${worker.slice(0, start)}${loader}${worker.slice(end)}`;
  return { worker: rest.replace(lazyImports, 'await loadPrettier().then(() => (init_standalone(), standalone_exports));'), prettier };
}

/** GraphiQL's settings, the same for the small page and (in the browser test) the stock inlined page it replaced. */
export function graphiqlSettings(options: GraphiQLOptions = {}): GraphiQLOptions {
  return {
    title: 'Runs gateway',
    defaultQuery: DEFAULT_TAB_QUERY,
    // Subscriptions stream over HTTP (Server-Sent Events, POST /graphql) like every other operation, so the
    // headers editor's Authorization applies to them too: over WebSocket GraphiQL would send its headers in each
    // subscribe message, not in connection_init, where the gateway authenticates (the console shows graphql-ws).
    subscriptionsProtocol: 'SSE',
    method: 'POST',
    isHeadersEditorEnabled: true,
    defaultEditorToolsVisibility: 'variables',
    // An Authorization header typed into the editor stays in the page's memory, not in localStorage.
    shouldPersistHeaders: false,
    ...options,
  };
}

/**
 * GraphiQL as a small page and versioned files, all served by the gateway (no CDN, works offline): the page (about
 * 1 KB) names each file by its content hash, so a browser keeps them for a year and a reload costs one 304.
 * The stock page inlines all of it, 9 MB on every visit.
 */
export async function createGraphiQLPage(options: GraphiQLOptions = {}): Promise<GraphiQLPage> {
  const assets = new StaticAssets();
  const add = (name: string, type: string, body: string | Buffer) => assets.add(`${GRAPHIQL_ASSETS_PATH}/${name}`, type, body);
  const split = splitPrettier(graphqlWorker, 'PRETTIER_URL');
  const [jsonWorkerCode, prettierCode] = await Promise.all([minifiedScript(jsonWorker), split ? minifiedScript(split.prettier) : undefined]);
  const prettier = prettierCode === undefined ? undefined : add('prettier.[hash].js', TYPES.js, prettierCode);
  const graphqlWorkerCode = await minifiedScript(split && prettier ? split.worker.replace('"PRETTIER_URL"', JSON.stringify(prettier.path.slice(GRAPHIQL_ASSETS_PATH.length + 1))) : graphqlWorker);
  const json = add('json.worker.[hash].js', TYPES.js, jsonWorkerCode);
  const workers = {
    // Monaco's plain editor worker is the base every language worker is built on (monaco-editor 0.52's
    // editor.worker.js): the JSON worker answers its requests as well, so the browser fetches one file, not two.
    editorWorkerService: json,
    json,
    graphql: add('graphql.worker.[hash].js', TYPES.js, graphqlWorkerCode),
  };
  const stylesheet = add('graphiql.[hash].css', TYPES.css, extractDataUrls(assets, css));
  // Monaco's icon font is asked for only when a first icon shows, at some point after the editors: fetched with the
  // page instead, a first visit always has it, and a reload never pays for it.
  const codicon = [...assets.all()].find((asset) => asset.type === 'font/ttf');
  const icon = add('favicon.[hash].ico', 'image/x-icon', smallFavicon(Buffer.from(favicon.replace(/^data:[^,]*;base64,/, ''), 'base64')));
  const environment = add('environment.[hash].js', TYPES.js, environmentScript(workers));
  const bundle = add('graphiql.[hash].js', TYPES.js, js);
  const settings = graphiqlSettings(options);
  const start = add('start.[hash].js', TYPES.js, `YogaGraphiQL.renderYogaGraphiQL(document.querySelector('#root'), ${JSON.stringify(settings)});\n`);
  const escape = (text: string) => text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  const html = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>${escape(settings.title ?? 'Runs gateway')}</title>
    <link rel="icon" href="${relative(icon)}" />
    <link rel="stylesheet" href="${relative(stylesheet)}" />${codicon ? `
    <link rel="preload" href="${relative(codicon)}" as="font" type="font/ttf" crossorigin />` : ''}
    <script defer src="${relative(environment)}"></script>
    <script defer src="${relative(bundle)}"></script>
    <script defer src="${relative(start)}"></script>
  </head>
  <body id="body" class="no-focus-outline">
    <noscript>GraphiQL needs JavaScript.</noscript>
    <div id="root"></div>
  </body>
</html>
`;
  // Not added to `assets`: the page lives at the GraphQL endpoint, where only a browser's GET is given it.
  const page = new StaticAssets().add('/graphql', TYPES.html, html);
  return { assets, page };
}

let memo: Promise<GraphiQLPage> | undefined;
/** The same page for every gateway of the process (its assets are 8 MB: built once). */
export function graphiqlPage(): Promise<GraphiQLPage> {
  memo ??= createGraphiQLPage().catch((error: unknown) => {
    memo = undefined;
    throw error;
  });
  return memo;
}

/** What yoga's GraphiQL check asks: a browser's GET of the endpoint. */
export function wantsGraphiQL(method: string | undefined, accept: string | undefined): boolean {
  return (method === 'GET' || method === 'HEAD') && accept !== undefined && accept.includes('text/html');
}

/**
 * GraphiQL at the GraphQL endpoint (a browser's GET of `endpoint`) and its assets under /graphiql/. Returns a
 * handler that says whether it answered.
 */
export async function createGraphiQLRoute(endpoint: string): Promise<(req: IncomingMessage, res: ServerResponse, path: string) => Promise<boolean> | false> {
  const { assets, page } = await graphiqlPage();
  return (req, res, path) => {
    if (path === endpoint && wantsGraphiQL(req.method, req.headers.accept)) return sendAsset(req, res, page).then(() => true);
    if (!path.startsWith(`${GRAPHIQL_ASSETS_PATH}/`)) return false;
    const served = assets.serve(req, res, path);
    if (served) return served;
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found');
    return Promise.resolve(true);
  };
}
