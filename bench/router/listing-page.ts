/**
 * Throughput and latency of a listing-page query (3 subgraphs) through our router with every
 * protection on, side by side with a plain `@apollo/gateway` + `@apollo/server` and Hive Gateway, on
 * the running subgraphs (`make up`). Each gateway is a child process of its own, started fresh for
 * each round; they take turns, never run at once, and get the same query and the same closed-loop
 * load from this process.
 *
 * Environment (all optional):
 *   BENCH_CONCURRENCY=32 BENCH_WARMUP_SECONDS=5 BENCH_SECONDS=10 (measured per round)
 *   BENCH_ROUNDS=2                                     each gateway once per round, interleaved
 *   BENCH_GATEWAYS=router,plain,hive,hive-no-dedupe   which to run, in this order
 *   BENCH_CPU_PROF_DIR=<dir>                           V8 CPU profiles of the gateway children
 *   ROUTER_SIGNING_KEY, REDIS_URL                      else read through scripts/local-env.sh
 *   SUBGRAPH_{USERS,ORGS,LISTINGS}_URL                 else 127.0.0.1:4001..4003
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { isDeepStrictEqual } from 'node:util';
import { Pool } from 'undici';
import {
  cpuSeconds,
  fixed,
  freePort,
  localEnvironment,
  out,
  percentile,
  positiveNumber,
  REPO_ROOT,
  sleep,
  SUBGRAPH_NAMES,
  subgraphUrls,
} from '../support/local';
import type { GatewayKind } from './gateways';
const QUERY =
  'query ListingPage { listings(first: 20) { id title listPrice leaseAmount currency city bedroomsTotal owner { id displayName } organization { id name } } }';
const BODY = JSON.stringify({ query: QUERY, operationName: 'ListingPage' });
const DEMO_USER = { email: 'admin@homegraph.example', password: 'homegraph-demo' };

type Kind = 'router' | GatewayKind;
const LABELS: Record<Kind, string> = {
  router: 'our router (auth, limits, metrics, tracing)',
  plain: 'plain @apollo/gateway + @apollo/server',
  hive: 'Hive Gateway (defaults: dedupe on)',
  'hive-no-dedupe': 'Hive Gateway (dedupe off)',
};

const settings = {
  concurrency: Math.round(positiveNumber('BENCH_CONCURRENCY', 32)),
  warmupMs: positiveNumber('BENCH_WARMUP_SECONDS', 5) * 1000,
  measureMs: positiveNumber('BENCH_SECONDS', 10) * 1000,
  kinds: (process.env['BENCH_GATEWAYS'] ?? 'router,plain,hive,hive-no-dedupe')
    .split(',')
    .map((kind) => kind.trim())
    .filter(Boolean) as Kind[],
  rounds: Math.round(positiveNumber('BENCH_ROUNDS', 2)),
  cpuProfDir: process.env['BENCH_CPU_PROF_DIR'],
};

/** Stands in for an OTLP collector: answers 200 to everything and counts what it was sent. */
async function startTraceSink(): Promise<{
  url: string;
  stats: { requests: number; bytes: number };
  server: Server;
}> {
  const stats = { requests: 0, bytes: 0 };
  const server = createServer((req, res) => {
    req.on('data', (chunk: Buffer) => (stats.bytes += chunk.length));
    req.on('end', () => {
      stats.requests += 1;
      res.writeHead(200);
      res.end();
    });
  });
  const port = await freePort();
  await new Promise<void>((done) => server.listen(port, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${port}`, stats, server };
}

interface Gateway {
  kind: Kind;
  url: string;
  child: ChildProcess;
  logPath: string;
}

function cpuProfArgs(kind: Kind): string[] {
  return settings.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${resolve(settings.cpuProfDir, kind)}`] : [];
}

async function startGateway(
  kind: Kind,
  secrets: { signingKey: string; redisUrl: string },
  traceSinkUrl: string,
): Promise<Gateway> {
  const port = await freePort();
  const logPath = join(tmpdir(), `hg-bench-${kind}-${process.pid}.log`);
  const log = openSync(logPath, 'w');
  const common = {
    ...process.env,
    NODE_ENV: 'production',
    PORT: String(port),
    HOST: '127.0.0.1',
    ROUTER_SIGNING_KEY: secrets.signingKey,
    SUPERGRAPH_PATH: resolve(REPO_ROOT, 'schema/supergraph.graphql'),
    SUBGRAPH_USERS_URL: subgraphUrls.users,
    SUBGRAPH_ORGS_URL: subgraphUrls.orgs,
    SUBGRAPH_LISTINGS_URL: subgraphUrls.listings,
  };
  const child =
    kind === 'router'
      ? spawn(process.execPath, [...cpuProfArgs(kind), resolve(REPO_ROOT, 'router/dist/main.js')], {
          env: {
            ...common,
            REDIS_URL: secrets.redisUrl,
            USERS_JWKS_URL: new URL('/.well-known/jwks.json', subgraphUrls.users).href,
            // On, but above what the bench sends from one address and one user.
            RATE_LIMIT_IP_PER_MINUTE: '60000',
            RATE_LIMIT_USER_PER_MINUTE: '60000',
            RATE_LIMIT_KEY_PREFIX: `bench-ratelimit-${randomUUID()}`,
            APQ_KEY_PREFIX: `bench-apq-${randomUUID()}`,
            OTEL_ENABLED: 'true',
            OTEL_EXPORTER_OTLP_ENDPOINT: traceSinkUrl,
          },
          stdio: ['ignore', log, log],
        })
      : spawn(process.execPath, [...cpuProfArgs(kind), resolve(__dirname, 'gateways.js'), kind], {
          env: common,
          stdio: ['ignore', log, log],
        });
  closeSync(log);
  const gateway = { kind, url: `http://127.0.0.1:${port}`, child, logPath };
  const deadline = performance.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`${kind} exited with ${child.exitCode} while starting; see ${logPath}`);
    const answered = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    })
      .then((response) => response.status === 200)
      .catch(() => false);
    if (answered) return gateway;
    if (performance.now() > deadline) throw new Error(`${kind} not serving after 60 s; see ${logPath}`);
    await sleep(200);
  }
}

