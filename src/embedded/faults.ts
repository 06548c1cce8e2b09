/**
 * Fault injection, off unless rules are given. A rule matches requests by method and templated
 * route and either delays them, answers with a status, or drops the connection.
 *
 * String form (RUNS_API_FAULTS), rules separated by `;`:
 *
 *   METHOD ROUTE ACTION [rate=R] [count=N] [retry_after_ms=MS]
 *
 *   METHOD  GET | POST | DELETE | *
 *   ROUTE   a templated route such as /threads/{thread_id}/runs (with or without /v1), or *
 *   ACTION  latency=MS | status=CODE | drop
 *   rate    probability 0..1 that a matching request is hit (default 1)
 *   count   hit this many requests, then stop (default: no limit)
 *   retry_after_ms  for status rules: the retry-after / retry-after-ms headers (default 1000 for 429 and 503)
 *
 * e.g. `POST /threads/{thread_id}/runs status=500 rate=0.5; * * latency=200; GET * status=429 count=1 retry_after_ms=50`
 */
export interface FaultRule {
  method: 'GET' | 'POST' | 'DELETE' | '*';
  /** Templated route like `/threads/{thread_id}/runs` (no `/v1`), or `*`. */
  route: string;
  kind: 'latency' | 'status' | 'drop';
  /** latency: how long to hold the request before handling it. */
  ms?: number;
  /** status: the status to answer with (429 and 5xx get the API's error bodies). */
  status?: number;
  /** status: the retry-after (seconds, rounded up) and retry-after-ms headers. */
  retryAfterMs?: number;
  /** Probability 0..1 that a matching request is hit; default 1. */
  rate?: number;
  /** Hit this many requests, then stop; absent means no limit. `list()` shows what is left. */
  count?: number;
}

export class FaultRuleError extends Error {
  override name = 'FaultRuleError';
}

const METHODS = ['GET', 'POST', 'DELETE', '*'] as const;

/** Checks and normalises one rule object; `where` names it in messages. */
export function normalizeRule(input: unknown, knownRoutes: readonly string[], where = 'fault rule'): FaultRule {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new FaultRuleError(`${where}: must be an object`);
  const raw = input as Record<string, unknown>;
  const allowed = ['method', 'route', 'kind', 'ms', 'status', 'retryAfterMs', 'rate', 'count'];
  const unknown = Object.keys(raw).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) throw new FaultRuleError(`${where}: unknown field ${unknown.map((k) => `"${k}"`).join(', ')} (allowed: ${allowed.join(', ')})`);

  const method = typeof raw['method'] === 'string' ? raw['method'].toUpperCase() : raw['method'];
  if (!METHODS.includes(method as FaultRule['method'])) throw new FaultRuleError(`${where}: method must be one of ${METHODS.join(', ')}, got ${JSON.stringify(raw['method'])}`);
  const route = normalizeRoute(raw['route'], knownRoutes, where);
  const kind = raw['kind'];
  if (kind !== 'latency' && kind !== 'status' && kind !== 'drop') throw new FaultRuleError(`${where}: kind must be latency, status or drop, got ${JSON.stringify(kind)}`);

  const rule: FaultRule = { method: method as FaultRule['method'], route, kind };
  if (kind === 'latency') rule.ms = integer(raw['ms'], `${where}: latency needs ms, a whole number of milliseconds >= 0`, 0, 600_000);
  else if (raw['ms'] !== undefined) throw new FaultRuleError(`${where}: ms only applies to latency rules`);
  if (kind === 'status') {
    rule.status = integer(raw['status'], `${where}: status needs a status code between 400 and 599`, 400, 599);
    if (raw['retryAfterMs'] !== undefined) rule.retryAfterMs = integer(raw['retryAfterMs'], `${where}: retryAfterMs must be a whole number of milliseconds >= 0`, 0, 3_600_000);
  } else {
    if (raw['status'] !== undefined) throw new FaultRuleError(`${where}: status only applies to status rules`);
    if (raw['retryAfterMs'] !== undefined) throw new FaultRuleError(`${where}: retryAfterMs only applies to status rules`);
  }
  if (raw['rate'] !== undefined) {
    const rate = raw['rate'];
    if (typeof rate !== 'number' || !Number.isFinite(rate) || rate < 0 || rate > 1) throw new FaultRuleError(`${where}: rate must be a number from 0 to 1, got ${JSON.stringify(rate)}`);
    rule.rate = rate;
  }
  if (raw['count'] !== undefined) rule.count = integer(raw['count'], `${where}: count must be a whole number >= 1`, 1, Number.MAX_SAFE_INTEGER);
  return rule;
}

function integer(value: unknown, message: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw new FaultRuleError(`${message}, got ${JSON.stringify(value)}`);
  return value;
}

