/**
 * Subscriptions on our router (issue 5, item 8), on the running platform (`make up`): a router child
 * process of its own (`router/dist/main.js`, production mode, Kafka-fed subscriptions), so its memory
 * and CPU are its alone, and three measurements:
 *
 *   1. latency: one `listingUpdated(id)` subscriber; the admin demo user changes that listing's price
 *      100 times a second (open loop); per event, from just before the mutation is sent to the
 *      subscriber's receipt of the `next` carrying that price. Target p95 ≤ 150 ms.
 *   1b. event latency: the same subscriber; `listing.updated` events for those listings published
 *      straight to Kafka (as the outbox relay does) at BENCH_EVENT_RATE a second; from the publish to
 *      the receipt of the `next` carrying that event's id. The router's whole path (consume, filter,
 *      resolve through listings and users, send) without the write path.
 *   Both report the CPU the whole machine spent per mutation or event over its idle load (every
 *   process: subgraphs, PostgreSQL, Kafka, router, this bench), which bounds the rate this machine can
 *   sustain at all.
 *   2. sockets: N graphql-ws sockets (anonymous), each with one `listingUpdated(id)` subscription on
 *      the same listing, held by subscriber processes (`clients.ts`); the router's RSS before and after.
 *      Target 10,000 sockets within 1 GiB.
 *   3. fan-out: with those N subscribers, one price change; from the mutation's send to the first and
 *      the last subscriber's receipt. Target ≤ 1 s.
 *
 * Environment (all optional):
 *   BENCH_SOCKETS=10000              subscribers held in 2. and fanned out to in 3.
 *   BENCH_CLIENT_PROCS=2             subscriber processes sharing them
 *   BENCH_CONNECT_CONCURRENCY=100    sockets being opened at once per subscriber process
 *   BENCH_RATE=100                   mutations per second in 1.
 *   BENCH_EVENT_RATE=100             events per second in 1b. (0 skips it)
 *   BENCH_LATENCY_LISTINGS=20        ACTIVE listings the mutations of 1. and events of 1b. take turns on (one
 *                                    subscription each); 100 edits a second of one listing would measure
 *                                    its row lock, not the platform
 *   BENCH_SECONDS=20                 measured seconds of 1., after BENCH_WARMUP_SECONDS=2
 *   BENCH_FANOUT_ROUNDS=5            events fanned out in 3., BENCH_FANOUT_TIMEOUT_SECONDS=30 each
 *   BENCH_CPU_PROF_DIR / BENCH_HEAP_PROF_DIR   V8 CPU / heap-sampling profiles of the router child
 *   ROUTER_SIGNING_KEY, REDIS_URL, KAFKA_BROKERS   else read through scripts/local-env.sh
 *   SUBGRAPH_{USERS,ORGS,LISTINGS}_URL             else 127.0.0.1:4001..4003
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { OutboxWriter } from '@homegraph/platform/dist/events';
import { createIdempotentProducer, createKafka } from '@homegraph/platform/dist/kafka';
import { createLogger } from '@homegraph/platform/dist/logger';
import { eventCatalog, listingUpdated } from '@homegraph/schema';
import {
  cpuByProcess,
  cpuSeconds,
  fixed,
  freePort,
  localEnvironment,
  machineBusySeconds,
  out,
  percentile,
  positiveNumber,
  REPO_ROOT,
  sleep,
  subgraphUrls,
} from '../support/local';
import WebSocket from 'ws';
import type { FromClients, ToClients } from './clients';
const ADMIN = { email: 'admin@homegraph.example', password: 'homegraph-demo' };
const NOFILE = 65_536;
const SUBSCRIPTION =
  'subscription ListingUpdated($id: ID!) { listingUpdated(id: $id) { id listPrice status owner { displayName } } }';
const UPDATE =
  'mutation Reprice($input: UpdateListingInput!) { updateListing(input: $input) { listing { id listPrice } } }';

const settings = {
  sockets: Math.round(positiveNumber('BENCH_SOCKETS', 10_000)),
  clientProcs: Math.round(positiveNumber('BENCH_CLIENT_PROCS', 2)),
  connectConcurrency: Math.round(positiveNumber('BENCH_CONNECT_CONCURRENCY', 100)),
  rate: positiveNumber('BENCH_RATE', 100),
  eventRate: Number(process.env['BENCH_EVENT_RATE'] ?? 100),
  latencyListings: Math.round(positiveNumber('BENCH_LATENCY_LISTINGS', 20)),
  warmupMs: positiveNumber('BENCH_WARMUP_SECONDS', 2) * 1000,
  measureMs: positiveNumber('BENCH_SECONDS', 20) * 1000,
  fanoutRounds: Math.round(positiveNumber('BENCH_FANOUT_ROUNDS', 5)),
  fanoutTimeoutMs: positiveNumber('BENCH_FANOUT_TIMEOUT_SECONDS', 30) * 1000,
  cpuProfDir: process.env['BENCH_CPU_PROF_DIR'],
  heapProfDir: process.env['BENCH_HEAP_PROF_DIR'],
};

const TARGETS = { p95Ms: 150, sockets: 10_000, rssBytes: 1024 ** 3, fanoutMs: 1000 };

const epochMs = () => performance.timeOrigin + performance.now();
const mib = (bytes: number) => `${fixed(bytes / 1024 ** 2)} MiB`;
const loadAverage = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');

/** Spawns node with a raised open-files limit (the shell's `ulimit -n`, as root or within the hard limit). */
function spawnNode(args: string[], options: Parameters<typeof spawn>[2]): ChildProcess {
  return spawn(
    'bash',
    [
      '-c',
      `ulimit -n ${NOFILE} 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$@"`,
      'bash',
      process.execPath,
      ...args,
    ],
    options,
  );
}

