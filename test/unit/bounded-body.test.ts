import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readBoundedBody } from '../../src/security/http.js';

/** A request whose body is written by the test, chunk by chunk, and the response readBoundedBody may answer on. */
function request(headers: Record<string, string>) {
  const req = new IncomingMessage(new Socket());
  const res = new ServerResponse(req);
  const source = Object.assign(new PassThrough(), { method: 'POST', headers, complete: true });
  return { source, res, read: (maxBytes: number) => readBoundedBody(source as unknown as IncomingMessage, res, maxBytes) };
}

const bytesOf = (source: object) => (source as { body?: { bytes?: Buffer } }).body?.bytes;

describe('readBoundedBody', () => {
  it('hands a body that came in one chunk on as that chunk, without a copy', async () => {
    const { source, read } = request({ 'content-type': 'application/graphql' });
    const chunk = Buffer.from('{ __typename }');
    const done = read(1024);
    source.end(chunk);
    expect(await done).toBe(true);
    expect(bytesOf(source)).toBe(chunk);
  });

  it('joins a body of several chunks in order, and refuses one whose chunks pass the limit (413)', async () => {
    const joined = request({ 'content-type': 'application/json' });
    const done = joined.read(1024);
    joined.source.write('{"query":');
    joined.source.write('"{ __typename }"');
    joined.source.end('}');
    expect(await done).toBe(true);
    expect((joined.source as unknown as { body: unknown }).body).toEqual({ query: '{ __typename }' });

    const tooLarge = request({ 'content-type': 'application/json' });
    const refused = tooLarge.read(10);
    tooLarge.source.write('{"query":');
    tooLarge.source.write('"{ __typename }"}');
    expect(await refused).toBe(false);
    expect(tooLarge.res.statusCode).toBe(413);
    expect(bytesOf(tooLarge.source)).toBeUndefined();
  });

  it('takes an empty body as no bytes, and refuses any content-encoding but identity (415), in any case', async () => {
    const empty = request({ 'content-type': 'application/graphql' });
    const done = empty.read(1024);
    empty.source.end();
    expect(await done).toBe(true);
    expect(bytesOf(empty.source)?.length).toBe(0);

    for (const encoding of ['gzip', '', 'Identity ', 'identity']) {
      const encoded = request({ 'content-type': 'application/json', 'content-encoding': encoding });
      const read = encoded.read(1024);
      encoded.source.end('{"query":"{ __typename }"}');
      const accepted = encoding.toLowerCase().trim() === 'identity';
      expect(await read).toBe(accepted);
      if (!accepted) expect(encoded.res.statusCode).toBe(415);
    }
  });
});
