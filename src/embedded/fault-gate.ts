import type { IncomingMessage } from 'node:http';
import { ApiError, invalidUrl, rateLimited, retryHeaders, serverError } from './errors.js';
import { FaultRuleError, normalizeRule, parseFaultRules, type FaultRule, type Faults } from './faults.js';

/** Where the fault rules can be read and changed at run time, when a server allows it. */
export const FAULT_CONTROL_PATH = '/__control/faults';

/**
 * Applies the fault rules to one request before it is handled: waits the latency, then drops the
 * connection or throws the status as the API's error. `stop()` cancels every wait (on close).
 */
export class FaultGate {
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(private readonly faults: Faults) {}

  /** `proceed`, or `stopped` when the request must not be answered (dropped, or the server closed meanwhile). */
  async apply(method: string, route: string, req: IncomingMessage): Promise<'proceed' | 'stopped'> {
    const fault = this.faults.decide(method, route);
    if (fault.latencyMs > 0) await this.sleep(fault.latencyMs);
    if (this.stopped) return 'stopped';
    if (fault.kind === 'drop') {
      req.socket.destroy();
      return 'stopped';
    }
    if (fault.kind === 'status') {
      const { status, retryAfterMs } = fault;
      if (status === 429) throw rateLimited(retryAfterMs ?? 1000);
      const retry = retryAfterMs !== undefined || status === 503 ? retryHeaders(retryAfterMs ?? 1000) : {};
      if (status >= 500) throw serverError(status, retry);
      throw new ApiError(status, `Injected fault: status ${status}.`, 'invalid_request_error', null, 'injected_fault', retry);
    }
    return 'proceed';
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }
}

/**
 * GET lists the rules, DELETE clears them, PUT replaces them with a JSON array of rules,
 * `{"rules": [...]}`, or a string in the RUNS_API_FAULTS syntax. A bad rule is a 400.
 */
export async function faultControl(faults: Faults, knownRoutes: readonly string[], method: string, readBody: () => Promise<unknown>): Promise<{ rules: FaultRule[] }> {
  if (method === 'GET') return { rules: faults.list() };
  if (method === 'DELETE') {
    faults.clear();
    return { rules: [] };
  }
  if (method !== 'PUT') throw invalidUrl(method, FAULT_CONTROL_PATH);
  const body = await readBody();
  let rules: FaultRule[];
  try {
    const input = body !== null && typeof body === 'object' && !Array.isArray(body) && 'rules' in body ? (body as { rules: unknown }).rules : body;
    if (typeof input === 'string') rules = parseFaultRules(input, knownRoutes);
    else if (Array.isArray(input)) rules = input.map((rule, i) => normalizeRule(rule, knownRoutes, `fault rule ${i + 1}`));
    else throw new FaultRuleError('expected a JSON array of rules, {"rules": [...]}, or a string in the RUNS_API_FAULTS syntax');
  } catch (error) {
    if (error instanceof FaultRuleError) throw new ApiError(400, error.message, 'invalid_request_error', 'rules', 'invalid_fault_rule');
    throw error;
  }
  faults.set(rules);
  return { rules: faults.list() };
}
