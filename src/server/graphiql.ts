import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import type { GraphiQLOptions } from 'graphql-yoga';

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

/**
 * GraphiQL 5 fills the first tab's Variables editor from its stored `variables` only, never from the tab
 * definition, so a first visit (no stored tabs yet) gets the default variables put there before it starts.
 */
const SEED_VARIABLES = `<script>
  if (localStorage.getItem('graphiql:tabState') === null) localStorage.setItem('graphiql:variables', ${JSON.stringify(DEFAULT_TAB_VARIABLES)});
</script>`;

/**
 * GraphiQL with every asset inlined (no CDN), so it works offline. The page is about 9 MB:
 * it is rendered once here, at start-up, and served from memory.
 */
export function createGraphiQLRenderer(options: GraphiQLOptions): () => string {
  const html = renderGraphiQL({
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
  }).replace('<div id="root"></div>', `<div id="root"></div>\n${SEED_VARIABLES}`);
  return () => html;
}
