import { css, editorWorkerService, favicon, graphqlWorker, js, jsonWorker } from '@graphql-yoga/render-graphiql/graphiql';
import type { GraphiQLOptions } from 'graphql-yoga';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendAsset, StaticAssets, type StaticAsset } from './static-assets.js';

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
  return `(() => {
  if (localStorage.getItem('graphiql:tabState') === null) localStorage.setItem('graphiql:variables', ${JSON.stringify(DEFAULT_TAB_VARIABLES)});
  const base = document.currentScript.src;
  const workers = ${JSON.stringify(urls)};
  self.MonacoEnvironment = { globalAPI: false, getWorkerUrl: (moduleId, label) => new URL(workers[label], base).href };
})();
`;
}

export interface GraphiQLPage {
  /** The page itself (revalidated) and its assets (immutable, content hash in the name). */
  assets: StaticAssets;
  page: StaticAsset;
}

/**
 * GraphiQL as a small page and versioned files, all served by the gateway (no CDN, works offline): the page (about
 * 1 KB) names each file by its content hash, so a browser keeps them for a year and a reload costs one 304.
 * The stock page inlines all of it, 9 MB on every visit.
 */
export function createGraphiQLPage(options: GraphiQLOptions = {}): GraphiQLPage {
  const assets = new StaticAssets();
  const add = (name: string, type: string, body: string | Buffer) => assets.add(`${GRAPHIQL_ASSETS_PATH}/${name}`, type, body);
  const workers = {
    editorWorkerService: add('editor.worker.[hash].js', TYPES.js, editorWorkerService),
    json: add('json.worker.[hash].js', TYPES.js, jsonWorker),
    graphql: add('graphql.worker.[hash].js', TYPES.js, graphqlWorker),
  };
  const stylesheet = add('graphiql.[hash].css', TYPES.css, extractDataUrls(assets, css));
  const icon = add('favicon.[hash].ico', 'image/x-icon', Buffer.from(favicon.replace(/^data:[^,]*;base64,/, ''), 'base64'));
  const environment = add('environment.[hash].js', TYPES.js, environmentScript(workers));
  const bundle = add('graphiql.[hash].js', TYPES.js, js);
  const settings: GraphiQLOptions = {
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
  const start = add('start.[hash].js', TYPES.js, `YogaGraphiQL.renderYogaGraphiQL(document.querySelector('#root'), ${JSON.stringify(settings)});\n`);
  const escape = (text: string) => text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  const html = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>${escape(settings.title ?? 'Runs gateway')}</title>
    <link rel="icon" href="${relative(icon)}" />
    <link rel="stylesheet" href="${relative(stylesheet)}" />
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

let memo: GraphiQLPage | undefined;
/** The same page for every gateway of the process (its assets are 9 MB: built once). */
export function graphiqlPage(): GraphiQLPage {
  memo ??= createGraphiQLPage();
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
export function createGraphiQLRoute(endpoint: string): (req: IncomingMessage, res: ServerResponse, path: string) => Promise<boolean> | false {
  const { assets, page } = graphiqlPage();
  return (req, res, path) => {
    if (path === endpoint && wantsGraphiQL(req.method, req.headers.accept)) return sendAsset(req, res, page).then(() => true);
    if (!path.startsWith(`${GRAPHIQL_ASSETS_PATH}/`)) return false;
    const served = assets.serve(req, res, path);
    if (served) return served;
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found');
    return Promise.resolve(true);
  };
}
