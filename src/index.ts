import { loadConfigOrExit } from './config.js';
import type { RunsApi } from './runs-api/index.js';
import { createGateway } from './server/app.js';
import { onEmbeddedFoundry } from './upstream/resolve.js';
import { onShutdown } from './shutdown.js';

async function main(): Promise<void> {
  const config = loadConfigOrExit();

  // Without UPSTREAM_BASE_URL the embedded runs API is the upstream: its address is known once it listens. With an
  // upstream elsewhere its code (engine, routes, validators) is never loaded.
  const embedded = config.embeddedRunsApi ? await import('./runs-api/index.js') : undefined;
  const runsApi: RunsApi | undefined = embedded ? await embedded.startRunsApi(embedded.runsApiOptionsFrom(config)) : undefined;
  const foundry = runsApi?.tokenEndpoint && config.runsApi.clientId && config.runsApi.clientSecret
    ? { tokenUrl: runsApi.tokenEndpoint.url, clientId: config.runsApi.clientId, clientSecret: config.runsApi.clientSecret }
    : undefined;
  const gateway = createGateway({
    config: foundry ? { ...config, upstream: onEmbeddedFoundry(config.upstream, foundry) } : config,
    ...(runsApi ? { upstreamUrl: runsApi.url } : {}),
  });
  await gateway.listen();

  const origin = gateway.url.replace(/\/graphql$/, '');
  const engine = runsApi && config.runsApi.engine === 'responses' ? `, engine responses on ${runsApi.responsesApi ? `${runsApi.responsesApi.url} (embedded Responses API)` : config.runsApi.responsesBaseUrl}` : '';
  const presented = foundry ? `, presenting Foundry classic, tokens from ${foundry.tokenUrl}` : '';
  const upstream = runsApi ? `${runsApi.url} (embedded runs API${engine}${presented})` : `${config.upstream.baseUrl ?? ''} (UPSTREAM_BASE_URL)`;
  console.log(
    [
      'Runs gateway is up',
      `  GraphQL (HTTP, SSE):  ${gateway.url}`,
      `  GraphiQL:             ${config.graphiql ? gateway.url : 'off (GRAPHIQL=false)'}`,
      `  WebSocket:            ${gateway.wsUrl} (graphql-ws)`,
      `  Metrics:              ${origin}/metrics`,
      `  Health:               ${origin}/health`,
      `  Upstream:             ${upstream}`,
      ...(embedded && config.runsApi.demoData && config.runsApi.engine === 'simulated' ? [`  Demo data:            thread ${embedded.DEMO_IDS.thread} (runs in every ending), ${embedded.DEMO_IDS.idleThread} (free for new runs)`] : []),
    ].join('\n'),
  );

  // The embedded runs API closes last: requests still in flight in the gateway read from it until they finish.
  onShutdown([() => gateway.close(), () => runsApi?.close()], { forceAfterMs: config.shutdownDelayMs + config.shutdownTimeoutMs + 5_000 });
}

await main();
