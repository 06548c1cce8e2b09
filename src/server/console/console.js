// Live run console: an example frontend of the runs gateway, in plain JavaScript.
//
// - Queries and mutations go over HTTP: POST /graphql with a JSON body {query, variables}.
// - Live updates go over one WebSocket with the graphql-ws protocol (graphql-transport-ws): the client
//   sends connection_init (with the token), then one `subscribe` message per subscription, and gets
//   `next` messages until `complete`. graphql-ws multiplexes them all on the socket and reconnects.
// - The optional token goes as `Authorization: Bearer …` on every HTTP request and in connection_init,
//   because browsers cannot set headers on a WebSocket.
//
// In a bundled app, this import is `import { createClient } from 'graphql-ws';`. The gateway serves the
// package's browser build itself, so this page needs no CDN and no build step.
import { createClient } from './graphql-ws/client.js';

const HTTP_URL = new URL('../graphql', location.href).href;
const WS_URL = HTTP_URL.replace(/^http/, 'ws');
/** A run in one of these states changes no more (the subscriptions complete on them). */
const TERMINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'EXPIRED', 'INCOMPLETE']);
const CANCELLABLE = new Set(['QUEUED', 'IN_PROGRESS', 'REQUIRES_ACTION']);
const RECENT_KEY = 'runs-console.recent-threads';

const RUN_FIELDS = /* GraphQL */ `
  fragment RunFields on RunObject {
    runId status createdAt
    assistant { name }
    lastError { code message }
    requiredAction { submitToolOutputs { toolCalls { id function { name arguments } } } }
  }`;

/** A run's steps, oldest first: what it did (tool calls with their arguments and outputs, messages it wrote). */
const STEPS_QUERY = /* GraphQL */ `
  query Steps($threadId: ID!, $runId: ID!) {
    run(threadId: $threadId, runId: $runId) {
      steps(first: 50, order: ASC) { edges { node {
        stepId type status
        lastError { code message }
        stepDetails {
          __typename
          ... on RunStepMessageCreationDetails { messageCreation { messageId } }
          ... on RunStepToolCallsDetails { toolCalls {
            __typename
            ... on FunctionToolCall { id function { name arguments output } }
            ... on CodeInterpreterToolCall { id codeInterpreter { input } }
            ... on FileSearchToolCall { id }
          } }
        }
      } } }
    }
  }`;

// ---------------------------------------------------------------------------------------------------
// Transport

let token = '';
const authHeaders = () => (token ? { authorization: `Bearer ${token}` } : {});

/** One query or mutation over HTTP. GraphQL errors (with their `extensions.code`) become exceptions. */
async function gql(query, variables = {}) {
  const response = await fetch(HTTP_URL, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...authHeaders() },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json().catch(() => ({ errors: [{ message: `HTTP ${response.status}` }] }));
  if (body.errors?.length) throw new Error(body.errors.map((e) => `${e.extensions?.code ?? 'ERROR'}: ${e.message}`).join('\n'));
  return body.data;
}

function createWsClient() {
  return createClient({
    url: WS_URL,
    // Sent in connection_init, once per socket: a new token needs a new socket (see the token field below).
    connectionParams: () => (token ? { Authorization: `Bearer ${token}` } : {}),
    // After a dropped connection, graphql-ws reconnects and sends every active subscription again.
    retryAttempts: 10,
    on: {
      connected: () => showConnection('connected', 'live'),
      closed: () => showConnection('closed', 'not connected'),
      error: () => showConnection('closed', 'connection failed'),
    },
  });
}
let ws = createWsClient();

/** Starts a subscription; returns the function that stops it (it sends `complete` to the server). */
function subscribe(query, variables, onData, onComplete = () => {}) {
  return ws.subscribe({ query, variables }, {
    next: (result) => (result.errors ? showError(result.errors.map((e) => e.message).join('\n')) : onData(result.data)),
    error: (error) => showError(error instanceof Error ? error.message : Array.isArray(error) ? error.map((e) => e.message).join('\n') : 'subscription failed'),
    complete: onComplete,
  });
}

// ---------------------------------------------------------------------------------------------------
// State: the open thread, its runs, and the live subscriptions of both

let threadId = null;
let stopThreadRuns = () => {};
/** runId → { run, reply: Map<messageId, text>, stop } */
const runs = new Map();