async function stopGateway(gateway: Gateway): Promise<void> {
  if (gateway.child.exitCode !== null) return;
  const exited = new Promise<void>((done) => gateway.child.once('exit', () => done()));
  gateway.child.kill('SIGTERM');
  const timer = setTimeout(() => gateway.child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, text };
}

/** Our router serves the bench as a signed-in user: one login, then the same access token throughout. */
async function login(routerUrl: string): Promise<string> {
  const { status, text } = await post(routerUrl, {
    query: 'mutation Login($input: LoginInput!) { login(input: $input) { accessToken } }',
    variables: { input: DEMO_USER },
  });
  const token = (JSON.parse(text) as { data?: { login?: { accessToken?: string } } }).data?.login
    ?.accessToken;
  if (status !== 200 || !token) throw new Error(`login failed (${status}): ${text.slice(0, 300)}`);
  return token;
}

interface ListingPage {
  listings: Array<{ owner: { displayName: string } | null; organization: { name: string } | null }>;
}

/** Fails loudly unless the query returns listings with data from all three subgraphs. */
async function checkQuery(gateway: Gateway, headers: Record<string, string>): Promise<ListingPage> {
  const { status, text } = await post(gateway.url, { query: QUERY, operationName: 'ListingPage' }, headers);
  const reply = JSON.parse(text) as { data?: ListingPage; errors?: unknown[] };
  const listings = reply.data?.listings ?? [];
  if (
    status !== 200 ||
    reply.errors?.length ||
    listings.length === 0 ||
    !listings.some((listing) => listing.owner?.displayName) ||
    !listings.some((listing) => listing.organization?.name)
  )
    throw new Error(
      `${gateway.kind}: the listing query did not return 3-subgraph data: ${text.slice(0, 500)}`,
    );
  return reply.data as ListingPage;
}

