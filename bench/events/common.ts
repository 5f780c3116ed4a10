/**
 * Shared pieces of the event-backbone benchmarks: servers, a throwaway database and topics, the bench
 * event contract, timing instrumentation (wrappers around the pool and the producer the runtime is
 * given, so no platform code changes), CPU sampling and printing.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Kafka, Message, Producer, ProducerBatch } from 'kafkajs';
import { Client, Pool, type PoolClient } from 'pg';
import { z } from 'zod';
import {
  defineEvent,
  EVENT_TABLES_SQL,
  EventCatalog,
  HEADERS,
  OutboxWriter,
  plannedTopics,
  provisionTopics,
  type TopicCatalog,
} from '@homegraph/platform/dist/events';
import { createKafka } from '@homegraph/platform/dist/kafka';
import { createLogger, type Logger } from '@homegraph/platform/dist/logger';

// kafkajs 2 warns once per producer about its default partitioner; the benches use that default.
process.env['KAFKAJS_NO_PARTITIONER_WARNING'] = '1';

const REPO_ROOT = resolve(__dirname, '../../..');

/** Prints one line of results (the benches' only stdout output besides pino warnings). */
export function out(line = ''): void {
  process.stdout.write(`${line}\n`);
}

export const logger: Logger = createLogger({ service: 'bench', level: 'warn' });

export interface Servers {
  postgresUrl: string;
  kafkaBrokers: string[];
}

/** POSTGRES_URL and KAFKA_BROKERS from the environment, else from `infra/local/hg-local env`. */
export function servers(): Servers {
  let postgresUrl = process.env['POSTGRES_URL'];
  let brokers = process.env['KAFKA_BROKERS'];
  if (!postgresUrl || !brokers) {
    const lines = execFileSync(resolve(REPO_ROOT, 'infra/local/hg-local'), ['env', 'postgres', 'kafka'], {
      encoding: 'utf8',
    }).split('\n');
    const env = Object.fromEntries(
      lines
        .filter((line) => line.includes('='))
        .map((line) => [line.split('=')[0], line.slice(line.indexOf('=') + 1)]),
    );
    postgresUrl ??= env['POSTGRES_URL'];
    brokers ??= env['KAFKA_BROKERS'];
  }
  if (!postgresUrl || !brokers)
    throw new Error('POSTGRES_URL / KAFKA_BROKERS unknown: run `infra/local/hg-local up postgres kafka`');
  return { postgresUrl: postgresUrl.replace(/\/+$/, ''), kafkaBrokers: brokers.split(',') };
}

export function benchKafka(env: Servers, clientId: string): Kafka {
  return createKafka({ brokers: env.kafkaBrokers, clientId, logger, connectionTimeoutMs: 10_000 });
}

/** A short random id for unique database, topic and group names. */
export const runId = () => randomUUID().replace(/-/g, '').slice(0, 10);

/** Command-line integer option `--name=value` (or `--name value`), with a default. */
export function intOption(name: string, fallback: number): number {
  const argv = process.argv.slice(2);
  const index = argv.findIndex((arg) => arg === `--${name}` || arg.startsWith(`--${name}=`));
  if (index < 0) return fallback;
  const arg = argv[index] as string;
  const raw = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[index + 1];
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`--${name} needs a positive integer, got ${raw}`);
  return value;
}

/** Command-line string option `--name=value` restricted to `choices`; the first choice is the default. */
export function choiceOption<T extends string>(name: string, choices: readonly T[]): T {
  const argv = process.argv.slice(2);
  const index = argv.findIndex((arg) => arg === `--${name}` || arg.startsWith(`--${name}=`));
  if (index < 0) return choices[0] as T;
  const arg = argv[index] as string;
  const raw = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[index + 1];
  const choice = choices.find((candidate) => candidate === raw);
  if (!choice) throw new Error(`--${name} is one of ${choices.join(', ')}; got ${raw}`);
  return choice;
}

/** Wall clock in epoch milliseconds with sub-millisecond resolution (monotonic within the process). */
export const epochMs = () => performance.timeOrigin + performance.now();

export const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

