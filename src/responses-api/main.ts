import { ConfigError, loadConfigOrExit } from '../config.js';
import { readSettings } from '../settings.js';
import { onShutdown } from '../shutdown.js';
import { FaultRuleError, startResponsesApi } from './index.js';
import { responsesApiSettings } from './settings.js';

/** Reads this server's settings; a bad one, or a webhook URL without its secret, ends the process before it listens. */
function settingsOrExit() {
  try {
    const settings = readSettings(responsesApiSettings, process.env);
    const { url, secret } = settings.webhook;
    if ((url === undefined) !== (secret === undefined)) {
      throw new ConfigError(`Invalid configuration:\n  RESPONSES_API_WEBHOOK_URL and RESPONSES_API_WEBHOOK_SECRET go together: ${url === undefined ? 'the secret is set but there is no URL to send to' : 'events cannot be signed without a secret'}.`);
    }
    return settings;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}

/** `npm run responses-api`: the embedded Responses API on its own, for frontend work and manual testing. */
async function main(): Promise<void> {
  const { host } = loadConfigOrExit();
  const settings = settingsOrExit();
  const { url, secret, ...delivery } = settings.webhook;
  let api;
  try {
    api = await startResponsesApi({
      port: settings.port,
      host,
      apiKey: settings.apiKey,
      stepMs: settings.stepMs,
      faults: settings.faults,
      faultControl: settings.faultControl,
      presentation: settings.presentation,
      webhook: url !== undefined && secret !== undefined ? { url, secret, ...delivery } : undefined,
    });
  } catch (error) {
    if (error instanceof FaultRuleError) {
      console.error(`Invalid configuration:\n  RESPONSES_API_FAULTS: ${error.message}`);
      process.exit(1);
    }
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      console.error(`Port ${settings.port} on ${host} is already in use; set RESPONSES_API_PORT to another port.`);
      process.exit(1);
    }
    throw error;
  }
  const lines = [
    `Responses API (embedded) listening on ${api.url}`,
    `  presentation: ${settings.presentation}, step: ${settings.stepMs} ms, API key: ${settings.apiKey ? 'required' : 'not required'}, validators compiled in ${api.validatorCompileMs} ms`,
    `  webhooks: ${url === undefined ? 'off' : `${url} (at most ${delivery.maxAttempts} attempts, ${delivery.timeoutMs} ms each)`}`,
  ];
  if (api.faults.list().length > 0) lines.push(`  fault rules: ${JSON.stringify(api.faults.list())}`);
  if (settings.faultControl) lines.push(`  fault control: ${api.url.replace(/\/v1$/, '')}/__control/faults`);
  console.log(lines.join('\n'));

  onShutdown([() => api.close()], { forceAfterMs: 5_000 });
}

await main();