async function openThread(id) {
  const { thread } = await gql(
    `query Thread($id: ID!) { thread(id: $id) { threadId runs(first: 10) { edges { node { ...RunFields } } } } } ${RUN_FIELDS}`,
    { id },
  );
  if (!thread) throw new Error(`NOT_FOUND: no thread ${id}`);
  closeThread();
  threadId = thread.threadId;
  remember(threadId);
  location.hash = threadId;
  $('#current-thread').textContent = threadId;
  $('#thread').hidden = false;
  $('#runs').replaceChildren();
  for (const { node } of thread.runs.edges.reverse()) upsertRun(node);
  // The thread's active runs now, then every new run and every change: the run list stays live without polling.
  stopThreadRuns = subscribe(`subscription ($threadId: ID!) { threadRunsUpdated(threadId: $threadId) { ...RunFields } } ${RUN_FIELDS}`, { threadId }, (data) =>
    upsertRun(data.threadRunsUpdated),
  );
  await loadMessages();
}

function closeThread() {
  stopThreadRuns();
  for (const entry of runs.values()) entry.stop();
  runs.clear();
  threadId = null;
}

async function loadMessages() {
  const { thread } = await gql(
    `query Messages($id: ID!) {
      thread(id: $id) { messages(first: 20) { edges { node {
        messageId role
        content { ... on MessageContentText { text { value } } ... on MessageContentRefusal { refusal } }
      } } } }
    }`,
    { id: threadId },
  );
  const items = (thread?.messages.edges ?? []).reverse().map(({ node }) => {
    const text = node.content.map((part) => part.text?.value ?? part.refusal ?? '').join('\n');
    return el('li', { class: node.role.toLowerCase() }, el('b', {}, node.role.toLowerCase()), ' ', text);
  });
  $('#messages').replaceChildren(...items);
}

/**
 * Adds a run or applies its new state, and follows the reply of any run that is still moving. States come
 * from the subscription, in order; a mutation's answer only adds a run the subscription has not announced
 * yet (applied later, it could put back a state the run has already left).
 */
function addRun(run) {
  if (!runs.has(run.runId)) upsertRun(run);
}
function upsertRun(run) {
  let entry = runs.get(run.runId);
  if (!entry) {
    entry = { run, reply: new Map(), stop: () => {}, card: runCard(run) };
    runs.set(run.runId, entry);
    $('#runs').prepend(entry.card);
    if (!TERMINAL.has(run.status)) entry.stop = watchReply(entry);
  }
  const statusChanged = entry.stepsFor !== run.status;
  entry.run = run;
  renderRun(entry);
  // Steps appear and change with the run's status (a tool call gets its output, a message is written).
  if (statusChanged) {
    entry.stepsFor = run.status;
    loadSteps(entry).catch((error) => showActionError(entry.card, error));
  }
}

async function loadSteps(entry) {
  const { run } = await gql(STEPS_QUERY, { threadId, runId: entry.run.runId });
  const steps = (run?.steps.edges ?? []).map(({ node }) => node);
  entry.card.querySelector('.steps').replaceChildren(...steps.map(stepItem));
}

/** The assistant's reply as it is written: pieces of text, in order, per message. */
function watchReply(entry) {
  return subscribe(
    `subscription ($threadId: ID!, $runId: ID!) { runMessageDeltas(threadId: $threadId, runId: $runId) { messageId text } }`,
    { threadId, runId: entry.run.runId },
    ({ runMessageDeltas: delta }) => {
      entry.reply.set(delta.messageId, (entry.reply.get(delta.messageId) ?? '') + delta.text);
      entry.card.querySelector('.reply').textContent = [...entry.reply.values()].join('\n\n');
    },
    // Completes when the run has ended: the reply is now a message of the thread.
    () => void loadMessages().catch(showError),
  );
}

// ---------------------------------------------------------------------------------------------------
// Actions

async function createThread() {
  const { createThread } = await gql(`mutation { createThread(input: {}) { thread { threadId } } }`);
  await openThread(createThread.thread.threadId);
  await loadThreadList();
}

async function sendAndRun(text, assistantId) {
  await gql(`mutation ($input: CreateMessageInput!) { createMessage(input: $input) { message { messageId } } }`, {
    input: { threadId, role: 'USER', content: [{ text }] },
  });
  await loadMessages();
  const { createRun } = await gql(`mutation ($input: CreateRunInput!) { createRun(input: $input) { run { ...RunFields } } } ${RUN_FIELDS}`, {
    input: { threadId, assistantId },
  });
  addRun(createRun.run);
}

