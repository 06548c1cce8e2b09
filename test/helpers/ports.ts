import { createServer } from 'node:http';

/**
 * A port of 127.0.0.1 nothing listens on now, for a server whose address another must know before it starts (a
 * redis-server, a PostgreSQL server, a webhook receiver); never the same twice in one test process.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const port = await anyPort();
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error('no free port of 127.0.0.1');
}

const handedOut = new Set<number>();

function anyPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
