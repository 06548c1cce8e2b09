import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPIRED_MESSAGE } from '../../src/responses-api/engine.js';
import { startTestRunsApi, type RunsApi } from '../helpers/runs-api.js';
import { startTestResponsesApi, type ResponsesApi } from './helpers.js';

/**
 * The two wires run on one simulated model, so the same request with the same `metadata.simulate`
 * tells the same story: which tools are called in which order with which arguments, what the reply
 * says, how it ends, what it costs. A run is one chain of responses here: a function call ends a
 * response, and its output starts the next.
 */
interface Story {
  calls: string[];
  reply: string;
  ending: string;
  completionTokens: number | undefined;
}

const PARAMETERS = { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['c', 'f'] } } };
const POLL = { pollIntervalMs: 10 };

describe('the runs API and the Responses API tell the same story', () => {
  let runsApi: RunsApi;
  let responsesApi: ResponsesApi;
  let runs: OpenAI;
  let responses: OpenAI;

  beforeAll(async () => {
    [runsApi, responsesApi] = await Promise.all([startTestRunsApi(), startTestResponsesApi()]);
    runs = new OpenAI({ apiKey: 'unused', baseURL: runsApi.url });
    responses = new OpenAI({ apiKey: 'unused', baseURL: responsesApi.url });
  });
  afterAll(async () => {
    await Promise.all([runsApi.close(), responsesApi.close()]);
  });

  async function runStory(question: string, withTools: boolean, simulate: string | undefined, toolOutput: string): Promise<Story> {
    const assistant = await runs.beta.assistants.create({
      model: 'gpt-4o',
      instructions: 'Be brief.',
      tools: withTools ? [{ type: 'code_interpreter' }, { type: 'file_search' }, { type: 'function', function: { name: 'get_weather', parameters: PARAMETERS } }] : [],
    });
    const thread = await runs.beta.threads.create({ messages: [{ role: 'user', content: question }] });
    const metadata: Record<string, string> = simulate ? { simulate } : {};
    let run = await runs.beta.threads.runs.createAndPoll(thread.id, { assistant_id: assistant.id, metadata }, POLL);
    if (run.status === 'requires_action') {
      const pending = run.required_action?.submit_tool_outputs.tool_calls ?? [];
      run = await runs.beta.threads.runs.submitToolOutputsAndPoll(run.id, { thread_id: thread.id, tool_outputs: pending.map((call) => ({ tool_call_id: call.id, output: toolOutput })) }, POLL);
    }
    const steps = await runs.beta.threads.runs.steps.list(run.id, { thread_id: thread.id, order: 'asc' });
    const calls = steps.data.flatMap((step) =>
      step.step_details.type === 'tool_calls' ? step.step_details.tool_calls.map((call) => (call.type === 'function' ? `function ${call.function.name}(${call.function.arguments})` : call.type)) : [],
    );
    const messages = await runs.beta.threads.messages.list(thread.id, { run_id: run.id });
    const reply = (messages.data[0]?.content ?? []).map((part) => (part.type === 'text' ? part.text.value : part.type === 'refusal' ? `refusal: ${part.refusal}` : '')).filter(Boolean).join(' ');
    return { calls, reply, ending: run.status, completionTokens: run.usage?.completion_tokens };
  }

  async function responsesStory(question: string, withTools: boolean, simulate: string | undefined, toolOutput: string): Promise<Story> {
    const tools: OpenAI.Responses.Tool[] = withTools
      ? [{ type: 'code_interpreter', container: { type: 'auto' } }, { type: 'file_search', vector_store_ids: ['vs_story'] }, { type: 'function', name: 'get_weather', parameters: PARAMETERS, strict: false }]
      : [];
    const metadata: Record<string, string> = simulate ? { simulate } : {};
    const chain: OpenAI.Responses.Response[] = [];
    let response = await poll(await responses.responses.create({ model: 'gpt-4o', instructions: 'Be brief.', input: question, tools, metadata, background: true }));
    chain.push(response);
    const pending = response.output.filter((item) => item.type === 'function_call');
    if (pending.length > 0) {
      const input = pending.map((call) => ({ type: 'function_call_output' as const, call_id: call.type === 'function_call' ? call.call_id : '', output: toolOutput }));
      response = await poll(await responses.responses.create({ model: 'gpt-4o', instructions: 'Be brief.', previous_response_id: response.id, input, tools, metadata, background: true }));
      chain.push(response);
    }
    const calls = chain.flatMap((link) => link.output.flatMap((item) => (item.type === 'function_call' ? [`function ${item.name}(${item.arguments})`] : item.type === 'code_interpreter_call' ? ['code_interpreter'] : item.type === 'file_search_call' ? ['file_search'] : [])));
    const message = response.output.find((item) => item.type === 'message');
    const reply = (message?.type === 'message' ? message.content : []).map((part) => (part.type === 'output_text' ? part.text : `refusal: ${part.refusal}`)).join(' ');
    // This wire has no expiry: an expired turn fails and says so.
    const ending = response.status === 'failed' && response.error?.message === EXPIRED_MESSAGE ? 'expired' : (response.status ?? '');
    return { calls, reply, ending, completionTokens: response.usage?.output_tokens };
  }

  async function poll(created: OpenAI.Responses.Response): Promise<OpenAI.Responses.Response> {
    let response = created;
    while (response.status === 'queued' || response.status === 'in_progress') {
      await new Promise((resolve) => setTimeout(resolve, 10));
      response = await responses.responses.retrieve(created.id);
    }
    return response;
  }

  it.each([
    ['no tools', false, undefined, 'completed'],
    ['no tools, simulate fail', false, 'fail', 'failed'],
    ['no tools, simulate incomplete', false, 'incomplete', 'incomplete'],
    ['no tools, simulate refusal', false, 'refusal', 'completed'],
    ['no tools, simulate expire', false, 'expire', 'expired'],
    ['every tool', true, undefined, 'completed'],
    ['every tool, simulate fail', true, 'fail', 'failed'],
    ['every tool, simulate incomplete', true, 'incomplete', 'incomplete'],
    ['every tool, simulate expire', true, 'expire', 'expired'],
  ])('%s', async (_name, withTools, simulate, ending) => {
    const question = 'What is the weather in Bergen?';
    const [viaRuns, viaResponses] = await Promise.all([runStory(question, withTools, simulate, '9 C and rain'), responsesStory(question, withTools, simulate, '9 C and rain')]);
    expect(viaResponses).toEqual(viaRuns);
    expect(viaRuns.ending).toBe(ending);
    if (withTools && simulate === undefined) {
      expect(viaRuns.calls).toEqual(['code_interpreter', 'file_search', 'function get_weather({"city":"What is the weather in Bergen?","unit":"c"})']);
      expect(viaRuns.reply).toContain('The get_weather tool returned: 9 C and rain');
    }
  });
});
