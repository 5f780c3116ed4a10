/**
 * Consumer throughput: pre-produces N valid envelopes to a fresh 6-partition topic, then times
 * ConsumerRuntime (concurrency = partitions, PgIdempotencyStore, a handler inserting one effects row
 * with the transaction) until all N are handled. Baseline in the same run, on the same records: a
 * plain kafkajs consumer (eachBatch, same concurrency, no idempotency, no validation) doing the same
 * insert as an autocommit pool query.
 *
 *   node bench/dist/events/consumer-throughput.js [--events=50000] [--partitions=6] [--aggregates=2000]
 */
import { performance } from 'node:perf_hooks';
import type { Kafka } from 'kafkajs';
import type { PoolClient } from 'pg';
import {
  ConsumerRuntime,
  envelopeSchema,
  OutboxWriter,
  PgIdempotencyStore,
  type EventCatalog,
  type EventEnvelope,
  type IdempotencyStore,
} from '@homegraph/platform/dist/events';
import {
  benchContracts,
  benchKafka,
  benchPayload,
  Cleanup,
  CpuSampler,
  createBenchDatabase,
  deleteTopicsAndGroups,
  effectsTableSql,
  fmt,
  instrumentPool,
  intOption,
  logger,
  out,
  produceEnvelopes,
  provisionBenchTopics,
  rate,
  runId,
  runMain,
  servers,
  SYSTEM_ACTOR,
  Timings,
  waitUntil,
  type BenchDatabase,
} from './common';

const EVENTS = intOption('events', 50_000);
const PARTITIONS = intOption('partitions', 6);
const AGGREGATES = intOption('aggregates', 2000);
const RETRY_DELAYS_MS = [1000, 5000];
const MAX_WAIT_MS = 100;

const INSERT_EFFECT = (table: string) =>
  `INSERT INTO ${table} (event_id, aggregate_id, sequence) VALUES ($1, $2, $3)`;

const classifyConsumerSql = (sql: string) => {
  const text = sql.trim();
  if (text === 'BEGIN' || text === 'COMMIT' || text === 'ROLLBACK') return text;
  if (text.startsWith('INSERT INTO processed_events')) return 'INSERT processed_events (claim)';
  if (text.startsWith('INSERT INTO effects')) return 'INSERT effects (handler)';
  return `other: ${text.slice(0, 40)}`;
};

interface Run {
  ms: number;
  /** From the first handled event to the last: excludes connecting and joining the group. */
  steadyMs: number;
  cpu: string;
}

/** Plain kafkajs: eachBatch over `PARTITIONS` partitions at once, JSON.parse, one autocommit insert each. */
async function plainConsumer(
  kafka: Kafka,
  database: BenchDatabase,
  topic: string,
  group: string,
): Promise<Run> {
  let handled = 0;
  let firstAt = 0;
  const consumer = kafka.consumer({
    groupId: group,
    allowAutoTopicCreation: false,
    maxWaitTimeInMs: MAX_WAIT_MS,
  });
  const cpu = new CpuSampler();
  cpu.start();
  const start = performance.now();
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      partitionsConsumedConcurrently: PARTITIONS,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        for (const message of batch.messages) {
          if (!isRunning() || isStale()) break;
          const event = JSON.parse(message.value?.toString('utf8') ?? '') as EventEnvelope<{
            sequence: number;
          }>;
          await database.pool.query(INSERT_EFFECT('effects_plain'), [
            event.eventId,
            event.aggregate.id,
            event.payload.sequence,
          ]);
          resolveOffset(message.offset);
          if (handled++ === 0) firstAt = performance.now();
        }
        await heartbeat();
      },
    });
    await waitUntil('the plain consumer to handle every record', () => handled >= EVENTS, 600_000);
    const end = performance.now();
    return { ms: end - start, steadyMs: end - firstAt, cpu: cpu.summary() };
  } finally {
    await consumer.disconnect();
  }
}

/** Counts and times PgIdempotencyStore's transactions; the count is of committed effects. */
class CountingStore implements IdempotencyStore<PoolClient> {
  handled = 0;
  duplicates = 0;
  firstAt = 0;

  constructor(
    private readonly inner: PgIdempotencyStore,
    private readonly timings: Timings,
  ) {}

  async runBatch(
    group: string,
    eventIds: string[],
    work: (tx: PoolClient, fresh: ReadonlySet<string>) => Promise<void>,
  ): Promise<ReadonlySet<string>> {
    const fresh = await this.timings.time('runBatch (whole transaction)', () =>
      this.inner.runBatch(group, eventIds, work),
    );
    if (fresh.size && this.handled === 0) this.firstAt = performance.now();
    this.handled += fresh.size;
    this.duplicates += eventIds.length - fresh.size;
    return fresh;
  }

  async runOnce(group: string, eventId: string, work: (tx: PoolClient) => Promise<void>): Promise<boolean> {
    const done = await this.timings.time('runOnce (whole transaction)', () =>
      this.inner.runOnce(group, eventId, work),
    );
    if (done) {
      if (this.handled++ === 0) this.firstAt = performance.now();
    } else this.duplicates += 1;
    return done;
  }
}

