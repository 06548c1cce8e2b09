import { GraphQLError } from 'graphql';
import type { UpstreamClient } from '../upstream/client.js';

/**
 * The upstream-call budget of one operation (MAX_UPSTREAM_CALLS_PER_OPERATION). The upstream client is shared, so
 * the count lives in a per-operation view of it: every read, write and stream the operation's resolvers and loaders
 * start is one call (a GET joined to another caller's in-flight one too: the budget bounds what an operation may
 * ask for, not what it happened to cost). Past the budget every call fails at once with UPSTREAM_BUDGET_EXCEEDED,
 * so nothing more is sent; fields already resolved keep their data.
 */
export interface BudgetedClient extends UpstreamClient {
  /** Calls started so far. */
  readonly calls: number;
}

export function budgetExceeded(max: number): GraphQLError {
  return new GraphQLError(`This operation needs more than ${max} upstream calls; ask for fewer items or split it.`, {
    extensions: { code: 'UPSTREAM_BUDGET_EXCEEDED', maxUpstreamCalls: max },
  });
}

export function withCallBudget(client: UpstreamClient, max: number): BudgetedClient {
  const counter = { calls: 0 };
  return budgeted(client, max, counter);
}

function budgeted(client: UpstreamClient, max: number, counter: { calls: number }): BudgetedClient {
  const spend = (): void => {
    if (counter.calls >= max) throw budgetExceeded(max);
    counter.calls += 1;
  };
  const counted =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      spend();
      return call(...args);
    };
  return {
    request: counted((request) => client.request(request)) as UpstreamClient['request'],
    stream: counted((request) => client.stream(request)),
    getRun: counted((threadId, runId) => client.getRun(threadId, runId)),
    listRuns: counted((threadId, params) => client.listRuns(threadId, params)),
    getThread: counted((threadId) => client.getThread(threadId)),
    getAssistant: counted((assistantId) => client.getAssistant(assistantId)),
    listAssistants: counted((params) => client.listAssistants(params)),
    getMessage: counted((threadId, messageId) => client.getMessage(threadId, messageId)),
    listMessages: counted((threadId, params) => client.listMessages(threadId, params)),
    getRunStep: counted((threadId, runId, stepId, include) => client.getRunStep(threadId, runId, stepId, include)),
    listRunSteps: counted((threadId, runId, params, include) => client.listRunSteps(threadId, runId, params, include)),
    withReadCache: (maxAgeMs, onAnswer) => budgeted(client.withReadCache(maxAgeMs, onAnswer), max, counter),
    withClientSignal: (signal) => budgeted(client.withClientSignal(signal), max, counter),
    invalidate: (pathPrefix) => client.invalidate(pathPrefix),
    get inFlight() {
      return client.inFlight;
    },
    get generation() {
      return client.generation;
    },
    get calls() {
      return counter.calls;
    },
  };
}