// The new states of a cancelled or answered run arrive through threadRunsUpdated, like any other change.
async function cancelRun(runId) {
  await gql(`mutation ($input: CancelRunInput!) { cancelRun(input: $input) { run { runId status } } }`, { input: { threadId, runId } });
}

/** Answers every pending tool call of a run in one request, as the API requires. */
async function submitToolOutputs(runId, toolOutputs) {
  await gql(`mutation ($input: SubmitToolOutputsInput!) { submitToolOutputs(input: $input) { run { runId status } } }`, {
    input: { threadId, runId, toolOutputs },
  });
}

/** The demo threads the upstream has (the embedded runs API's demo data) and the caller's own threads. */
async function loadThreadList() {
  const demoIds = (document.querySelector('meta[name="demo-threads"]')?.content ?? '').split(/\s+/).filter(Boolean);
  const demo = await Promise.all(demoIds.map((id) =>
    gql(`query DemoThread($id: ID!) { thread(id: $id) { threadId createdAt } }`, { id }).then(({ thread }) => thread, () => null)));
  const render = (own) => $('#thread-list').replaceChildren(
    ...demo.filter(Boolean).map((thread) => threadItem(thread, true)),
    ...own.filter((thread) => !demoIds.includes(thread.threadId)).map((thread) => threadItem(thread, false)),
  );
  // The demo threads show even when the caller's own list cannot be read; its error goes to the banner.
  render([]);
  const { viewer } = await gql(`{ viewer { threads(first: 20) { edges { node { threadId createdAt } } } } }`);
  render((viewer?.threads.edges ?? []).map(({ node }) => node));
}

function threadItem(thread, isDemo) {
  const button = el('button', { type: 'button', class: 'link', title: thread.threadId, 'data-thread-id': thread.threadId }, thread.threadId);
  button.addEventListener('click', () => act(() => openThread(thread.threadId)));
  return el('li', {}, button, ...(isDemo ? [el('span', { class: 'demo' }, 'demo')] : []));
}

async function loadAssistants() {
  const { assistants } = await gql(`{ assistants(first: 50) { edges { node { assistantId name } } } }`);
  $('#assistant').replaceChildren(
    ...assistants.edges.map(({ node }) => el('option', { value: node.assistantId }, `${node.name ?? 'unnamed'} (${node.assistantId})`)),
  );
}

// ---------------------------------------------------------------------------------------------------
// Rendering

function runCard(run) {
  const card = el('li', { class: 'run', 'data-run-id': run.runId },
    el('div', {}, el('code', {}, run.runId), ' ', el('span', { class: 'status' }), ' ', el('span', { class: 'meta' }),
      el('button', { type: 'button', class: 'cancel', hidden: '' }, 'Cancel')),
    el('p', { class: 'last-error', hidden: '' }),
    el('ol', { class: 'steps' }),
    el('div', { class: 'tool-calls' }),
    el('p', { class: 'action-error', role: 'alert', hidden: '' }),
    el('pre', { class: 'reply' }));
  card.querySelector('.cancel').addEventListener('click', () => act(() => cancelRun(run.runId), card));
  return card;
}

function renderRun({ run, card }) {
  const status = card.querySelector('.status');
  status.textContent = run.status;
  status.dataset.status = run.status;
  card.querySelector('.meta').textContent = `${run.assistant?.name ?? ''} · ${new Date(run.createdAt).toLocaleTimeString()}`;
  card.querySelector('.cancel').hidden = !CANCELLABLE.has(run.status);
  const lastError = card.querySelector('.last-error');
  lastError.hidden = !run.lastError;
  lastError.textContent = run.lastError ? `${run.lastError.code}: ${run.lastError.message}` : '';
  // A form per waiting run, built once, so a later update does not wipe what the user is typing.
  const calls = card.querySelector('.tool-calls');
  const toolCalls = run.status === 'REQUIRES_ACTION' ? run.requiredAction?.submitToolOutputs.toolCalls ?? [] : [];
  if (toolCalls.length === 0) calls.replaceChildren();
  else if (!calls.firstChild) calls.append(toolCallForm(run.runId, toolCalls));
}

