import { GraphQLError } from 'graphql';
import type { UpstreamClient, UpstreamRequest } from '../upstream/client.js';

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
  return new Budgeted(client, max, { calls: 0 });
}

/** A class, so that the view made per operation and per subscription event is one small object. */
class Budgeted implements BudgetedClient {
  constructor(
    private readonly client: UpstreamClient,
    private readonly max: number,
    private readonly counter: { calls: number },
  ) {}

  private spend(): void {
    if (this.counter.calls >= this.max) throw budgetExceeded(this.max);
    this.counter.calls += 1;
  }

  async request<T>(request: UpstreamRequest) {
    this.spend();
    return this.client.request<T>(request);
  }
  async stream(request: UpstreamRequest) {
    this.spend();
    return this.client.stream(request);
  }
  async getRun(...args: Parameters<UpstreamClient['getRun']>) {
    this.spend();
    return this.client.getRun(...args);
  }
  async listRuns(...args: Parameters<UpstreamClient['listRuns']>) {
    this.spend();
    return this.client.listRuns(...args);
  }
  async getThread(...args: Parameters<UpstreamClient['getThread']>) {
    this.spend();
    return this.client.getThread(...args);
  }
  async getAssistant(...args: Parameters<UpstreamClient['getAssistant']>) {
    this.spend();
    return this.client.getAssistant(...args);
  }
  async listAssistants(...args: Parameters<UpstreamClient['listAssistants']>) {
    this.spend();
    return this.client.listAssistants(...args);
  }
  async getMessage(...args: Parameters<UpstreamClient['getMessage']>) {
    this.spend();
    return this.client.getMessage(...args);
  }
  async listMessages(...args: Parameters<UpstreamClient['listMessages']>) {
    this.spend();
    return this.client.listMessages(...args);
  }
  async getRunStep(...args: Parameters<UpstreamClient['getRunStep']>) {
    this.spend();
    return this.client.getRunStep(...args);
  }
  async listRunSteps(...args: Parameters<UpstreamClient['listRunSteps']>) {
    this.spend();
    return this.client.listRunSteps(...args);
  }
  withReadCache(maxAgeMs: number, onAnswer?: (startedAt: number) => void): BudgetedClient {
    return new Budgeted(this.client.withReadCache(maxAgeMs, onAnswer), this.max, this.counter);
  }
  withClientSignal(signal: AbortSignal): BudgetedClient {
    return new Budgeted(this.client.withClientSignal(signal), this.max, this.counter);
  }
  invalidate(pathPrefix: string): void {
    this.client.invalidate(pathPrefix);
  }
  get inFlight() {
    return this.client.inFlight;
  }
  get generation() {
    return this.client.generation;
  }
  get calls() {
    return this.counter.calls;
  }
}