interface LoadResult {
  requests: number;
  errors: number;
  firstError?: string;
  seconds: number;
  latenciesMs: number[];
}

/** Closed loop: `concurrency` callers, each sending its next request as soon as the last one is answered. */
async function runLoad(pool: Pool, headers: Record<string, string>, durationMs: number): Promise<LoadResult> {
  const result: LoadResult = { requests: 0, errors: 0, seconds: 0, latenciesMs: [] };
  const start = performance.now();
  const deadline = start + durationMs;
  let last = start;
  const caller = async () => {
    while (performance.now() < deadline) {
      const sent = performance.now();
      let failure: string | undefined;
      try {
        const response = await pool.request({ path: '/graphql', method: 'POST', headers, body: BODY });
        const text = await response.body.text();
        // A full parse per reply would load this process more than the gateways differ by; the
        // check before the run parsed one reply in full.
        if (response.statusCode !== 200) failure = `HTTP ${response.statusCode}: ${text.slice(0, 200)}`;
        else if (text.includes('"errors"')) failure = text.slice(0, 300);
      } catch (error) {
        failure = error instanceof Error ? error.message : String(error);
      }
      last = performance.now();
      result.requests += 1;
      result.latenciesMs.push(last - sent);
      if (failure) {
        result.errors += 1;
        result.firstError ??= failure;
      }
    }
  };
  await Promise.all(Array.from({ length: settings.concurrency }, caller));
  result.seconds = (last - start) / 1000;
  return result;
}

/** The running subgraphs, as `scripts/services.sh` records them, and PostgreSQL's processes. */
function neighbourPids(): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  for (const name of SUBGRAPH_NAMES) {
    try {
      const pid = Number(readFileSync(resolve(REPO_ROOT, `.local/run/svc-${name}.pid`), 'utf8').trim());
      if (pid > 0) groups.set(name, [pid]);
    } catch {
      // Subgraphs started some other way: their share stays in "other".
    }
  }
  const postgres: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'postgres') postgres.push(Number(entry));
    } catch {
      // The process ended meanwhile.
    }
  }
  groups.set('postgres', postgres);
  return groups;
}

/** CPU seconds of every process of every group; a process that is gone reads as missing. */
function groupCpuSeconds(groups: Map<string, number[]>): Map<string, Map<number, number>> {
  return new Map(
    [...groups].map(([name, pids]) => [
      name,
      new Map(
        pids.map((pid) => [pid, cpuSeconds(pid)] as const).filter(([, seconds]) => Number.isFinite(seconds)),
      ),
    ]),
  );
}

/** What each group used in between, counting only processes alive at both readings (PostgreSQL backends come and go). */
function groupCpuUsed(
  before: Map<string, Map<number, number>>,
  after: Map<string, Map<number, number>>,
): Map<string, number> {
  return new Map(
    [...after].map(([name, pids]) => {
      let used = 0;
      for (const [pid, seconds] of pids) {
        const start = before.get(name)?.get(pid);
        if (start !== undefined) used += seconds - start;
      }
      return [name, used];
    }),
  );
}

/** Busy and total jiffies of the whole machine, for the share of all cores in use. */
function machineJiffies(): { busy: number; total: number } {
  const values = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '')
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const total = values.reduce((sum, value) => sum + value, 0);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  return { busy: total - idle, total };
}

interface Row {
  kind: Kind;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
  requests: number;
  gatewayCores: number;
  cpuMsPerRequest: number;
  machineBusyCores: number;
  /** CPU ms per request of each process group: the gateway, each subgraph, PostgreSQL, this bench, the rest. */
  cpuMsPerRequestBy: Record<string, number>;
  firstError?: string;
}