function nofileOf(pid: number | undefined): string {
  try {
    return (
      readFileSync(`/proc/${pid}/limits`, 'utf8')
        .split('\n')
        .find((line) => line.startsWith('Max open files'))
        ?.split(/\s{2,}/)[1] ?? '?'
    );
  } catch {
    return '?';
  }
}

/** VmRSS and VmHWM of a process, in bytes (Linux). */
function memoryOf(pid: number | undefined): { rss: number; peak: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string) =>
      Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]) * 1024;
    return { rss: field('VmRSS'), peak: field('VmHWM') };
  } catch {
    return { rss: Number.NaN, peak: Number.NaN };
  }
}

interface Router {
  url: string;
  wsUrl: string;
  child: ChildProcess;
  logPath: string;
}

async function startRouter(local: LocalSettings): Promise<Router> {
  const port = await freePort();
  const logPath = join(tmpdir(), `hg-bench-subscriptions-router-${process.pid}.log`);
  const log = openSync(logPath, 'w');
  const profiling = [
    ...(settings.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${resolve(settings.cpuProfDir)}`] : []),
    ...(settings.heapProfDir ? ['--heap-prof', `--heap-prof-dir=${resolve(settings.heapProfDir)}`] : []),
  ];
  const child = spawnNode([...profiling, resolve(REPO_ROOT, 'router/dist/main.js')], {
    env: {
      ...process.env,
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      ROUTER_SIGNING_KEY: local.signingKey,
      REDIS_URL: local.redisUrl,
      KAFKA_BROKERS: local.kafkaBrokers,
      SUPERGRAPH_PATH: resolve(REPO_ROOT, 'schema/supergraph.graphql'),
      SUBGRAPH_USERS_URL: subgraphUrls.users,
      SUBGRAPH_ORGS_URL: subgraphUrls.orgs,
      SUBGRAPH_LISTINGS_URL: subgraphUrls.listings,
      USERS_JWKS_URL: new URL('/.well-known/jwks.json', subgraphUrls.users).href,
      // On, but above the 100 mutations a second this bench sends as one user from one address.
      RATE_LIMIT_IP_PER_MINUTE: '60000',
      RATE_LIMIT_USER_PER_MINUTE: '60000',
      RATE_LIMIT_KEY_PREFIX: `bench-ratelimit-${randomUUID()}`,
      APQ_KEY_PREFIX: `bench-apq-${randomUUID()}`,
      SUBSCRIPTION_CONSUMER_GROUP_PREFIX: 'bench-router-subscriptions',
    },
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  const router = { url: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}/graphql`, child, logPath };
  const deadline = performance.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`the router exited with ${child.exitCode} while starting; see ${logPath}`);
    // Ready means the subscription feed is positioned: every event published from now on is delivered.
    const ready = await fetch(`${router.url}/ready`)
      .then((response) => response.status === 200)
      .catch(() => false);
    if (ready) return router;
    if (performance.now() > deadline) throw new Error(`the router is not ready after 90 s; see ${logPath}`);
    await sleep(250);
  }
}

