import { describe, expect, it } from 'vitest';
import { GraphQLError, type ExecutionResult } from 'graphql';
import { createSchema, createYoga } from 'graphql-yoga';
import { createErrorMasker, type ErrorMasker } from '../../src/security/masking.js';
import { useSharedSubscriptionEvents } from '../../src/server/subscription-events.js';

const notFound = () => new GraphQLError('Not found.', { extensions: { code: 'NOT_FOUND', requestId: 'req_upstream_1' } });
const bug = () => new TypeError('Cannot read properties of undefined (reading "secret")');

/**
 * One field of each kind over HTTP (yoga's masking), and the same failures as a subscription event (the
 * subscription-events plugin's masking): the gateway's two paths, wired as src/server/app.ts wires them.
 */
function gatewayLike(masker: ErrorMasker) {
  const schema = createSchema({
    typeDefs: /* GraphQL */ `
      type Query { bug: String, notFound: String }
      type Event { bug: String, notFound: String }
      type Subscription { events: Event! }
    `,
    resolvers: {
      Query: { bug: () => Promise.reject(bug()), notFound: () => Promise.reject(notFound()) },
      Event: { bug: () => Promise.reject(bug()), notFound: () => Promise.reject(notFound()) },
      Subscription: {
        events: {
          subscribe: async function* () {
            yield {};
          },
          resolve: (payload: object) => payload,
        },
      },
    },
  });
  return createYoga({
    schema,
    logging: false,
    maskedErrors: { isDev: masker.isDev, errorMessage: masker.errorMessage, maskError: masker.rules },
    plugins: [useSharedSubscriptionEvents({ eventContext: (ctx) => ctx, audience: () => '', shareMs: 0, maskError: (error) => masker.mask(error) })],
  });
}

async function viaHttp(yoga: ReturnType<typeof gatewayLike>, field: string): Promise<unknown> {
  const response = await yoga.fetch('http://yoga/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: `{ ${field} }` }) });
  return ((await response.json()) as ExecutionResult).errors;
}

async function viaSubscription(yoga: ReturnType<typeof gatewayLike>, field: string): Promise<unknown> {
  const { parse, subscribe, contextFactory, schema } = yoga.getEnveloped({});
  const stream = (await subscribe({ schema, document: parse(`subscription { events { ${field} } }`), contextValue: await contextFactory() })) as AsyncIterableIterator<ExecutionResult>;
  const first = await stream.next();
  await stream.return?.();
  // As the transports write it (graphql-ws: error.toJSON(); SSE: JSON.stringify).
  return JSON.parse(JSON.stringify((first.value as ExecutionResult).errors));
}

describe('createErrorMasker', () => {
  it('an error nobody mapped becomes "Unexpected error." with INTERNAL_SERVER_ERROR, on HTTP and on subscriptions alike', async () => {
    const yoga = gatewayLike(createErrorMasker({ isDev: false, tenancy: false }));
    const expected = [{ message: 'Unexpected error.', locations: [{ line: 1, column: expect.any(Number) }], path: expect.any(Array), extensions: { code: 'INTERNAL_SERVER_ERROR' } }];
    const http = await viaHttp(yoga, 'bug');
    expect(http).toEqual([{ ...expected[0], path: ['bug'] }]);
    // yoga drops its internal `unexpected` flag when it writes a result; the subscription's error still has it.
    const subscription = await viaSubscription(yoga, 'bug');
    expect(subscription).toMatchObject([{ ...expected[0], path: ['events', 'bug'] }]);
    for (const errors of [http, subscription]) expect(JSON.stringify(errors)).not.toMatch(/secret|TypeError/);
  });

  it('in development the original error rides along (both paths)', async () => {
    const yoga = gatewayLike(createErrorMasker({ isDev: true, tenancy: false }));
    for (const errors of [await viaHttp(yoga, 'bug'), await viaSubscription(yoga, 'bug')]) {
      expect(errors).toMatchObject([{ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR', originalError: { message: 'Cannot read properties of undefined (reading "secret")' } } }]);
    }
  });

  it('typed errors pass unchanged; with tenants NOT_FOUND loses the upstream request id (both paths)', async () => {
    const open = gatewayLike(createErrorMasker({ isDev: false, tenancy: false }));
    for (const errors of [await viaHttp(open, 'notFound'), await viaSubscription(open, 'notFound')]) {
      expect(errors).toMatchObject([{ message: 'Not found.', extensions: { code: 'NOT_FOUND', requestId: 'req_upstream_1' } }]);
    }
    const tenants = gatewayLike(createErrorMasker({ isDev: false, tenancy: true }));
    for (const errors of [await viaHttp(tenants, 'notFound'), await viaSubscription(tenants, 'notFound')]) {
      expect((errors as Array<{ extensions: unknown }>)[0]!.extensions).toEqual({ code: 'NOT_FOUND' });
    }
  });

  it('mask: an error it masked is passed on as it is, and only changed errors are reported', () => {
    const reported: unknown[] = [];
    const masker = createErrorMasker({ isDev: false, tenancy: false, onMasked: (error) => void reported.push(error) });
    const original = bug();
    const masked = masker.mask(original);
    expect(masked).toBeInstanceOf(GraphQLError);
    expect((masked as GraphQLError).message).toBe('Unexpected error.');
    expect(masker.mask(masked)).toBe(masked);
    const typed = new GraphQLError('Too many.', { extensions: { code: 'RATE_LIMITED' } });
    expect(masker.mask(typed)).toBe(typed);
    expect(reported).toEqual([original]);
  });
});