/** One measured stretch of one gateway; rounds of the same gateway are added together. */
interface Sample {
  requests: number;
  errors: number;
  seconds: number;
  latenciesMs: number[];
  /** CPU seconds of the gateway, each subgraph, PostgreSQL, this bench, and the whole machine. */
  cpu: Record<string, number>;
  machineBusyCores: number;
  firstError?: string;
}

async function measure(gateway: Gateway, headers: Record<string, string>): Promise<Sample> {
  const pool = new Pool(gateway.url, { connections: settings.concurrency, pipelining: 1 });
  try {
    await runLoad(pool, headers, settings.warmupMs);
    const groups = neighbourPids();
    const groupsBefore = groupCpuSeconds(groups);
    const benchBefore = process.cpuUsage();
    const gatewayBefore = cpuSeconds(gateway.child.pid);
    const machineBefore = machineJiffies();
    const load = await runLoad(pool, headers, settings.measureMs);
    const gatewayUsed = cpuSeconds(gateway.child.pid) - gatewayBefore;
    const machineAfter = machineJiffies();
    const benchUsage = process.cpuUsage(benchBefore);
    const groupsAfter = groupCpuSeconds(groups);
    const cpu: Record<string, number> = { gateway: gatewayUsed };
    for (const [name, used] of groupCpuUsed(groupsBefore, groupsAfter)) cpu[name] = used;
    cpu['bench'] = (benchUsage.user + benchUsage.system) / 1e6;
    cpu['machine'] = (machineAfter.busy - machineBefore.busy) / 100;
    return {
      requests: load.requests,
      errors: load.errors,
      seconds: load.seconds,
      latenciesMs: load.latenciesMs,
      cpu,
      machineBusyCores:
        ((machineAfter.busy - machineBefore.busy) / (machineAfter.total - machineBefore.total)) *
        cpus().length,
      ...(load.firstError ? { firstError: load.firstError } : {}),
    };
  } finally {
    await pool.close();
  }
}

function toRow(kind: Kind, samples: Sample[]): Row {
  const sum = (pick: (sample: Sample) => number) =>
    samples.reduce((total, sample) => total + pick(sample), 0);
  const requests = sum((sample) => sample.requests);
  const seconds = sum((sample) => sample.seconds);
  const sorted = samples.flatMap((sample) => sample.latenciesMs).sort((a, b) => a - b);
  const names = Object.keys(samples[0]?.cpu ?? {});
  const cpu = Object.fromEntries(names.map((name) => [name, sum((sample) => sample.cpu[name] ?? 0)]));
  const perRequest = (cpuSeconds: number) => +((1000 * cpuSeconds) / requests).toFixed(2);
  const by: Record<string, number> = {};
  for (const name of names) if (name !== 'machine') by[name] = perRequest(cpu[name] ?? 0);
  by['other'] = +(perRequest(cpu['machine'] ?? 0) - Object.values(by).reduce((a, b) => a + b, 0)).toFixed(2);
  const firstError = samples.find((sample) => sample.firstError)?.firstError;
  return {
    kind,
    rps: requests / seconds,
    p50: percentile(sorted, 0.5),
    p95: percentile(sorted, 0.95),
    p99: percentile(sorted, 0.99),
    errors: sum((sample) => sample.errors),
    requests,
    gatewayCores: (cpu['gateway'] ?? 0) / seconds,
    cpuMsPerRequest: (1000 * (cpu['gateway'] ?? 0)) / requests,
    machineBusyCores: sum((sample) => sample.machineBusyCores * sample.seconds) / seconds,
    cpuMsPerRequestBy: by,
    ...(firstError ? { firstError } : {}),
  };
}

/** Warnings and errors a gateway logged: a protection that fails open shows up only here. */
function gatewayComplaints(logPath: string): { count: number; first?: string } {
  const lines = readFileSync(logPath, 'utf8')
    .split('\n')
    .filter((line) => /"level":"(warn|error|fatal)"|"level":(40|50|60)\b/.test(line));
  return { count: lines.length, ...(lines[0] ? { first: lines[0].slice(0, 300) } : {}) };
}

