/** A route table matched by method and templated path (`/threads/{thread_id}/runs`). */
export interface RouteEntry {
  method: string;
  route: string;
}

interface Compiled<R extends RouteEntry> {
  entry: R;
  pattern: RegExp;
  names: string[];
}

export type RouteMatch<R extends RouteEntry> =
  | { found: R; params: Record<string, string> }
  /** No route for this method: `templated` is the first route whose path matched, for logs and fault rules. */
  | { found: undefined; templated: string | undefined };

/** Earlier entries win, so list a literal segment (`/threads/runs`) before a parameter (`/threads/{thread_id}`). */
export class RouteTable<R extends RouteEntry> {
  private readonly compiled: Array<Compiled<R>>;

  constructor(readonly entries: readonly R[]) {
    this.compiled = entries.map((entry) => {
      const names: string[] = [];
      const source = entry.route.replace(/\{(\w+)\}/g, (_, name: string) => {
        names.push(name);
        return '([^/]+)';
      });
      return { entry, pattern: new RegExp(`^${source}$`), names };
    });
  }

  /** Every templated route once, as fault rules name them. */
  routes(): string[] {
    return [...new Set(this.entries.map((entry) => entry.route))];
  }

  match(method: string, path: string): RouteMatch<R> {
    let templated: string | undefined;
    for (const { entry, pattern, names } of this.compiled) {
      const found = pattern.exec(path);
      if (!found) continue;
      templated ??= entry.route;
      if (entry.method !== method) continue;
      const params: Record<string, string> = {};
      names.forEach((name, i) => {
        params[name] = safeDecode(found[i + 1] ?? '');
      });
      return { found: entry, params };
    }
    return { found: undefined, templated };
  }
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