function stepItem(step) {
  const item = el('li', { class: 'step', 'data-step-id': step.stepId, 'data-type': step.type },
    el('span', { class: 'step-status', 'data-status': step.status }, step.status), ' ');
  const details = step.stepDetails;
  if (details.__typename === 'RunStepMessageCreationDetails') item.append('wrote message ', el('code', {}, details.messageCreation.messageId));
  if (details.__typename === 'RunStepToolCallsDetails') {
    for (const call of details.toolCalls) {
      const line = el('div', { class: 'tool-call', 'data-call-id': call.id ?? '' });
      if (call.__typename === 'FunctionToolCall') {
        const { output } = call.function;
        line.append(el('code', {}, `${call.function.name}(${call.function.arguments})`), ' → ',
          output === null ? el('span', { class: 'output pending' }, 'no output yet') : el('span', { class: 'output' }, output));
      } else if (call.__typename === 'CodeInterpreterToolCall') {
        line.append('code interpreter ', el('code', {}, call.codeInterpreter.input));
      } else {
        line.append(call.__typename === 'FileSearchToolCall' ? 'file search' : 'tool call');
      }
      item.append(line);
    }
  }
  if (step.lastError) item.append(el('p', { class: 'last-error' }, `${step.lastError.code}: ${step.lastError.message}`));
  return item;
}

function toolCallForm(runId, toolCalls) {
  const form = el('form', {},
    ...toolCalls.map((call) => el('label', {},
      el('span', {}, 'The assistant calls ', el('code', {}, `${call.function.name}(${call.function.arguments})`)),
      el('textarea', { name: call.id, rows: '2', required: '', placeholder: 'Output, e.g. {"temperature": 21}' }))),
    el('button', { type: 'submit' }, 'Submit tool outputs'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const toolOutputs = toolCalls.map((call) => ({ toolCallId: call.id, output: form.elements.namedItem(call.id).value }));
    act(() => submitToolOutputs(runId, toolOutputs), form.closest('.run'));
  });
  return form;
}

function remember(id) {
  const recent = [id, ...recentThreads().filter((other) => other !== id)].slice(0, 8);
  localStorage.setItem(RECENT_KEY, JSON.stringify(recent));
  renderRecent();
}
function recentThreads() {
  try {
    return JSON.parse(localStorage.getItem(RECENT_KEY) ?? '[]');
  } catch {
    return [];
  }
}
function renderRecent() {
  $('#recent-threads').replaceChildren(...recentThreads().map((id) => {
    const button = el('button', { type: 'button', class: 'link', title: id }, id);
    button.addEventListener('click', () => act(() => openThread(id)));
    return el('li', {}, button);
  }));
}

function showConnection(state, text) {
  const connection = $('#connection');
  connection.dataset.state = state;
  connection.textContent = text;
}
function showError(error) {
  const banner = $('#error');
  banner.textContent = error instanceof Error ? error.message : String(error);
  banner.hidden = false;
}
/**
 * Runs a user action, showing its error (if any) where it was taken: in the `.action-error` of `place` (a run card,
 * the send form), else in the banner.
 */
function act(action, place) {
  $('#error').hidden = true;
  const target = place?.querySelector(':scope > .action-error');
  if (target) target.hidden = true;
  return action().catch((error) => (target ? showActionError(place, error) : showError(error)));
}
function showActionError(place, error) {
  const target = place.querySelector(':scope > .action-error');
  if (!target) return showError(error);
  target.textContent = error instanceof Error ? error.message : String(error);
  target.hidden = false;
}

const $ = (selector) => document.querySelector(selector);
function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

// ---------------------------------------------------------------------------------------------------
// Wiring

$('#open-thread').addEventListener('submit', (event) => {
  event.preventDefault();
  act(() => openThread($('#thread-id').value.trim()));
});
$('#new-thread').addEventListener('click', () => act(createThread));
$('#send').addEventListener('submit', (event) => {
  event.preventDefault();
  const message = $('#message');
  act(() => sendAndRun(message.value, $('#assistant').value).then(() => (message.value = '')), $('#send'));
});
$('#auth').addEventListener('submit', (event) => event.preventDefault());
$('#token').addEventListener('change', (event) => {
  token = event.target.value.trim();
  // connection_init carried the old token: start a new socket and subscribe again.
  const reopen = threadId;
  closeThread();
  void ws.dispose();
  ws = createWsClient();
  act(async () => {
    await loadAssistants();
    await loadThreadList();
    if (reopen) await openThread(reopen);
  });
});

renderRecent();
act(async () => {
  await loadAssistants();
  await loadThreadList();
  const fromHash = decodeURIComponent(location.hash.slice(1));
  if (fromHash) await openThread(fromHash);
});
