import { loadConfigOrExit } from '../config.js';
import { onShutdown } from '../shutdown.js';
import { DEMO_IDS, FaultRuleError, runsApiOptionsFrom, startRunsApi } from './index.js';

/** `npm run runs-api`: the embedded runs API on its own, for frontend work and manual testing. */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const settings = config.runsApi;
  let api;
  try {
    api = await startRunsApi(runsApiOptionsFrom(config));
  } catch (error) {
    if (error instanceof FaultRuleError) {
      console.error(`Invalid configuration:\n  RUNS_API_FAULTS: ${error.message}`);
      process.exit(1);
    }
    if (error instanceof Error && /^RUNS_API_/.test(error.message)) {
      console.error(`Invalid configuration:\n  ${error.message}`);
      process.exit(1);
    }
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      console.error(`Port ${settings.port} on ${config.host} is already in use; set RUNS_API_PORT to another port.`);
      process.exit(1);
    }
    throw error;
  }
  const lines = [
    `Runs API (embedded) listening on ${api.url}`,
    settings.profile === 'openai'
      ? `  engine: ${settings.engine}, step: ${settings.stepMs} ms, API key: ${settings.apiKey ? 'required' : 'not required'}, beta header: ${settings.requireBetaHeader ? 'required' : 'optional'}`
      : `  engine: ${settings.engine}, step: ${settings.stepMs} ms, auth: bearer tokens only, beta header: not needed`,
  ];
  if (api.tokenEndpoint) lines.push(`  profile: foundry-classic (api-version required), token endpoint: ${api.tokenEndpoint.url} (client ${settings.clientId ?? ''}, tokens last ${settings.tokenLifetimeMs} ms)`);
  if (api.responsesApi) lines.push(`  Responses API (embedded, the engine's upstream): ${api.responsesApi.url}`);
  else if (settings.engine === 'responses') lines.push(`  Responses upstream: ${settings.responsesBaseUrl ?? ''} (RESPONSES_BASE_URL)`);
  if (settings.engine === 'responses' && settings.responsesUpstream.profile === 'foundry') {
    const agent = settings.responsesUpstream.agentName ?? 'none (each assistant names its own in metadata.foundry_agent)';
    lines.push(`  Responses profile: foundry, default agent: ${agent}${settings.responsesUpstream.agentVersion ? `:${settings.responsesUpstream.agentVersion}` : ''}, user isolation: ${settings.responsesUpstream.userIsolation === false ? 'off' : 'on'}`);
  }
  if (settings.demoData && settings.engine === 'simulated') lines.push(`  demo thread: ${DEMO_IDS.thread} (idle: ${DEMO_IDS.idleThread}), assistants: ${Object.values(DEMO_IDS.assistants).join(', ')}`);
  if (api.faults.list().length > 0) lines.push(`  fault rules: ${JSON.stringify(api.faults.list())}`);
  if (settings.faultControl) lines.push(`  fault control: ${new URL(api.url).origin}/__control/faults`);
  console.log(lines.join('\n'));

  onShutdown([() => api.close()], { forceAfterMs: 5_000 });
}

await main();
