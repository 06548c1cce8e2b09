import type { Assistant, Message, Run, RunStep, Tool } from '../../types.js';
import type { Simulator } from './lifecycle.js';
import type { Store } from './store.js';

/** Well-known ids of the demo data, so GraphiQL queries and docs can name them. */
export const DEMO_IDS = {
  assistants: { plain: 'asst_demo_plain', tools: 'asst_demo_tools', weather: 'asst_demo_weather' },
  /** Has runs in every ending plus one waiting for tool outputs (so new runs wait until it is answered or expires). */
  thread: 'thread_demo',
  /** A thread with a finished conversation and no active run: free for new runs. */
  idleThread: 'thread_demo_idle',
  runs: {
    completed: 'run_demo_completed',
    failed: 'run_demo_failed',
    cancelled: 'run_demo_cancelled',
    incomplete: 'run_demo_incomplete',
    expired: 'run_demo_expired',
    requiresAction: 'run_demo_requires_action',
    idleCompleted: 'run_demo_idle_completed',
  },
  toolCall: 'call_demo_weather',
} as const;

const WEATHER_TOOL: Tool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: { type: 'object', properties: { location: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } }, required: ['location'] },
  },
};

/** Seeds the store. Timestamps lie in the past hour, so lists have a stable order. */
export function loadDemoData(store: Store, simulator: Simulator): void {
  const base = simulator.now() - 3600;
  let clock = base;
  const tick = (): number => (clock += 60);

  const assistant = (id: string, name: string, tools: Tool[], instructions: string): Assistant =>
    store.addAssistant({
      id,
      object: 'assistant',
      created_at: tick(),
      name,
      description: `Demo assistant: ${name}`,
      model: 'gpt-4o',
      instructions,
      tools,
      tool_resources: tools.some((t) => t.type === 'file_search') ? { file_search: { vector_store_ids: ['vs_demo_notes'] } } : {},
      metadata: { demo: 'true' },
      temperature: 1,
      top_p: 1,
      response_format: 'auto',
    });
  assistant(DEMO_IDS.assistants.plain, 'Echo', [], 'Repeat what the user says.');
  assistant(DEMO_IDS.assistants.tools, 'Analyst', [{ type: 'code_interpreter' }, { type: 'file_search' }], 'Answer with charts and citations.');
  assistant(DEMO_IDS.assistants.weather, 'Weather', [WEATHER_TOOL], 'Use get_weather for weather questions.');

  for (const id of [DEMO_IDS.thread, DEMO_IDS.idleThread]) {
    store.addThread({ id, object: 'thread', created_at: tick(), tool_resources: {}, metadata: { demo: 'true' } });
  }

  let messages = 0;
  let steps = 0;
  const message = (threadId: string, role: Message['role'], text: string, runId: string | null = null, status: Message['status'] = 'completed'): Message => {
    const at = tick();
    return store.addMessage({
      id: `msg_demo_${(++messages).toString().padStart(2, '0')}`,
      object: 'thread.message',
      created_at: at,
      thread_id: threadId,
      status,
      incomplete_details: status === 'incomplete' ? { reason: 'max_tokens' } : null,
      completed_at: status === 'completed' ? at : null,
      incomplete_at: status === 'incomplete' ? at : null,
      role,
      content: text ? [{ type: 'text', text: { value: text, annotations: [] } }] : [],
      assistant_id: role === 'assistant' ? DEMO_IDS.assistants.plain : null,
      run_id: runId,
      attachments: [],
      metadata: {},
    });
  };

  const run = (id: string, threadId: string, assistantId: string, status: Run['status'], extra: Partial<Run> = {}): Run => {
    const created = tick();
    const finished = created + 2;
    const live = status === 'requires_action';
    return store.addRun({
      id,
      object: 'thread.run',
      created_at: created,
      thread_id: threadId,
      assistant_id: assistantId,
      status,
      required_action: null,
      last_error: null,
      expires_at: live ? created + simulator.expirySeconds : status === 'expired' ? finished : null,
      started_at: created + 1,
      cancelled_at: status === 'cancelled' ? finished : null,
      failed_at: status === 'failed' ? finished : null,
      completed_at: status === 'completed' ? finished : null,
      incomplete_details: status === 'incomplete' ? { reason: 'max_completion_tokens' } : null,
      model: 'gpt-4o',
      instructions: store.assistant(assistantId).instructions,
      tools: store.assistant(assistantId).tools,
      metadata: { demo: 'true' },
      usage: status === 'completed' || status === 'incomplete' ? { prompt_tokens: 12, completion_tokens: 8, total_tokens: 20 } : null,
      temperature: 1,
      top_p: 1,
      max_prompt_tokens: null,
      max_completion_tokens: status === 'incomplete' ? 256 : null,
      truncation_strategy: { type: 'auto', last_messages: null },
      tool_choice: 'auto',
      parallel_tool_calls: true,
      response_format: 'auto',
      ...extra,
    });
  };

  const step = (r: Run, details: RunStep['step_details'], status: RunStep['status'], extra: Partial<RunStep> = {}): RunStep =>
    store.addStep({
      id: `step_demo_${(++steps).toString().padStart(2, '0')}`,
      object: 'thread.run.step',
      created_at: r.created_at + 1,
      assistant_id: r.assistant_id,
      thread_id: r.thread_id,
      run_id: r.id,
      type: details.type,
      status,
      step_details: details,
      last_error: null,
      expired_at: status === 'expired' ? r.created_at + 2 : null,
      cancelled_at: status === 'cancelled' ? r.created_at + 2 : null,
      failed_at: status === 'failed' ? r.created_at + 2 : null,
      completed_at: status === 'completed' ? r.created_at + 2 : null,
      metadata: {},
      usage: status === 'completed' ? { prompt_tokens: 12, completion_tokens: 8, total_tokens: 20 } : null,
      ...extra,
    });

  const { runs } = DEMO_IDS;
  const t = DEMO_IDS.thread;

  message(t, 'user', 'Hello there!');
  const completed = run(runs.completed, t, DEMO_IDS.assistants.plain, 'completed');
  const reply = message(t, 'assistant', 'You said: Hello there!', completed.id);
  step(completed, { type: 'message_creation', message_creation: { message_id: reply.id } }, 'completed');

  message(t, 'user', 'Please fail.');
  const failed = run(runs.failed, t, DEMO_IDS.assistants.plain, 'failed', { last_error: { code: 'server_error', message: 'Sorry, something went wrong.' }, metadata: { demo: 'true', simulate: 'fail' } });
  step(failed, { type: 'message_creation', message_creation: { message_id: message(t, 'assistant', '', failed.id, 'incomplete').id } }, 'failed', {
    last_error: { code: 'server_error', message: 'Sorry, something went wrong.' },
  });

  const cancelled = run(runs.cancelled, t, DEMO_IDS.assistants.plain, 'cancelled');
  step(cancelled, { type: 'message_creation', message_creation: { message_id: message(t, 'assistant', '', cancelled.id, 'incomplete').id } }, 'cancelled');

  message(t, 'user', 'Tell me a long story.');
  const incomplete = run(runs.incomplete, t, DEMO_IDS.assistants.plain, 'incomplete', { metadata: { demo: 'true', simulate: 'incomplete' } });
  step(incomplete, { type: 'message_creation', message_creation: { message_id: message(t, 'assistant', 'You said: Tell me a', incomplete.id, 'incomplete').id } }, 'completed');

  const expired = run(runs.expired, t, DEMO_IDS.assistants.weather, 'expired');
  step(expired, { type: 'tool_calls', tool_calls: [{ id: 'call_demo_expired', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Oslo"}', output: null } }] }, 'expired');

  message(t, 'user', "What's the weather in Paris?");
  const waiting = run(runs.requiresAction, t, DEMO_IDS.assistants.weather, 'requires_action', {
    completed_at: null,
    required_action: {
      type: 'submit_tool_outputs',
      submit_tool_outputs: { tool_calls: [{ id: DEMO_IDS.toolCall, type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris","unit":"celsius"}' } }] },
    },
  });
  step(waiting, { type: 'tool_calls', tool_calls: [{ id: DEMO_IDS.toolCall, type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris","unit":"celsius"}', output: null } }] }, 'in_progress');
  simulator.adopt(waiting);

  const idle = DEMO_IDS.idleThread;
  message(idle, 'user', 'What can you do?');
  const idleRun = run(runs.idleCompleted, idle, DEMO_IDS.assistants.plain, 'completed');
  step(idleRun, { type: 'message_creation', message_creation: { message_id: message(idle, 'assistant', 'You said: What can you do?', idleRun.id).id } }, 'completed');
}
