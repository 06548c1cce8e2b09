import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { AnswerObserver, UpstreamClient, UpstreamReads, UpstreamRequest } from '../upstream/client.js';
import type { UpstreamOrigin, UpstreamResponse, UpstreamStream } from '../upstream/types.js';
import type { ClientSignal } from '../upstream/interest.js';
import type { UpstreamCapability } from '../upstream/profiles.js';

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
  return new Budgeted(client, max, { calls: 0, exceeded: undefined });
}

const isAsyncIterable = (value: unknown): value is AsyncIterable<unknown> => typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
const isBudgetError = (error: GraphQLError): boolean => error.extensions?.code === 'UPSTREAM_BUDGET_EXCEEDED';

/**
 * Past the budget, every remaining field fails; the answer says so once (the first field's error), not once per
 * item: a list of 50,000 ids past a budget of 200 was 49,800 errors.
 */
export function useBudgetErrorsOnce(): Plugin {
  return {
    onExecute() {
      return {
        onExecuteDone({ result, setResult }) {
          if (isAsyncIterable(result)) return;
          const errors = result.errors;
          if (!errors || errors.length < 2) return;
          const first = errors.findIndex(isBudgetError);
          if (first < 0) return;
          setResult({ ...result, errors: errors.filter((error, index) => index === first || !isBudgetError(error)) });
        },
      };
    },
  };
}

/** The typed reads, each one call of the budget. */
const COUNTED_READS = [
  'getRun',
  'listRuns',
  'getThread',
  'getAssistant',
  'listAssistants',
  'getMessage',
  'listMessages',
  'getRunStep',
  'listRunSteps',
  'listThreads',
] as const satisfies ReadonlyArray<keyof UpstreamReads>;

// The reads are put on the prototype below, one counted wrapper each.
interface Budgeted extends UpstreamReads {}

/** A class, so that the view made per operation and per subscription event is one small object. */
class Budgeted implements BudgetedClient {
  constructor(
    readonly client: UpstreamClient,
    private readonly max: number,
    private readonly counter: { calls: number; exceeded: GraphQLError | undefined },
  ) {}

  /** The budget's error once it is spent (one error object for the operation: each call past it gets the same one). */
  spend(): GraphQLError | undefined {
    if (this.counter.calls >= this.max) return (this.counter.exceeded ??= budgetExceeded(this.max));
    this.counter.calls += 1;
    return undefined;
  }

  request<T>(request: UpstreamRequest): Promise<UpstreamResponse<T>> {
    const exceeded = this.spend();
    return exceeded ? Promise.reject(exceeded) : settled(() => this.client.request<T>(request));
  }
  stream(request: UpstreamRequest): Promise<UpstreamStream> {
    const exceeded = this.spend();
    return exceeded ? Promise.reject(exceeded) : settled(() => this.client.stream(request));
  }
  withReadCache(maxAgeMs: number, observer?: AnswerObserver): BudgetedClient {
    return new Budgeted(this.client.withReadCache(maxAgeMs, observer), this.max, this.counter);
  }
  withClientSignal(signal: ClientSignal): BudgetedClient {
    return new Budgeted(this.client.withClientSignal(signal), this.max, this.counter);
  }
  forOrigin(origin: UpstreamOrigin): BudgetedClient {
    return new Budgeted(this.client.forOrigin(origin), this.max, this.counter);
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
  get health() {
    return this.client.health;
  }
  supports(capability: UpstreamCapability): boolean {
    return this.client.supports(capability);
  }
  get calls() {
    return this.counter.calls;
  }
}

/**
 * The client's promise as it is, rather than wrapped in an async function's own (one promise and three turns fewer per
 * call); a client that throws instead of rejecting still rejects, as the async wrapper made it.
 */
function settled<T>(call: () => Promise<T>): Promise<T> {
  try {
    return call();
  } catch (error) {
    return Promise.reject(error);
  }
}

for (const name of COUNTED_READS) {
  Object.defineProperty(Budgeted.prototype, name, {
    value: function counted(this: Budgeted, ...args: unknown[]): Promise<unknown> {
      const exceeded = this.spend();
      if (exceeded) return Promise.reject(exceeded);
      const read = this.client[name] as (...callArgs: unknown[]) => Promise<unknown>;
      try {
        return read.apply(this.client, args);
      } catch (error) {
        return Promise.reject(error);
      }
    },
  });
}