async function stopRouter(router: Router): Promise<void> {
  if (router.child.exitCode !== null) return;
  const exited = new Promise<void>((done) => router.child.once('exit', () => done()));
  router.child.kill('SIGTERM');
  const timer = setTimeout(() => router.child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

async function graphql<T>(
  url: string,
  query: string,
  variables: Record<string, unknown>,
  token?: string,
): Promise<T> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  const reply = JSON.parse(text) as { data?: T; errors?: unknown[] };
  if (response.status !== 200 || reply.errors?.length || !reply.data)
    throw new Error(`${query.slice(0, 40)}… failed (${response.status}): ${text.slice(0, 300)}`);
  return reply.data;
}

async function login(url: string): Promise<string> {
  const data = await graphql<{ login: { accessToken: string } }>(
    url,
    'mutation Login($input: LoginInput!) { login(input: $input) { accessToken } }',
    { input: ADMIN },
  );
  return data.login.accessToken;
}

interface Listing {
  id: string;
  status: string;
  listPrice: number | null;
}

/** ACTIVE demo listings for sale (a price change keeps them ACTIVE). */
async function pickListings(url: string, token: string, count: number): Promise<Listing[]> {
  const data = await graphql<{ listings: Listing[] }>(
    url,
    'query Pick { listings(first: 100) { id status listPrice } }',
    {},
    token,
  );
  const listings = data.listings
    .filter((candidate) => candidate.status === 'ACTIVE' && candidate.listPrice)
    .slice(0, count);
  if (listings.length < count)
    throw new Error(
      `fewer than ${count} ACTIVE listings with a list price among the first 100 demo listings`,
    );
  return listings;
}

/** Reads one gauge of the router's /metrics. */
async function gauge(router: Router, name: string): Promise<number> {
  const text = await fetch(`${router.url}/metrics`).then((response) => response.text());
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name}{`));
  return Number(line?.split(' ').pop());
}

/** A price no earlier mutation of this run used, so a `next` names the mutation it answers. */
function prices(start: number): () => number {
  let next = Math.round(start) + 1;
  return () => next++;
}

// ---------------------------------------------------------------------------------------------------
// 1. Latency

interface LatencyResult {
  sent: number;
  measured: number;
  received: number;
  missed: number;
  failed: number;
  firstFailure?: string;
  achievedRate: number;
  latenciesMs: number[];
  /** Send to its acknowledgement: the mutation's HTTP reply, or the broker's for a published event. */
  acknowledgedMs: number[];
  routerCpuMsPerEvent: number;
  /** CPU ms per measured send, by process (bench/support/local.ts `cpuByProcess`), largest first. */
  cpuByProcessMs: Array<[string, number]>;
  /** Busy CPU of every process on the machine from the first measured send until the last receipt. */
  machineCpuSeconds: number;
  windowSeconds: number;
}

/** One raw graphql-ws subscriber in this process; resolves once acknowledged and subscribed. */
async function subscriber(router: Router, listingIds: string[], onNext: (text: string, at: number) => void) {
  const ws = new WebSocket(router.wsUrl, 'graphql-transport-ws', { perMessageDeflate: false });
  await new Promise<void>((done, fail) => {
    ws.once('error', fail);
    ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: {} })));
    ws.on('message', (data: WebSocket.RawData) => {
      const at = performance.now();
      const text = data.toString();
      if (text.includes('"connection_ack"')) {
        listingIds.forEach((id, index) =>
          ws.send(
            JSON.stringify({
              id: String(index + 1),
              type: 'subscribe',
              payload: { query: SUBSCRIPTION, variables: { id } },
            }),
          ),
        );
        done();
      } else if (text.includes('"next"')) onNext(text, at);
      else if (text.includes('"error"')) out(`  latency subscriber got an error: ${text.slice(0, 300)}`);
    });
  });
  return ws;
}

/** What one send of an open loop put on its way: the key its `next` will carry, and its acknowledgement. */
interface Sent<Key> {
  key: Key;
  acknowledged: Promise<void>;
}

/**
 * Sends at `rate` per second on a fixed schedule (open loop: a slow answer never delays the next send)
 * for the warm-up and the measured seconds, with one subscriber on `listingIds`; matches each `next` to
 * its send by `keyOf` and counts each key once, at its first receipt.
 */
async function openLoop<Key>(
  router: Router,
  listingIds: string[],
  rate: number,
  keyOf: (text: string) => Key | undefined,
  send: (index: number, listingId: string) => Sent<Key>,
): Promise<LatencyResult> {
  const sentAt = new Map<Key, { at: number; measured: boolean }>();
  const latencies: number[] = [];
  const acknowledgedMs: number[] = [];
  let received = 0;
  const ws = await subscriber(router, listingIds, (text, at) => {
    const key = keyOf(text);
    const sent = key === undefined ? undefined : sentAt.get(key);
    if (!sent || key === undefined) return;
    sentAt.delete(key);
    received += 1;
    if (sent.measured) latencies.push(at - sent.at);
  });
  // The router's group may still be joining the topic's partitions right after `ready`; a moment's grace.
  await sleep(500);
  const intervalMs = 1000 / rate;
  const total = Math.round(((settings.warmupMs + settings.measureMs) / 1000) * rate);
  const warmup = Math.round((settings.warmupMs / 1000) * rate);
  let failed = 0;
  let firstFailure: string | undefined;
  let measured = 0;
  const inflight = new Set<Promise<void>>();
  const start = performance.now();
  let cpuBefore = Number.NaN;
  let machineBefore = Number.NaN;
  const named = { [router.child.pid ?? -1]: 'router under test', [process.pid]: 'bench client' };
  let processesBefore = new Map<string, number>();
  let measureStart = start;
  for (let i = 0; i < total; i += 1) {
    const wait = start + i * intervalMs - performance.now();
    if (wait > 1) await sleep(wait);
    if (i === warmup) {
      cpuBefore = cpuSeconds(router.child.pid);
      machineBefore = machineBusySeconds();
      processesBefore = cpuByProcess(named);
      measureStart = performance.now();
    }
    const isMeasured = i >= warmup;
    if (isMeasured) measured += 1;
    const at = performance.now();
    const { key, acknowledged } = send(i, listingIds[i % listingIds.length] as string);
    // Set before any `next` can be read: receipts arrive on a later turn of the event loop.
    sentAt.set(key, { at, measured: isMeasured });
    const tracked = acknowledged
      .then(() => {
        if (isMeasured) acknowledgedMs.push(performance.now() - at);
      })
      .catch((error: unknown) => {
        failed += 1;
        sentAt.delete(key);
        firstFailure ??= error instanceof Error ? error.message : String(error);
      })
      .finally(() => inflight.delete(tracked));
    inflight.add(tracked);
  }
  const sendSeconds = (performance.now() - measureStart) / 1000;
  await Promise.all(inflight);
  // Let the last events arrive.
  const drainUntil = performance.now() + 5_000;
  while (sentAt.size && performance.now() < drainUntil) await sleep(50);
  const routerCpu = cpuSeconds(router.child.pid) - cpuBefore;
  const machineCpu = machineBusySeconds() - machineBefore;
  const cpuByProcessMs = [...cpuByProcess(named)]
    .map(([name, seconds]): [string, number] => [
      name,
      (1000 * (seconds - (processesBefore.get(name) ?? 0))) / measured,
    ])
    .filter(([, ms]) => ms >= 0.05)
    .sort((a, b) => b[1] - a[1]);
  ws.close(1000);
  return {
    sent: total,
    measured,
    received,
    missed: sentAt.size,
    failed,
    ...(firstFailure ? { firstFailure } : {}),
    achievedRate: measured / sendSeconds,
    latenciesMs: latencies.sort((a, b) => a - b),
    acknowledgedMs: acknowledgedMs.sort((a, b) => a - b),
    routerCpuMsPerEvent: (1000 * routerCpu) / measured,
    cpuByProcessMs,
    machineCpuSeconds: machineCpu,
    windowSeconds: (performance.now() - measureStart) / 1000,
  };
}

/**
 * 1: price changes through the router, each matched at the subscriber by its price. The router reads
 * the listing when it handles the event: a later state may answer an earlier event, and the same state
 * may come twice, so a price can go unseen.
 */
function measureLatency(
  router: Router,
  pool: Pool,
  token: string,
  listingIds: string[],
  nextPrice: () => number,
): Promise<LatencyResult> {
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  return openLoop(
    router,
    listingIds,
    settings.rate,
    (text) => Number(/"listPrice":(-?[0-9.e+]+)/.exec(text)?.[1]),
    (_index, id) => {
      const price = nextPrice();
      const body = JSON.stringify({ query: UPDATE, variables: { input: { id, listPrice: price } } });
      const acknowledged = pool
        .request({ path: '/graphql', method: 'POST', headers, body })
        .then(async (response) => {
          const text = await response.body.text();
          if (response.statusCode !== 200 || text.includes('"errors"')) throw new Error(text.slice(0, 300));
        });
      return { key: price, acknowledged };
    },
  );
}

const byProcess = (result: LatencyResult) =>
  result.cpuByProcessMs.map(([name, ms]) => `${name} ${fixed(ms, 2)}`).join(', ');

/** Cores the machine keeps busy with nothing sent (servers polling, heartbeats, other sessions). */
async function idleBusyCores(seconds = 3): Promise<number> {
  const before = machineBusySeconds();
  await sleep(seconds * 1000);
  return (machineBusySeconds() - before) / seconds;
}

/** CPU per mutation or event on top of the idle load, and the rate the rest of the machine allows. */
function marginalCost(result: LatencyResult, idleCores: number): { msPerEvent: number; ceiling: number } {
  const msPerEvent = (1000 * (result.machineCpuSeconds - idleCores * result.windowSeconds)) / result.measured;
  return { msPerEvent, ceiling: ((cpus().length - idleCores) * 1000) / msPerEvent };
}

/**
 * 1b: events published straight to the listings topic, each matched at the subscriber by the
 * `extensions.eventId` of its `next`. The listing itself doesn't change, so every event is answered.
 */
async function measureEventLatency(
  router: Router,
  local: LocalSettings,
  listingIds: string[],
): Promise<LatencyResult> {
  const kafka = createKafka({
    brokers: local.kafkaBrokers.split(','),
    clientId: 'bench-subscriptions',
    logger: createLogger({ service: 'bench', level: 'warn' }),
  });
  const producer = createIdempotentProducer(kafka);
  await producer.connect();
  const writer = new OutboxWriter(eventCatalog(), 'bench');
  try {
    return await openLoop(
      router,
      listingIds,
      settings.eventRate,
      (text) => /"eventId":"([0-9a-f-]+)"/.exec(text)?.[1],
      (index, listingId) => {
        const [record] = writer.records({
          type: listingUpdated.type,
          aggregate: { id: listingId, version: index + 1 },
          actor: { type: 'system', id: 'bench' },
          payload: { listingId, changedFields: ['description'] },
        });
        if (!record) throw new Error('the outbox writer made no record');
        const acknowledged = producer
          .send({
            topic: record.topic,
            acks: -1,
            messages: [{ key: record.key, value: record.value, headers: record.headers }],
          })
          .then(() => undefined);
        return { key: record.envelope.eventId, acknowledged };
      },
    );
  } finally {
    await producer.disconnect();
  }
}

// ---------------------------------------------------------------------------------------------------
// 2. and 3. Sockets and fan-out

interface ClientProc {
  child: ChildProcess;
  count: number;
  next<T extends FromClients['type']>(type: T): Promise<Extract<FromClients, { type: T }>>;
}

function startClients(count: number): ClientProc {
  const child = spawnNode([resolve(__dirname, 'clients.js')], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiting: Array<{ type: string; done: (message: FromClients) => void }> = [];
  child.on('message', (message: FromClients) => {
    const index = waiting.findIndex((entry) => entry.type === message.type);
    if (index >= 0) waiting.splice(index, 1)[0]?.done(message);
  });
  return {
    child,
    count,
    next: (type) =>
      new Promise((done, fail) => {
        waiting.push({ type, done: done as (message: FromClients) => void });
        child.once('exit', (code) => fail(new Error(`a subscriber process exited (${code})`)));
      }),
  };
}

const tell = (proc: ClientProc, message: ToClients) => proc.child.send(message);

interface SocketsResult {
  requested: number;
  acknowledged: number;
  failed: number;
  firstError?: string;
  subscriptionsActive: number;
  socketsOpen: number;
  openSeconds: number;
  rssBefore: number;
  rssAfter: number;
  clientRss: number[];
  routerNofile: string;
  clientNofile: string;
}

async function openSockets(router: Router, listingId: string, procs: ClientProc[]): Promise<SocketsResult> {
  const rssBefore = memoryOf(router.child.pid).rss;
  const started = performance.now();
  const opened = await Promise.all(
    procs.map((proc) => {
      const reply = proc.next('opened');
      tell(proc, {
        type: 'open',
        url: router.wsUrl,
        count: proc.count,
        concurrency: settings.connectConcurrency,
        query: SUBSCRIPTION,
        variables: { id: listingId },
        connectionParams: {},
      });
      return reply;
    }),
  );
  const acknowledged = opened.reduce((sum, reply) => sum + reply.acknowledged, 0);
  // graphql-ws confirms a connection, not a subscription: the router's gauge says how many it serves.
  const deadline = performance.now() + 30_000;
  let subscriptionsActive = 0;
  while (performance.now() < deadline) {
    subscriptionsActive = await gauge(router, 'graphql_subscriptions_active');
    if (subscriptionsActive >= acknowledged) break;
    await sleep(200);
  }
  const openSeconds = (performance.now() - started) / 1000;
  // Let the allocations of the connection burst settle before reading the steady RSS.
  await sleep(3_000);
  const firstError = opened.find((reply) => reply.firstError)?.firstError;
  return {
    requested: settings.sockets,
    acknowledged,
    failed: opened.reduce((sum, reply) => sum + reply.failed, 0),
    ...(firstError ? { firstError } : {}),
    subscriptionsActive: await gauge(router, 'graphql_subscriptions_active'),
    socketsOpen: await gauge(router, 'graphql_subscription_sockets_open'),
    openSeconds,
    rssBefore,
    rssAfter: memoryOf(router.child.pid).rss,
    clientRss: opened.map((reply) => reply.rssBytes),
    routerNofile: nofileOf(router.child.pid),
    clientNofile: nofileOf(procs[0]?.child.pid),
  };
}

interface FanoutRound {
  round: number;
  received: number;
  expected: number;
  firstMs: number;
  lastMs: number;
  mutationMs: number;
  routerCpuMs: number;
}

async function fanOut(
  router: Router,
  pool: Pool,
  token: string,
  listingId: string,
  procs: ClientProc[],
  nextPrice: () => number,
): Promise<FanoutRound[]> {
  const rounds: FanoutRound[] = [];
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  for (let round = 1; round <= settings.fanoutRounds; round += 1) {
    const price = nextPrice();
    const replies = procs.map((proc) => {
      const reply = proc.next('received');
      tell(proc, { type: 'expect', round, price, timeoutMs: settings.fanoutTimeoutMs });
      return reply;
    });
    // Let the subscriber processes take the expectation before the clock starts.
    await sleep(200);
    const cpuBefore = cpuSeconds(router.child.pid);
    const sentAt = epochMs();
    const response = await pool.request({
      path: '/graphql',
      method: 'POST',
      headers,
      body: JSON.stringify({ query: UPDATE, variables: { input: { id: listingId, listPrice: price } } }),
    });
    const text = await response.body.text();
    const mutationMs = epochMs() - sentAt;
    if (response.statusCode !== 200 || text.includes('"errors"'))
      throw new Error(`fan-out mutation failed: ${text.slice(0, 300)}`);
    const received = await Promise.all(replies);
    const routerCpuMs = 1000 * (cpuSeconds(router.child.pid) - cpuBefore);
    const got = received.filter((reply) => reply.count > 0);
    const result: FanoutRound = {
      round,
      received: received.reduce((sum, reply) => sum + reply.count, 0),
      expected: received.reduce((sum, reply) => sum + reply.expected, 0),
      firstMs: Math.min(...got.map((reply) => reply.firstAtMs)) - sentAt,
      lastMs: Math.max(...got.map((reply) => reply.lastAtMs)) - sentAt,
      mutationMs,
      routerCpuMs,
    };
    rounds.push(result);
    out(
      `  round ${round}: ${result.received}/${result.expected} received; first ${fixed(result.firstMs)} ms, last ${fixed(result.lastMs)} ms after the send (mutation answered in ${fixed(mutationMs)} ms; router CPU ${fixed(routerCpuMs, 0)} ms); load ${loadAverage()}`,
    );
    await sleep(1_000);
  }
  return rounds;
}

function median(values: number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
}

/** Warnings and errors the router logged. */
function routerComplaints(logPath: string): { count: number; first?: string } {
  const lines = readFileSync(logPath, 'utf8')
    .split('\n')
    .filter((line) => /"level":"(warn|error|fatal)"|"level":(40|50|60)\b/.test(line))
    // The bench polls /ready while the router starts; those answers are expected.
    .filter((line) => !line.includes('"msg":"not ready"'));
  return { count: lines.length, ...(lines[0] ? { first: lines[0].slice(0, 300) } : {}) };
}

interface LocalSettings {
  signingKey: string;
  redisUrl: string;
  kafkaBrokers: string;
}

/** The router's secrets and Kafka, from the environment or else as `make up` sets them. */
function routerSettings(): LocalSettings {
  const env = localEnvironment(['ROUTER_SIGNING_KEY', 'REDIS_URL', 'KAFKA_BROKERS']);
  return { signingKey: env.ROUTER_SIGNING_KEY, redisUrl: env.REDIS_URL, kafkaBrokers: env.KAFKA_BROKERS };
}

async function main(): Promise<void> {
  const local = routerSettings();
  const loadBefore = loadAverage();
  out(
    `subscriptions bench: latency at ${settings.rate}/s for ${settings.measureMs / 1000} s (+${settings.warmupMs / 1000} s warm-up); ${settings.sockets} sockets over ${settings.clientProcs} subscriber processes; ${settings.fanoutRounds} fan-out rounds`,
  );
  out(`subscription: ${SUBSCRIPTION}`);
  out(`start: ${new Date().toISOString()}  load average ${loadBefore}  cores ${cpus().length}`);

  const router = await startRouter(local);
  const pool = new Pool(router.url, { connections: 16, pipelining: 1 });
  const procs: ClientProc[] = [];
  let restore: (() => Promise<unknown>) | undefined;
  try {
    const token = await login(router.url);
    const picked = await pickListings(router.url, token, settings.latencyListings);
    const listing = picked[0] as Listing;
    restore = () =>
      Promise.all(
        picked.map((each) =>
          graphql(router.url, UPDATE, { input: { id: each.id, listPrice: each.listPrice } }, token),
        ),
      );
    // Far from the listing's own price, so no `next` before the bench matches a mutation by mistake.
    const nextPrice = prices(
      Math.max(1_000_000, (listing.listPrice ?? 0) * 2) + Math.floor(Math.random() * 1e6),
    );
    out(
      `router pid ${router.child.pid} (max open files ${nofileOf(router.child.pid)}), log ${router.logPath}; listing ${listing.id} (ACTIVE, ${listing.listPrice})`,
    );
    const idle = memoryOf(router.child.pid);
    out(`router RSS at ready: ${mib(idle.rss)}`);

    const idleCores = await idleBusyCores();
    out(`idle load before measuring: ${fixed(idleCores, 2)} of ${cpus().length} cores busy`);
    out('1. latency');
    const latency = await measureLatency(
      router,
      pool,
      token,
      picked.map((each) => each.id),
      nextPrice,
    );
    const p50 = percentile(latency.latenciesMs, 0.5);
    const p95 = percentile(latency.latenciesMs, 0.95);
    const p99 = percentile(latency.latenciesMs, 0.99);
    out(
      `  ${latency.measured} measured mutations at ${fixed(latency.achievedRate)}/s; ${latency.latenciesMs.length} matched, ${latency.missed} prices never seen (a later state answered), ${latency.failed} failed; router CPU ${fixed(latency.routerCpuMsPerEvent, 2)} ms per mutation + event`,
    );
    out(
      `  mutation answered (send → HTTP reply): p50 ${fixed(percentile(latency.acknowledgedMs, 0.5))} / p95 ${fixed(percentile(latency.acknowledgedMs, 0.95))} / p99 ${fixed(percentile(latency.acknowledgedMs, 0.99))} ms; ${settings.latencyListings} listing(s)`,
    );
    if (latency.firstFailure) out(`  first failure: ${latency.firstFailure}`);
    const mutationCost = marginalCost(latency, idleCores);
    out(
      `  whole machine: ${fixed(mutationCost.msPerEvent, 1)} ms CPU per mutation + event over the idle load (all processes) → at most ~${fixed(mutationCost.ceiling, 0)} mutations/s on ${cpus().length} cores`,
    );
    out(`  CPU ms per mutation + event by process: ${byProcess(latency)}`);

    let events: LatencyResult | undefined;
    if (settings.eventRate > 0) {
      out(`1b. event latency (load ${loadAverage()})`);
      events = await measureEventLatency(
        router,
        local,
        picked.map((each) => each.id),
      );
      out(
        `  ${events.measured} measured events at ${fixed(events.achievedRate)}/s; ${events.latenciesMs.length} received, ${events.missed} never seen, ${events.failed} failed to publish; router CPU ${fixed(events.routerCpuMsPerEvent, 2)} ms per event; whole machine ${fixed(marginalCost(events, idleCores).msPerEvent, 1)} ms per event over the idle load`,
      );
      if (events.firstFailure) out(`  first failure: ${events.firstFailure}`);
      out(`  CPU ms per event by process: ${byProcess(events)}`);
    }

    out(`2. sockets (load ${loadAverage()})`);
    const perProc = Math.ceil(settings.sockets / settings.clientProcs);
    for (let i = 0; i < settings.clientProcs; i += 1) {
      const count = Math.min(perProc, settings.sockets - i * perProc);
      if (count > 0) procs.push(startClients(count));
    }
    const sockets = await openSockets(router, listing.id, procs);
    const perSocket = (sockets.rssAfter - sockets.rssBefore) / Math.max(1, sockets.acknowledged);
    out(
      `  ${sockets.acknowledged}/${sockets.requested} acknowledged in ${fixed(sockets.openSeconds)} s (${sockets.failed} failed${sockets.firstError ? `: ${sockets.firstError}` : ''}); router gauges: ${sockets.socketsOpen} sockets open, ${sockets.subscriptionsActive} subscriptions active (this bench's latency subscriber has left)`,
    );
    out(
      `  router RSS ${mib(sockets.rssBefore)} → ${mib(sockets.rssAfter)}: ${fixed(perSocket / 1024)} KiB per socket; subscriber processes ${sockets.clientRss.map(mib).join(', ')}; open-files limit router ${sockets.routerNofile}, subscribers ${sockets.clientNofile}`,
    );

    out('3. fan-out');
    const rounds = await fanOut(router, pool, token, listing.id, procs, nextPrice);
    const memory = memoryOf(router.child.pid);
    const closing = await Promise.all(
      procs.map((proc) => {
        const reply = proc.next('lost');
        tell(proc, { type: 'close' });
        return reply;
      }),
    );
    const stillOpen = closing.reduce((sum, reply) => sum + reply.open, 0);
    const cutOff = closing.reduce((sum, reply) => sum + reply.closes, 0);
    out(
      `  router RSS after fan-out ${mib(memory.rss)}, peak (VmHWM) ${mib(memory.peak)}; ${stillOpen} sockets still open, ${cutOff} closed by the router${closing.find((reply) => reply.firstError) ? ` (${closing.find((reply) => reply.firstError)?.firstError})` : ''}`,
    );

    const fanoutLast = median(rounds.map((round) => round.lastMs));
    const fanoutFirst = median(rounds.map((round) => round.firstMs));
    const allDelivered = rounds.every((round) => round.received === settings.sockets);
    const eventP = (q: number) => (events ? percentile(events.latenciesMs, q) : Number.NaN);
    const met = {
      latency: p95 <= TARGETS.p95Ms && latency.failed === 0,
      eventLatency:
        events !== undefined &&
        settings.eventRate >= 100 &&
        eventP(0.95) <= TARGETS.p95Ms &&
        events.failed === 0 &&
        events.missed === 0,
      sockets:
        settings.sockets >= TARGETS.sockets &&
        sockets.acknowledged === settings.sockets &&
        sockets.subscriptionsActive >= settings.sockets &&
        Math.max(sockets.rssAfter, memory.peak) <= TARGETS.rssBytes,
      fanout: fanoutLast <= TARGETS.fanoutMs && allDelivered,
    };
    const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
    out();
    out('| measurement | result | target | verdict |');
    out('| --- | --- | --- | --- |');
    out(
      `| latency mutation → subscriber (${latency.latenciesMs.length} events at ${fixed(latency.achievedRate)}/s) | p50 ${fixed(p50)} / p95 **${fixed(p95)}** / p99 ${fixed(p99)} ms (max ${fixed(latency.latenciesMs.at(-1) ?? Number.NaN)}) | p95 ≤ ${TARGETS.p95Ms} ms | ${verdict(met.latency)} |`,
    );
    if (events)
      out(
        `| latency event published → subscriber (${events.latenciesMs.length} events at ${fixed(events.achievedRate)}/s) | p50 ${fixed(eventP(0.5))} / p95 **${fixed(eventP(0.95))}** / p99 ${fixed(eventP(0.99))} ms (max ${fixed(events.latenciesMs.at(-1) ?? Number.NaN)}) | p95 ≤ ${TARGETS.p95Ms} ms at 100/s | ${verdict(met.eventLatency)} |`,
      );
    out(
      `| sockets held, each with one subscription | ${sockets.acknowledged}/${settings.sockets} acknowledged, ${sockets.subscriptionsActive} subscribed; router RSS ${mib(sockets.rssBefore)} → **${mib(sockets.rssAfter)}** (peak ${mib(memory.peak)}), ${fixed(perSocket / 1024)} KiB/socket | ${TARGETS.sockets} within 1 GiB | ${verdict(met.sockets)} |`,
    );
    out(
      `| fan-out of one event to ${settings.sockets} subscribers | last ${rounds.map((round) => fixed(round.lastMs, 0)).join(' / ')} ms, median **${fixed(fanoutLast, 0)}**; first median ${fixed(fanoutFirst, 0)} ms; ${allDelivered ? 'all delivered' : 'NOT all delivered'} | ≤ ${TARGETS.fanoutMs} ms | ${verdict(met.fanout)} |`,
    );
    out();
    const complaints = routerComplaints(router.logPath);
    if (complaints.count)
      out(`router logged ${complaints.count} warnings or errors, e.g. ${complaints.first}`);
    const loadAfter = loadAverage();
    out(
      `targets: latency ${verdict(met.latency)}; event latency ${events ? verdict(met.eventLatency) : 'not run'}; sockets ${verdict(met.sockets)}; fan-out ${verdict(met.fanout)}`,
    );
    out(`end: ${new Date().toISOString()}  load average before ${loadBefore}, after ${loadAfter}`);
    out(
      `RESULT ${JSON.stringify({
        bench: 'router-subscriptions',
        settings: { ...settings, cpuProfDir: undefined, heapProfDir: undefined },
        latency: {
          count: latency.latenciesMs.length,
          measured: latency.measured,
          missed: latency.missed,
          failed: latency.failed,
          rate: +latency.achievedRate.toFixed(1),
          p50: +p50.toFixed(1),
          p95: +p95.toFixed(1),
          p99: +p99.toFixed(1),
          routerCpuMsPerEvent: +latency.routerCpuMsPerEvent.toFixed(2),
          listings: settings.latencyListings,
          mutationP50: +percentile(latency.acknowledgedMs, 0.5).toFixed(1),
          mutationP95: +percentile(latency.acknowledgedMs, 0.95).toFixed(1),
          machineCpuMsPerMutation: +mutationCost.msPerEvent.toFixed(1),
          idleCores: +idleCores.toFixed(2),
        },
        ...(events
          ? {
              eventLatency: {
                count: events.latenciesMs.length,
                measured: events.measured,
                missed: events.missed,
                failed: events.failed,
                rate: +events.achievedRate.toFixed(1),
                p50: +eventP(0.5).toFixed(1),
                p95: +eventP(0.95).toFixed(1),
                p99: +eventP(0.99).toFixed(1),
                routerCpuMsPerEvent: +events.routerCpuMsPerEvent.toFixed(2),
                machineCpuMsPerEvent: +marginalCost(events, idleCores).msPerEvent.toFixed(1),
              },
            }
          : {}),
        sockets: {
          acknowledged: sockets.acknowledged,
          subscribed: sockets.subscriptionsActive,
          rssBeforeMiB: +(sockets.rssBefore / 1024 ** 2).toFixed(1),
          rssAfterMiB: +(sockets.rssAfter / 1024 ** 2).toFixed(1),
          peakMiB: +(memory.peak / 1024 ** 2).toFixed(1),
          kibPerSocket: +(perSocket / 1024).toFixed(1),
          openSeconds: +sockets.openSeconds.toFixed(1),
        },
        fanout: rounds.map((round) => ({
          ...round,
          firstMs: +round.firstMs.toFixed(1),
          lastMs: +round.lastMs.toFixed(1),
          mutationMs: +round.mutationMs.toFixed(1),
          routerCpuMs: Math.round(round.routerCpuMs),
        })),
        met,
        loadavg: { before: loadBefore, after: loadAfter },
      })}`,
    );
    if (!met.latency || !met.sockets || !met.fanout) process.exitCode = 2;
  } finally {
    for (const proc of procs) if (proc.child.exitCode === null) proc.child.kill('SIGTERM');
    await restore?.().catch((error: unknown) =>
      out(`could not restore the listing's price: ${String(error)}`),
    );
    await pool.close();
    await stopRouter(router);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
