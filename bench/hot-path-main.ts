/** `npm run bench:hot-path`: the CPU figures of issue 18 alone (bench/hot-path.ts), printed, nothing written. */
import { hotPath, hotPathLines, profileTop } from './hot-path.js';
import { gatewayEnv } from './lib/gateway-env.js';

const result = await hotPath(gatewayEnv);
for (const line of hotPathLines(result)) process.stdout.write(`${line}\n`);
for (const [name, profile] of Object.entries(result.profiles)) for (const line of profileTop(name, profile)) process.stdout.write(`${line}\n`);
process.exit(0);