export async function waitUntil(
  description: string,
  probe: () => boolean | Promise<boolean>,
  timeoutMs: number,
  intervalMs = 5,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await probe())) {
    if (performance.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}`);
    await sleep(intervalMs);
  }
}

/** Runs registered cleanups in reverse order; each failure is logged, never thrown. */
export class Cleanup {
  private readonly steps: [string, () => Promise<unknown>][] = [];

  add(name: string, step: () => Promise<unknown>): void {
    this.steps.push([name, step]);
  }

  async run(): Promise<void> {
    for (const [name, step] of this.steps.reverse()) {
      await step().catch((error: unknown) =>
        logger.warn({ err: error, step: name }, 'bench cleanup step failed'),
      );
    }
  }
}

/** The bench's one event type: a small payload, like a typical domain event with a few fields. */
export function benchContracts(topic: string) {
  const itemChanged = defineEvent({
    type: 'bench.item_changed',
    version: 1,
    topic,
    aggregateType: 'Item',
    description: 'An item changed (benchmark event)',
    payload: z.object({
      sequence: z.number().int().nonnegative(),
      /** Epoch ms (fractional) at which the producing transaction started writing the event. */
      writtenAtMs: z.number().optional(),
      status: z.enum(['active', 'pending', 'sold']),
      priceCents: z.number().int().nonnegative(),
    }),
  });
  return { itemChanged, catalog: new EventCatalog([itemChanged]) };
}

export const SYSTEM_ACTOR = { type: 'system', id: 'bench' } as const;

export function benchPayload(sequence: number, writtenAtMs?: number) {
  const statuses = ['active', 'pending', 'sold'] as const;
  return {
    sequence,
    ...(writtenAtMs === undefined ? {} : { writtenAtMs }),
    status: statuses[sequence % 3] as (typeof statuses)[number],
    priceCents: 10_000_000 + (sequence % 997) * 1000,
  };
}

export interface BenchDatabase {
  name: string;
  url: string;
  pool: Pool;
  drop(): Promise<void>;
}

/** A fresh database with EVENT_TABLES_SQL and the given extra tables; drop() ends the pool and drops it. */
export async function createBenchDatabase(
  env: Servers,
  poolMax: number,
  extraSql = '',
): Promise<BenchDatabase> {
  const name = `hg_bench_${runId()}`;
  const admin = new Client({ connectionString: `${env.postgresUrl}/postgres` });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = `${env.postgresUrl}/${name}`;
  const pool = new Pool({ connectionString: url, max: poolMax });
  await pool.query(EVENT_TABLES_SQL);
  if (extraSql) await pool.query(extraSql);
  return {
    name,
    url,
    pool,
    drop: async () => {
      await pool.end();
      const client = new Client({ connectionString: `${env.postgresUrl}/postgres` });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** What a handler writes: one row per handled event. */
export const effectsTableSql = (table: string) => `CREATE TABLE ${table} (
  id BIGSERIAL PRIMARY KEY, event_id UUID NOT NULL, aggregate_id TEXT NOT NULL, sequence INT NOT NULL,
  handled_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp())`;

/**
 * Provisions event topics (and the retry/DLQ topics of the given consumer groups) through the real
 * catalog code, and returns every topic name created, for deletion at the end.
 */
export async function provisionBenchTopics(
  kafka: Kafka,
  topics: string[],
  partitions: number,
  groups: Record<string, { consumes: string[]; retryDelaysMs: number[] }> = {},
): Promise<string[]> {
  const catalog: TopicCatalog = {
    environments: { bench: { replicationFactor: 1, minInsyncReplicas: 1 } },
    topics: Object.fromEntries(
      topics.map((topic) => [
        topic,
        { description: 'benchmark', partitions, retentionMs: 3_600_000, cleanupPolicy: 'delete' as const },
      ]),
    ),
    consumerGroups: Object.fromEntries(
      Object.entries(groups).map(([group, settings]) => [
        group,
        { description: 'benchmark', ...settings, retryPartitions: 1, deadLetterRetentionMs: 3_600_000 },
      ]),
    ),
  };
  const specs = plannedTopics(catalog, 'bench');
  const admin = kafka.admin();
  await admin.connect();
  try {
    await provisionTopics(admin, specs, logger);
  } finally {
    await admin.disconnect();
  }
  return specs.map((spec) => spec.name);
}

export async function deleteTopicsAndGroups(
  kafka: Kafka,
  topics: string[],
  groups: string[] = [],
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    if (groups.length) await admin.deleteGroups(groups).catch(() => undefined);
    await admin.deleteTopics({ topics, timeout: 30_000 });
  } finally {
    await admin.disconnect();
  }
}

/** Sum of the end offsets of a topic's partitions: how many records it holds (from offset 0). */
export async function topicRecordCount(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, partition) => sum + Number(partition.high) - Number(partition.low), 0);
  } finally {
    await admin.disconnect();
  }
}

/** Accumulates call durations by name. */
export class Timings {
  private readonly stats = new Map<string, { count: number; totalMs: number; maxMs: number }>();

  record(name: string, ms: number): void {
    const stat = this.stats.get(name) ?? { count: 0, totalMs: 0, maxMs: 0 };
    stat.count += 1;
    stat.totalMs += ms;
    stat.maxMs = Math.max(stat.maxMs, ms);
    this.stats.set(name, stat);
  }

  async time<T>(name: string, work: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await work();
    } finally {
      this.record(name, performance.now() - start);
    }
  }

  get(name: string) {
    return this.stats.get(name);
  }

  reset(): void {
    this.stats.clear();
  }

  /** One line per name: calls, total, mean, max, and total as a share of `wallMs` (summed over concurrent callers). */
  print(wallMs: number, indent = '  '): void {
    const width = Math.max(...[...this.stats.keys()].map((name) => name.length), 10);
    out(
      `${indent}${'call'.padEnd(width)}  ${'calls'.padStart(7)}  ${'total ms'.padStart(9)}  ${'mean ms'.padStart(8)}  ${'max ms'.padStart(8)}  ${'% wall'.padStart(7)}`,
    );
    for (const [name, stat] of [...this.stats].sort((a, b) => b[1].totalMs - a[1].totalMs)) {
      out(
        `${indent}${name.padEnd(width)}  ${String(stat.count).padStart(7)}  ${stat.totalMs.toFixed(0).padStart(9)}  ${(stat.totalMs / stat.count).toFixed(3).padStart(8)}  ${stat.maxMs.toFixed(1).padStart(8)}  ${((100 * stat.totalMs) / wallMs).toFixed(1).padStart(6)}%`,
      );
    }
  }
}

type QueryFn = (...args: unknown[]) => unknown;
const instrumented = new WeakSet<object>();

function sqlText(arg: unknown): string {
  if (typeof arg === 'string') return arg;
  if (arg && typeof arg === 'object' && 'text' in arg) return String((arg as { text: unknown }).text);
  return '?';
}

function instrumentClient(
  client: PoolClient,
  timings: Timings,
  classify: (sql: string) => string,
): PoolClient {
  if (instrumented.has(client)) return client;
  instrumented.add(client);
  const target = client as unknown as { query: QueryFn };
  const original = target.query.bind(client) as QueryFn;
  target.query = (...args: unknown[]) => {
    const name = classify(sqlText(args[0]));
    const start = performance.now();
    const result = original(...args);
    if (result instanceof Promise) {
      return result.finally(() => timings.record(name, performance.now() - start));
    }
    return result;
  };
  return client;
}

/**
 * The same pool, but every client it hands out (and its own `query`) records each statement's
 * round-trip time under `classify(sql)`, and `connect` records the wait for a client.
 */
export function instrumentPool(pool: Pool, timings: Timings, classify: (sql: string) => string): Pool {
  return new Proxy(pool, {
    get(target, property) {
      if (property === 'connect') {
        return async () => {
          const start = performance.now();
          const client = await target.connect();
          timings.record('pool.connect (acquire)', performance.now() - start);
          return instrumentClient(client, timings, classify);
        };
      }
      if (property === 'query') {
        return async (...args: unknown[]) => {
          const start = performance.now();
          try {
            return await (target.query as unknown as QueryFn).apply(target, args);
          } finally {
            timings.record(`pool.query ${classify(sqlText(args[0]))}`, performance.now() - start);
          }
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as QueryFn).bind(target) : value;
    },
  });
}

/**
 * The same producer, but each `sendBatch` is timed, and `onSent` sees each acknowledged batch with
 * the epoch times (ms) at which it was handed to kafkajs and acknowledged.
 */
export function instrumentProducer(
  producer: Producer,
  timings: Timings,
  onSent?: (batch: ProducerBatch, sentAtMs: number, ackedAtMs: number) => void,
): Producer {
  return new Proxy(producer, {
    get(target, property) {
      if (property === 'sendBatch') {
        return async (batch: ProducerBatch) => {
          const start = performance.now();
          const result = await target.sendBatch(batch);
          const end = performance.now();
          timings.record('kafka sendBatch (acks=-1)', end - start);
          onSent?.(batch, performance.timeOrigin + start, performance.timeOrigin + end);
          return result;
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as QueryFn).bind(target) : value;
    },
  });
}

/** CPU use between start() and stop(): this process, and the whole machine (from /proc/stat). */
export class CpuSampler {
  private process = process.cpuUsage();
  private machine = CpuSampler.machineTicks();
  private startedAt = performance.now();

  private static machineTicks(): { busy: number; total: number } {
    try {
      const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
      const ticks = line.trim().split(/\s+/).slice(1).map(Number);
      const total = ticks.reduce((sum, tick) => sum + tick, 0);
      const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
      return { busy: total - idle, total };
    } catch {
      return { busy: 0, total: 0 };
    }
  }

  start(): void {
    this.process = process.cpuUsage();
    this.machine = CpuSampler.machineTicks();
    this.startedAt = performance.now();
  }

  /** e.g. "bench process 0.93 cores; machine 1.85 of 2 cores busy (load avg 3.1)". */
  summary(): string {
    const wallMs = performance.now() - this.startedAt;
    const usage = process.cpuUsage(this.process);
    const cores = cpus().length;
    const machine = CpuSampler.machineTicks();
    const total = machine.total - this.machine.total;
    const busy = total > 0 ? ((machine.busy - this.machine.busy) / total) * cores : NaN;
    const own = (usage.user + usage.system) / 1000 / wallMs;
    return `bench process ${own.toFixed(2)} cores; machine ${busy.toFixed(2)} of ${cores} cores busy (load avg ${(loadavg()[0] ?? 0).toFixed(1)})`;
  }
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: number[], q: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

export const rate = (events: number, ms: number) => Math.round((events * 1000) / ms);
export const fmt = (n: number) => n.toLocaleString('en-US');

/** Runs a bench's main, printing failures; cleanup happens inside main's own finally. */
export function runMain(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      logger.error({ err: error }, 'benchmark failed');
      process.exitCode = 1;
      setTimeout(() => process.exit(1), 100);
    },
  );
}

/** Pre-produces `events` valid envelopes as the relay would (key = aggregate id, the outbox's headers); returns ms. */
export async function produceEnvelopes(
  kafka: Kafka,
  catalog: EventCatalog,
  topic: string,
  events: number,
  aggregates: number,
): Promise<number> {
  const writer = new OutboxWriter(catalog, 'bench');
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const start = performance.now();
  try {
    for (let first = 0; first < events; first += 1000) {
      const messages: Message[] = [];
      for (let sequence = first; sequence < Math.min(events, first + 1000); sequence++) {
        const { envelope } = writer.toEnvelope({
          type: 'bench.item_changed',
          aggregate: { id: `item-${sequence % aggregates}`, version: Math.floor(sequence / aggregates) + 1 },
          actor: SYSTEM_ACTOR,
          payload: benchPayload(sequence),
        });
        messages.push({
          key: envelope.aggregate.id,
          value: JSON.stringify(envelope),
          headers: {
            [HEADERS.eventId]: envelope.eventId,
            [HEADERS.eventType]: envelope.type,
            [HEADERS.eventVersion]: String(envelope.version),
          },
        });
      }
      await producer.sendBatch({ acks: -1, topicMessages: [{ topic, messages }] });
    }
    return performance.now() - start;
  } finally {
    await producer.disconnect();
  }
}