async function runtimeConsumer(
  kafka: Kafka,
  database: BenchDatabase,
  catalog: EventCatalog,
  topic: string,
  group: string,
  timings: Timings,
): Promise<Run> {
  const store = new CountingStore(
    new PgIdempotencyStore(instrumentPool(database.pool, timings, classifyConsumerSql)),
    timings,
  );
  const runtime = new ConsumerRuntime<PoolClient>({
    kafka,
    group,
    topics: [topic],
    catalog,
    idempotency: store,
    retryDelaysMs: RETRY_DELAYS_MS,
    logger,
    concurrency: PARTITIONS,
    maxWaitTimeMs: MAX_WAIT_MS,
    handlers: {
      'bench.item_changed': async (event: EventEnvelope<{ sequence: number }>, { tx }) => {
        await tx.query(INSERT_EFFECT('effects'), [event.eventId, event.aggregate.id, event.payload.sequence]);
      },
    },
  });
  const cpu = new CpuSampler();
  cpu.start();
  const start = performance.now();
  try {
    await runtime.start();
    await waitUntil('the consumer runtime to handle every record', () => store.handled >= EVENTS, 600_000);
    const end = performance.now();
    if (store.duplicates) out(`  (runtime saw ${store.duplicates} duplicates)`);
    return { ms: end - start, steadyMs: end - store.firstAt, cpu: cpu.summary() };
  } finally {
    await runtime.stop();
  }
}

/** CPU cost per record of what the runtime does besides the database: parse + envelope + payload validation. */
function validationCost(catalog: EventCatalog): number {
  const writer = new OutboxWriter(catalog, 'bench');
  const values = Array.from({ length: 5000 }, (_, index) =>
    Buffer.from(
      JSON.stringify(
        writer.toEnvelope({
          type: 'bench.item_changed',
          aggregate: { id: `item-${index}`, version: 1 },
          actor: SYSTEM_ACTOR,
          payload: benchPayload(index),
        }).envelope,
      ),
    ),
  );
  let start = 0;
  for (let round = 0; round < 3; round++) {
    start = performance.now();
    for (const value of values) {
      const parsed = envelopeSchema.parse(JSON.parse(value.toString('utf8')));
      catalog.validatePayload(parsed.type, parsed.version, parsed.payload);
    }
  }
  return ((performance.now() - start) * 1000) / values.length;
}

async function main(): Promise<void> {
  const env = servers();
  const id = runId();
  const kafka = benchKafka(env, `bench-consumer-${id}`);
  const topic = `bench-consumer-${id}.events.v1`;
  const group = `bench-consumer-${id}`;
  const plainGroup = `bench-consumer-${id}-plain`;
  const cleanup = new Cleanup();
  const { catalog } = benchContracts(topic);
  out(
    `# consumer throughput: ${fmt(EVENTS)} events, ${PARTITIONS} partitions (concurrency ${PARTITIONS}), run ${id}`,
  );
  try {
    const database = await createBenchDatabase(
      env,
      PARTITIONS + 4,
      `${effectsTableSql('effects')}; ${effectsTableSql('effects_plain')}`,
    );
    cleanup.add('drop database', database.drop);
    const topics = await provisionBenchTopics(kafka, [topic], PARTITIONS, {
      [group]: { consumes: [topic], retryDelaysMs: RETRY_DELAYS_MS },
    });
    cleanup.add('delete topics and groups', () =>
      deleteTopicsAndGroups(kafka, topics, [group, `${group}.retry`, plainGroup]),
    );

    const produceMs = await produceEnvelopes(kafka, catalog, topic, EVENTS, AGGREGATES);
    out(`pre-produced ${fmt(EVENTS)} envelopes in ${(produceMs / 1000).toFixed(2)} s`);

    // Baseline first (the colder process: conservative for the ratio).
    const plain = await plainConsumer(kafka, database, topic, plainGroup);
    out(
      `baseline plain kafkajs consumer: ${(plain.ms / 1000).toFixed(2)} s, ${fmt(rate(EVENTS, plain.ms))} events/s (steady ${fmt(rate(EVENTS, plain.steadyMs))}/s)  [${plain.cpu}]`,
    );

    const timings = new Timings();
    const runtime = await runtimeConsumer(kafka, database, catalog, topic, group, timings);
    out(
      `ConsumerRuntime + PgIdempotencyStore: ${(runtime.ms / 1000).toFixed(2)} s, ${fmt(rate(EVENTS, runtime.ms))} events/s (steady ${fmt(rate(EVENTS, runtime.steadyMs))}/s)  [${runtime.cpu}]`,
    );
    out(`  database calls of the runtime (summed over ${PARTITIONS} concurrent partitions):`);
    timings.print(runtime.steadyMs, '    ');
    const counts = await database.pool.query<{ effects: number; processed: number; plain: number }>(
      `SELECT (SELECT count(*)::int FROM effects) AS effects, (SELECT count(*)::int FROM processed_events) AS processed,
              (SELECT count(*)::int FROM effects_plain) AS plain`,
    );
    const row = counts.rows[0];
    out(
      `  rows: effects ${fmt(row?.effects ?? 0)}, processed_events ${fmt(row?.processed ?? 0)}, effects_plain ${fmt(row?.plain ?? 0)}`,
    );
    out(
      `  parse + envelope + payload validation: ${validationCost(catalog).toFixed(1)} µs per record (one core)`,
    );
    out(
      `ratio runtime / plain: ${(plain.ms / runtime.ms).toFixed(2)} (steady: ${(plain.steadyMs / runtime.steadyMs).toFixed(2)})`,
    );
    out(
      `RESULT ${JSON.stringify({
        bench: 'consumer-throughput',
        events: EVENTS,
        partitions: PARTITIONS,
        runtimeEventsPerSec: rate(EVENTS, runtime.ms),
        runtimeSteadyEventsPerSec: rate(EVENTS, runtime.steadyMs),
        plainEventsPerSec: rate(EVENTS, plain.ms),
        plainSteadyEventsPerSec: rate(EVENTS, plain.steadyMs),
        ratio: Number((plain.ms / runtime.ms).toFixed(3)),
      })}`,
    );
    if (row?.effects !== EVENTS || row.processed !== EVENTS || row.plain < EVENTS)
      throw new Error('consumer result does not check out');
  } finally {
    await cleanup.run();
  }
}

runMain(main);