function normalizeRoute(value: unknown, knownRoutes: readonly string[], where: string): string {
  if (typeof value !== 'string' || value === '') throw new FaultRuleError(`${where}: route must be a templated route or *`);
  if (value === '*') return value;
  const route = value.replace(/^\/v1(?=\/)/, '').replace(/\/+$/, '');
  if (!knownRoutes.includes(route)) {
    throw new FaultRuleError(`${where}: unknown route "${value}"; use * or one of: ${knownRoutes.join(', ')}`);
  }
  return route;
}

/** Parses the string form documented at the top of this file. */
export function parseFaultRules(text: string, knownRoutes: readonly string[]): FaultRule[] {
  const rules: FaultRule[] = [];
  const parts = text.split(';').map((part) => part.trim());
  parts.forEach((part, index) => {
    if (part === '') return;
    const where = `fault rule ${index + 1} ("${part}")`;
    const tokens = part.split(/\s+/);
    if (tokens.length < 3) throw new FaultRuleError(`${where}: expected METHOD ROUTE ACTION, e.g. "POST /threads/{thread_id}/runs status=500"`);
    const [method, route, ...options] = tokens as [string, string, ...string[]];
    const raw: Record<string, unknown> = { method, route };
    for (const option of options) {
      if (option === 'drop') {
        setKind(raw, 'drop', where);
        continue;
      }
      const eq = option.indexOf('=');
      if (eq <= 0) throw new FaultRuleError(`${where}: "${option}" is not drop or key=value`);
      const key = option.slice(0, eq).toLowerCase();
      const value = option.slice(eq + 1);
      if (!['latency', 'status', 'rate', 'count', 'retry_after_ms'].includes(key)) {
        throw new FaultRuleError(`${where}: unknown option "${key}" (use latency=, status=, drop, rate=, count=, retry_after_ms=)`);
      }
      const number = Number(value);
      if (value === '' || !Number.isFinite(number)) throw new FaultRuleError(`${where}: ${key} needs a number, got "${value}"`);
      switch (key) {
        case 'latency':
          setKind(raw, 'latency', where);
          raw['ms'] = number;
          break;
        case 'status':
          setKind(raw, 'status', where);
          raw['status'] = number;
          break;
        case 'rate':
          raw['rate'] = number;
          break;
        case 'count':
          raw['count'] = number;
          break;
        default:
          raw['retryAfterMs'] = number;
      }
    }
    if (raw['kind'] === undefined) throw new FaultRuleError(`${where}: no action; add latency=MS, status=CODE or drop`);
    rules.push(normalizeRule(raw, knownRoutes, where));
  });
  return rules;
}

function setKind(raw: Record<string, unknown>, kind: FaultRule['kind'], where: string): void {
  if (raw['kind'] !== undefined) throw new FaultRuleError(`${where}: more than one action; use one of latency=, status=, drop per rule`);
  raw['kind'] = kind;
}

export type FaultOutcome =
  | { kind: 'none'; latencyMs: number }
  | { kind: 'status'; latencyMs: number; status: number; retryAfterMs: number | undefined }
  | { kind: 'drop'; latencyMs: number };

/** The active rules; `decide` consumes counts, so it is called once per request. */
export class Faults {
  private rules: FaultRule[] = [];

  constructor(
    private readonly knownRoutes: readonly string[],
    private readonly random: () => number = Math.random,
  ) {}

  set(rules: FaultRule[] | string): void {
    this.rules = typeof rules === 'string' ? parseFaultRules(rules, this.knownRoutes) : rules.map((rule, i) => normalizeRule(rule, this.knownRoutes, `fault rule ${i + 1}`));
  }

  clear(): void {
    this.rules = [];
  }

  list(): FaultRule[] {
    return this.rules.map((rule) => ({ ...rule }));
  }

  /** Every matching latency rule adds up; the first matching status or drop rule answers. */
  decide(method: string, route: string): FaultOutcome {
    let latencyMs = 0;
    for (const rule of this.rules) {
      if (rule.kind !== 'latency' || !this.hits(rule, method, route)) continue;
      latencyMs += rule.ms ?? 0;
    }
    for (const rule of this.rules) {
      if (rule.kind === 'latency' || !this.hits(rule, method, route)) continue;
      if (rule.kind === 'drop') return { kind: 'drop', latencyMs };
      return { kind: 'status', latencyMs, status: rule.status ?? 500, retryAfterMs: rule.retryAfterMs };
    }
    return { kind: 'none', latencyMs };
  }

  private hits(rule: FaultRule, method: string, route: string): boolean {
    if (rule.method !== '*' && rule.method !== method) return false;
    if (rule.route !== '*' && rule.route !== route) return false;
    if (rule.count !== undefined && rule.count <= 0) return false;
    if (this.random() >= (rule.rate ?? 1)) return false;
    if (rule.count !== undefined) rule.count -= 1;
    return true;
  }
}
