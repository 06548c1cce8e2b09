import WebSocket from 'ws';
import { createGatewayClient, GatewayError } from './client.js';

/**
 * `npm run example:demo [-- --persisted]`: what a run page does, in a terminal, against a running gateway
 * (`npm run dev` by default, with its demo Weather assistant): start a run, follow it live, answer its tool call,
 * show the page. `--persisted` sends document ids only, as a production gateway with PERSISTED_DOCUMENTS wants.
 *
 * GATEWAY_URL (default http://127.0.0.1:4000/graphql), GATEWAY_TOKEN (a key when the gateway has GATEWAY_AUTH),
 * ASSISTANT_ID (default asst_demo_weather: any assistant with a function tool).
 */

const client = createGatewayClient({
  httpUrl: process.env['GATEWAY_URL'] ?? 'http://127.0.0.1:4000/graphql',
  ...(process.env['GATEWAY_TOKEN'] ? { token: process.env['GATEWAY_TOKEN'] } : {}),
  send: process.argv.includes('--persisted') ? 'persisted' : 'text',
  // Node 20 has no global WebSocket; a browser passes nothing here.
  webSocketImpl: WebSocket,
});

/** A stand-in for the frontend's own tool: it answers whatever function the assistant calls. */
const answerToolCall = (name: string, args: string) => JSON.stringify({ tool: name, arguments: JSON.parse(args || '{}') as unknown, celsius: 21 });

async function main(): Promise<void> {
  const started = await client.startThreadAndRun({
    assistantId: process.env['ASSISTANT_ID'] ?? 'asst_demo_weather',
    thread: { messages: [{ role: 'USER', content: [{ text: "What's the weather in Oslo?" }] }] },
  });
  console.log(`run ${started.runId} on thread ${started.threadId}`);
  const answered = new Set<string>();
  for await (const run of client.watchRun(started.threadId, started.runId)) {
    console.log(`status ${run.status}`);
    // The same waiting state can be sent again (e.g. once the upstream answers after an outage): answer it once.
    const calls = run.requiredAction?.submitToolOutputs.toolCalls ?? [];
    if (calls.length === 0 || calls.every((call) => answered.has(call.id))) continue;
    for (const call of calls) {
      answered.add(call.id);
      console.log(`tool call ${call.function.name}(${call.function.arguments})`);
    }
    // All outputs of a required action go in one request.
    await client.submitToolOutputs({
      threadId: run.threadId,
      runId: run.runId,
      toolOutputs: calls.map((call) => ({ toolCallId: call.id, output: answerToolCall(call.function.name, call.function.arguments) })),
    });
  }
  const page = await client.runPage(started.threadId, started.runId);
  for (const { node } of page?.steps?.edges ?? []) console.log(`step ${node.type} ${node.status}`);
  for (const { node } of page?.messages?.edges ?? []) {
    const text = node.content.map((part) => (part.__typename === 'MessageContentText' ? part.text.value : '')).join('');
    console.log(`message ${node.role}: ${text}`);
  }
}

try {
  await main();
} catch (error) {
  console.error(error instanceof GatewayError ? `refused: ${error.code ?? 'no code'}: ${error.message}` : error);
  process.exitCode = 1;
} finally {
  await client.close();
}