function printTable(rows: Row[]): void {
  const width = Math.max(...rows.map((row) => LABELS[row.kind].length));
  out(
    `${'gateway'.padEnd(width)}  ${'req/s'.padStart(7)}  ${'p50 ms'.padStart(7)}  ${'p95 ms'.padStart(7)}  ${'p99 ms'.padStart(7)}  ${'errors'.padStart(6)}  ${'gw cores'.padStart(8)}  ${'gw CPU ms/req'.padStart(13)}  ${'machine busy'.padStart(12)}`,
  );
  for (const row of rows) {
    out(
      `${LABELS[row.kind].padEnd(width)}  ${fixed(row.rps).padStart(7)}  ${fixed(row.p50).padStart(7)}  ${fixed(row.p95).padStart(7)}  ${fixed(row.p99).padStart(7)}  ${String(row.errors).padStart(6)}  ${fixed(row.gatewayCores, 2).padStart(8)}  ${fixed(row.cpuMsPerRequest, 2).padStart(13)}  ${`${fixed(row.machineBusyCores, 2)}/${cpus().length}`.padStart(12)}`,
    );
  }
}

/** The two secrets the gateways need, from the environment or else as `make up` sets them. */
function routerSecrets(): { signingKey: string; redisUrl: string } {
  const env = localEnvironment(['ROUTER_SIGNING_KEY', 'REDIS_URL']);
  return { signingKey: env.ROUTER_SIGNING_KEY, redisUrl: env.REDIS_URL };
}

