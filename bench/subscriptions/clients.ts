/**
 * A subscriber process of `fanout.ts`: holds many graphql-ws sockets, each with one subscription, and
 * reports over IPC when the first and the last of them received a given event. Raw `ws` sockets speak
 * the `graphql-transport-ws` protocol themselves (no graphql-ws client): a socket costs this process
 * a few kilobytes, so a few processes hold 10,000 of them.
 *
 * Started by fanout.ts (`node bench/dist/subscriptions/clients.js`, with an IPC channel); not meant to
 * be run by hand.
 */
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';

export type ToClients =
  | {
      type: 'open';
      url: string;
      count: number;
      concurrency: number;
      query: string;
      variables: Record<string, unknown>;
      connectionParams: Record<string, unknown>;
    }
  | { type: 'expect'; round: number; price: number; timeoutMs: number }
  | { type: 'close' };

export type FromClients =
  | {
      type: 'opened';
      acknowledged: number;
      failed: number;
      firstError?: string;
      ms: number;
      rssBytes: number;
    }
  | {
      type: 'received';
      round: number;
      /** Sockets that received the event; first and last receipt in epoch ms. */
      count: number;
      expected: number;
      firstAtMs: number;
      lastAtMs: number;
    }
  | { type: 'lost'; open: number; closes: number; errors: number; firstError?: string };

const epochMs = () => performance.timeOrigin + performance.now();
const PRICE = /"listPrice":(-?[0-9.e+]+)/;

function send(message: FromClients): void {
  process.send?.(message);
}

interface Socket {
  ws: WebSocket;
  acknowledged: boolean;
  /** The last round this socket received the expected event in. */
  round: number;
}

const sockets: Socket[] = [];
let errors = 0;
let closes = 0;
let firstError: string | undefined;
let expecting: { round: number; price: number; count: number; first: number; last: number } | undefined;
let expectTimer: NodeJS.Timeout | undefined;

function report(): void {
  if (!expecting) return;
  clearTimeout(expectTimer);
  const open = sockets.filter((socket) => socket.ws.readyState === WebSocket.OPEN).length;
  send({
    type: 'received',
    round: expecting.round,
    count: expecting.count,
    expected: open,
    firstAtMs: expecting.first,
    lastAtMs: expecting.last,
  });
  expecting = undefined;
}

function onMessage(socket: Socket, data: WebSocket.RawData): void {
  const text = data.toString();
  const at = epochMs();
  if (!socket.acknowledged) {
    if (text.includes('"connection_ack"')) socket.acknowledged = true;
    return;
  }
  if (!expecting || socket.round === expecting.round) {
    if (text.includes('"error"') && !text.includes('"next"')) {
      errors += 1;
      firstError ??= text.slice(0, 300);
    }
    return;
  }
  const match = PRICE.exec(text);
  if (!match || Number(match[1]) !== expecting.price) return;
  socket.round = expecting.round;
  if (expecting.count === 0) expecting.first = at;
  expecting.last = at;
  expecting.count += 1;
  if (expecting.count >= sockets.length) report();
}

/** Opens one socket, sends connection_init, waits for the ack, subscribes. */
function openOne(
  url: string,
  query: string,
  variables: Record<string, unknown>,
  connectionParams: Record<string, unknown>,
): Promise<Socket | string> {
  return new Promise((done) => {
    const ws = new WebSocket(url, 'graphql-transport-ws', { perMessageDeflate: false });
    const socket: Socket = { ws, acknowledged: false, round: 0 };
    let settled = false;
    const settle = (result: Socket | string) => {
      if (settled) return;
      settled = true;
      done(result);
    };
    ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: connectionParams })));
    ws.on('message', (data) => {
      const wasAcknowledged = socket.acknowledged;
      onMessage(socket, data);
      if (!wasAcknowledged && socket.acknowledged) {
        ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query, variables } }));
        settle(socket);
      }
    });
    ws.on('error', (error) => settle(error.message));
    ws.on('close', (code, reason) => {
      if (!settled) settle(`closed ${code} ${reason.toString()}`);
      else if (code !== 1000) {
        closes += 1;
        firstError ??= `closed ${code} ${reason.toString()}`;
      }
    });
  });
}

async function openAll(message: Extract<ToClients, { type: 'open' }>): Promise<void> {
  const started = performance.now();
  let next = 0;
  let failed = 0;
  let error: string | undefined;
  const worker = async () => {
    while (next < message.count) {
      next += 1;
      const result = await openOne(message.url, message.query, message.variables, message.connectionParams);
      if (typeof result === 'string') {
        failed += 1;
        error ??= result;
      } else sockets.push(result);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, message.concurrency) }, worker));
  send({
    type: 'opened',
    acknowledged: sockets.length,
    failed,
    ...(error ? { firstError: error } : {}),
    ms: performance.now() - started,
    rssBytes: process.memoryUsage.rss(),
  });
}

process.on('message', (message: ToClients) => {
  if (message.type === 'open') void openAll(message);
  else if (message.type === 'expect') {
    expecting = { round: message.round, price: message.price, count: 0, first: 0, last: 0 };
    expectTimer = setTimeout(report, message.timeoutMs);
  } else if (message.type === 'close') {
    const open = sockets.filter((socket) => socket.ws.readyState === WebSocket.OPEN).length;
    send({ type: 'lost', open, closes, errors, ...(firstError ? { firstError } : {}) });
    for (const socket of sockets) socket.ws.terminate();
    setTimeout(() => process.exit(0), 200);
  }
});

process.on('disconnect', () => process.exit(0));
