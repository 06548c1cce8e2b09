/** POSTs an operation to a gateway over HTTP (a real socket, as a browser would). */
export async function gql<T = any>(url: string, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  let body: { data?: T; errors?: Array<{ message: string; extensions?: unknown }> };
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`gateway answered ${response.status}: ${text.slice(0, 300)}`);
  }
  if (body.errors?.length) throw new Error(`gateway errors: ${JSON.stringify(body.errors).slice(0, 500)}`);
  return body.data as T;
}

/** Headers that differ per client (they must not change what the gateway asks upstream). */
export function clientHeaders(i: number): Record<string, string> {
  return {
    'user-agent': `bench-client/${i} (${i % 2 ? 'Firefox' : 'Chrome'})`,
    'accept-language': i % 3 ? 'en-US,en;q=0.9' : 'de-DE',
    cookie: `session=s${i}; theme=${i % 2 ? 'dark' : 'light'}`,
    'x-request-id': `bench-${i}-${Math.random().toString(36).slice(2)}`,
    'x-client-version': `1.${i}.0`,
  };
}