async function main(): Promise<void> {
  for (const kind of settings.kinds)
    if (!(kind in LABELS)) throw new Error(`BENCH_GATEWAYS: unknown gateway ${kind}`);
  const secrets = routerSecrets();
  const sink = await startTraceSink();
  out(
    `listing-page bench: ${settings.concurrency} concurrent callers; ${settings.rounds} rounds of ${settings.warmupMs / 1000} s warm-up + ${settings.measureMs / 1000} s measured per gateway`,
  );
  out(`query: ${QUERY}`);
  out(
    `start: ${new Date().toISOString()}  load average ${loadavg()
      .map((v) => v.toFixed(2))
      .join(' ')}  cores ${cpus().length}`,
  );

  const samples = new Map<Kind, Sample[]>(settings.kinds.map((kind) => [kind, []]));
  const warnings: Partial<Record<Kind, number>> = {};
  let reference: ListingPage | undefined;
  try {
    // Rounds interleave the gateways, so a neighbour's burst of load on this shared machine is spread
    // over all of them rather than landing on one.
    for (let round = 1; round <= settings.rounds; round += 1) {
      for (const kind of settings.kinds) {
        const gateway = await startGateway(kind, secrets, sink.url);
        try {
          const headers: Record<string, string> = { 'content-type': 'application/json' };
          if (kind === 'router') headers['authorization'] = `Bearer ${await login(gateway.url)}`;
          const data = await checkQuery(gateway, headers);
          if (reference && !isDeepStrictEqual(reference, data))
            out(`note: ${kind} returned different listing data than ${settings.kinds[0]}`);
          reference ??= data;
          const sample = await measure(gateway, headers);
          samples.get(kind)?.push(sample);
          out(
            `  round ${round} ${LABELS[kind]}: ${fixed(sample.requests / sample.seconds)} req/s, p95 ${fixed(
              percentile(
                [...sample.latenciesMs].sort((a, b) => a - b),
                0.95,
              ),
            )} ms, ${sample.errors} errors of ${sample.requests}, load average ${fixed(loadavg()[0] ?? Number.NaN, 2)}`,
          );
          if (sample.firstError) out(`    first error: ${sample.firstError}`);
        } finally {
          await stopGateway(gateway);
        }
        const complaints = gatewayComplaints(gateway.logPath);
        if (complaints.count) {
          out(`    ${kind} logged ${complaints.count} warnings or errors (${gateway.logPath}), e.g.:`);
          out(`    ${complaints.first}`);
          warnings[kind] = (warnings[kind] ?? 0) + complaints.count;
        }
      }
    }
  } finally {
    await new Promise<void>((done) => sink.server.close(() => done()));
  }
  const rows = settings.kinds.map((kind) => toRow(kind, samples.get(kind) ?? []));

  out();
  printTable(rows);
  out('(gw cores / CPU ms per request: the gateway process alone; machine busy: all processes, all cores)');
  out();
  out('CPU ms per request, by process:');
  const groupNames = Object.keys(rows[0]?.cpuMsPerRequestBy ?? {});
  const width = Math.max(...rows.map((row) => LABELS[row.kind].length));
  out(`${''.padEnd(width)}  ${groupNames.map((name) => name.padStart(9)).join('')}`);
  for (const row of rows)
    out(
      `${LABELS[row.kind].padEnd(width)}  ${groupNames.map((name) => fixed(row.cpuMsPerRequestBy[name] ?? Number.NaN, 2).padStart(9)).join('')}`,
    );
  const find = (kind: Kind) => rows.find((row) => row.kind === kind);
  const ours = find('router');
  const ratios: Record<string, number> = {};
  if (ours) {
    out();
    for (const other of ['plain', 'hive', 'hive-no-dedupe'] as const) {
      const row = find(other);
      if (!row) continue;
      ratios[`throughput_vs_${other}`] = ours.rps / row.rps;
      ratios[`p95_vs_${other}`] = ours.p95 / row.p95;
      out(
        `ours ÷ ${LABELS[other]}: throughput ×${fixed(ours.rps / row.rps, 2)}, p95 ×${fixed(ours.p95 / row.p95, 2)}`,
      );
    }
    const plain = find('plain');
    const hive = find('hive');
    if (plain && hive) {
      const met = {
        twiceThePlainGateway: ours.rps >= 2 * plain.rps,
        moreThanHiveDefaults: ours.rps > hive.rps,
        lowerP95: ours.p95 < plain.p95 && ours.p95 < hive.p95,
        noErrors: rows.every((row) => row.errors === 0) && !warnings.router,
      };
      out(
        `targets: ≥ 2× plain throughput ${met.twiceThePlainGateway ? 'met' : 'MISSED'}; > Hive (defaults) ${met.moreThanHiveDefaults ? 'met' : 'MISSED'}; lower p95 than both ${met.lowerP95 ? 'met' : 'MISSED'}; zero errors and warnings ${met.noErrors ? 'met' : 'MISSED'}`,
      );
    }
  }
  out(`trace sink received ${sink.stats.requests} OTLP exports (${sink.stats.bytes} bytes) from our router`);
  out(
    `end: ${new Date().toISOString()}  load average ${loadavg()
      .map((v) => v.toFixed(2))
      .join(' ')}`,
  );
  out(
    `RESULT ${JSON.stringify({
      bench: 'router-listing-page',
      concurrency: settings.concurrency,
      rounds: settings.rounds,
      measureSecondsPerRound: settings.measureMs / 1000,
      rows: rows.map(({ firstError: _firstError, ...row }) => ({
        ...row,
        rps: Math.round(row.rps),
        p50: +row.p50.toFixed(1),
        p95: +row.p95.toFixed(1),
        p99: +row.p99.toFixed(1),
        gatewayCores: +row.gatewayCores.toFixed(2),
        cpuMsPerRequest: +row.cpuMsPerRequest.toFixed(2),
        machineBusyCores: +row.machineBusyCores.toFixed(2),
      })),
      warnings,
      ratios: Object.fromEntries(Object.entries(ratios).map(([key, value]) => [key, +value.toFixed(2)])),
      loadavg: loadavg().map((value) => +value.toFixed(2)),
    })}`,
  );
  if (rows.some((row) => row.errors > 0)) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
