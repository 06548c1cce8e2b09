/**
 * WebSocket subscribers in a process of their own: one socket per subscriber (as one browser tab each),
 * speaking the graphql-ws protocol by hand so that the client side stays as light as it can.
 * Each `next` is stamped on arrival with the monotonic clock shared by every process of the machine.
 */
import WebSocket from 'ws';
import { now, serve } from './lib/rpc.js';

const SUBSCRIPTION = 'subscription Watch($t: ID, $r: ID!) { runUpdated(threadId: $t, runId: $r) { runId status metadata } }';

interface Target {
  url: string;
  threadId: string;
  runId: string;
}

const sockets = new Set<WebSocket>();
let receipts = new Map<string, number[]>();
/** Subscribers that got their first event (the run's current state). */
let initial = 0;
let firstEventMs: number[] = [];
let errors = 0;
let closed = 0;
let recording = false;
const errorSamples: string[] = [];

function open(target: Target): Promise<void> {
  return new Promise((resolve) => {
    const started = now();
    let settled = false;
    const done = () => {
      if (settled) return;
      settled = true;
      resolve();
    };
    const ws = new WebSocket(target.url, 'graphql-transport-ws', { perMessageDeflate: false });
    sockets.add(ws);
    let first = true;
    ws.on('open', () => ws.send('{"type":"connection_init"}'));
    ws.on('message', (data) => {
      const at = now();
      const message = JSON.parse(String(data)) as { type: string; payload?: any };
      switch (message.type) {
        case 'connection_ack':
          ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: SUBSCRIPTION, variables: { t: target.threadId, r: target.runId } } }));
          return;
        case 'next': {
          const run = message.payload?.data?.runUpdated;
          if (first) {
            first = false;
            initial += 1;
            firstEventMs.push(at - started);
            done();
          }
          if (!run) {
            errors += 1;
            if (errorSamples.length < 3) errorSamples.push(JSON.stringify(message.payload).slice(0, 300));
            return;
          }
          if (!recording) return;
          const key = `${run.runId}|${String(run.metadata?.seq ?? '')}`;
          let list = receipts.get(key);
          if (!list) receipts.set(key, (list = []));
          list.push(at);
          return;
        }
        case 'ping':
          ws.send('{"type":"pong"}');
          return;
        case 'error':
        case 'complete':
          errors += 1;
          if (errorSamples.length < 3) errorSamples.push(JSON.stringify(message).slice(0, 300));
          done();
          return;
      }
    });
    ws.on('error', (error) => {
      errors += 1;
      if (errorSamples.length < 3) errorSamples.push(String(error).slice(0, 300));
      done();
    });
    ws.on('close', () => {
      closed += 1;
      sockets.delete(ws);
      done();
    });
  });
}

serve(
  {
    /** Opens one subscriber per target, at most `parallel` handshakes at a time; resolves when all have their first event or failed. */
    async connect(args: { targets: Target[]; parallel: number; deadlineMs: number }) {
      const started = now();
      const queue = [...args.targets];
      // Bounded in time: past the deadline no new subscriber is opened (the report shows how many were).
      const next = () => (now() - started < args.deadlineMs ? queue.shift() : undefined);
      await Promise.all(
        Array.from({ length: Math.min(args.parallel, queue.length) }, async () => {
          for (let target = next(); target; target = next()) await open(target);
        }),
      );
      return { ms: now() - started, initial, errors, open: sockets.size };
    },
    /** Starts recording events (and forgets earlier ones). */
    record() {
      receipts = new Map();
      recording = true;
      return null;
    },
    /** How many events arrived since `record`. */
    received() {
      let n = 0;
      for (const list of receipts.values()) n += list.length;
      return n;
    },
    /** What arrived since `record`, by state key: arrival times. */
    collect() {
      recording = false;
      const result = { receipts: Object.fromEntries(receipts), errors, closed, open: sockets.size, errorSamples };
      receipts = new Map();
      return result;
    },
    firstEvents() {
      const result = firstEventMs;
      firstEventMs = [];
      return result;
    },
    async closeAll() {
      const waiting = [...sockets].map((ws) => new Promise<void>((resolve) => (ws.readyState === WebSocket.CLOSED ? resolve() : ws.once('close', () => resolve()))));
      for (const ws of sockets) ws.close(1000);
      await Promise.race([Promise.all(waiting), new Promise((resolve) => setTimeout(resolve, 5_000))]);
      for (const ws of sockets) ws.terminate();
      sockets.clear();
      initial = 0;
      errors = 0;
      closed = 0;
      return null;
    },
  },
  { pid: process.pid },
  async () => {
    for (const ws of sockets) ws.terminate();
  },
);
