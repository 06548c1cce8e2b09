import { loadConfigOrExit } from './config.js';
import { DEMO_IDS, runsApiOptionsFrom, startRunsApi, type RunsApi } from './runs-api/index.js';
import { createGateway } from './server/app.js';
import { onShutdown } from './shutdown.js';

async function main(): Promise<void> {
  const config = loadConfigOrExit();

  // Without UPSTREAM_BASE_URL the embedded runs API is the upstream: its address is known once it listens.
  const runsApi: RunsApi | undefined = config.embeddedRunsApi ? await startRunsApi(runsApiOptionsFrom(config)) : undefined;
  const gateway = createGateway({ config, ...(runsApi ? { upstreamUrl: runsApi.url } : {}) });
  await gateway.listen();

  const origin = gateway.url.replace(/\/graphql$/, '');
  const engine = runsApi && config.runsApi.engine === 'responses' ? `, engine responses on ${runsApi.responsesApi ? `${runsApi.responsesApi.url} (embedded Responses API)` : config.runsApi.responsesBaseUrl}` : '';
  const upstream = runsApi ? `${runsApi.url} (embedded runs API${engine})` : `${config.upstream.baseUrl ?? ''} (UPSTREAM_BASE_URL)`;
  console.log(
    [
      'Runs gateway is up',
      `  GraphQL (HTTP, SSE):  ${gateway.url}`,
      `  GraphiQL:             ${config.graphiql ? gateway.url : 'off (GRAPHIQL=false)'}`,
      `  WebSocket:            ${gateway.wsUrl} (graphql-ws)`,
      `  Metrics:              ${origin}/metrics`,
      `  Health:               ${origin}/health`,
      `  Upstream:             ${upstream}`,
      ...(runsApi && config.runsApi.demoData && config.runsApi.engine === 'simulated' ? [`  Demo data:            thread ${DEMO_IDS.thread} (runs in every ending), ${DEMO_IDS.idleThread} (free for new runs)`] : []),
    ].join('\n'),
  );

  // The embedded runs API closes last: requests still in flight in the gateway read from it until they finish.
  onShutdown([() => gateway.close(), () => runsApi?.close()], { forceAfterMs: config.shutdownDelayMs + config.shutdownTimeoutMs + 5_000 });
}

await main();
