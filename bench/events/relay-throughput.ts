/**
 * Outbox relay throughput: pre-fills N outbox rows (OutboxWriter.publish, multi-event transactions,
 * many aggregates) in a fresh database, then times an OutboxRelay draining the backlog to a fresh
 * 6-partition topic. Baselines in the same run: plain kafkajs producers sending the same N
 * pre-serialized records (key, value, headers read back from the outbox) in batches of the relay's
 * batch size, acks=-1, one batch at a time like the relay.
 *
 *   node bench/dist/events/relay-throughput.js [--events=50000] [--tx-size=500] [--batch-size=1000]
 *        [--aggregates=2000] [--partitions=6] [--warmup=5000] [--stats=analyzed|none]
 */
import { performance } from 'node:perf_hooks';
import type { Kafka, Message } from 'kafkajs';
import { Pool } from 'pg';
import { Registry, type Counter } from 'prom-client';
import { OutboxRelay, OutboxWriter, type NewEvent } from '@homegraph/platform/dist/events';
import { createIdempotentProducer } from '@homegraph/platform/dist/kafka';
import {
  benchContracts,
  benchKafka,
  benchPayload,
  choiceOption,
  Cleanup,
  CpuSampler,
  createBenchDatabase,
  deleteTopicsAndGroups,
  fmt,
  instrumentPool,
  instrumentProducer,
  intOption,
  logger,
  out,
  provisionBenchTopics,
  rate,
  runId,
  runMain,
  servers,
  SYSTEM_ACTOR,
  Timings,
  topicRecordCount,
  waitUntil,
} from './common';

const EVENTS = intOption('events', 50_000);
const TX_SIZE = intOption('tx-size', 500);
const BATCH_SIZE = intOption('batch-size', 1000);
const AGGREGATES = intOption('aggregates', 2000);
const PARTITIONS = intOption('partitions', 6);
const WARMUP = intOption('warmup', 5000);
/**
 * `analyzed` (default): ANALYZE the outbox after the pre-fill, as autovacuum does within a minute on a
 * real table. `none`: a never-analyzed table, where the planner reads the whole backlog (bitmap scan +
 * sort) for each batch instead of walking the partial index: kept to show that effect.
 */
const STATS = choiceOption('stats', ['analyzed', 'none'] as const);

const classifyRelaySql = (sql: string) => {
  const text = sql.trim();
  if (text.startsWith('SELECT id, topic')) return 'relay SELECT unpublished batch';
  if (text.startsWith('UPDATE')) return 'relay UPDATE published_at';
  if (text.startsWith('DELETE')) return 'relay retention DELETE';
  return `other: ${text.slice(0, 40)}`;
};

async function baseline(
  kafka: Kafka,
  topic: string,
  messages: Message[],
  idempotent: boolean,
): Promise<{ ms: number; cpu: string }> {
  const producer = idempotent
    ? kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false })
    : kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    const cpu = new CpuSampler();
    cpu.start();
    const start = performance.now();
    for (let offset = 0; offset < messages.length; offset += BATCH_SIZE) {
      await producer.sendBatch({
        acks: -1,
        topicMessages: [{ topic, messages: messages.slice(offset, offset + BATCH_SIZE) }],
      });
    }
    return { ms: performance.now() - start, cpu: cpu.summary() };
  } finally {
    await producer.disconnect();
  }
}

async function main(): Promise<void> {
  const env = servers();
  const id = runId();
  const kafka = benchKafka(env, `bench-relay-${id}`);
  const topic = `bench-relay-${id}.events.v1`;
  const plainTopic = `bench-relay-${id}-plain.events.v1`;
  const idempotentTopic = `bench-relay-${id}-idem.events.v1`;
  const cleanup = new Cleanup();
  out(`# relay throughput: ${fmt(EVENTS)} events, ${TX_SIZE} per transaction, ${AGGREGATES} aggregates,`);
  out(`#   relay batch ${BATCH_SIZE}, ${PARTITIONS} partitions, outbox stats ${STATS}, run ${id}`);
  try {
    const database = await createBenchDatabase(env, 10);
    cleanup.add('drop database', database.drop);
    const topics = await provisionBenchTopics(kafka, [topic, plainTopic, idempotentTopic], PARTITIONS);
    cleanup.add('delete topics', () => deleteTopicsAndGroups(kafka, topics));

    // Without statistics autovacuum could still analyze the table mid-run and switch plans: keep it off.
    if (STATS === 'none')
      await database.pool.query('ALTER TABLE outbox_events SET (autovacuum_enabled = false)');

    // 1. Pre-fill the outbox the way services write: OutboxWriter.publish inside their transactions.
    const writer = new OutboxWriter(benchContracts(topic).catalog, 'bench');
    const prefillStart = performance.now();
    for (let first = 0; first < EVENTS; first += TX_SIZE) {
      const events: NewEvent[] = [];
      for (let sequence = first; sequence < Math.min(EVENTS, first + TX_SIZE); sequence++) {
        events.push({
          type: 'bench.item_changed',
          aggregate: { id: `item-${sequence % AGGREGATES}`, version: Math.floor(sequence / AGGREGATES) + 1 },
          actor: SYSTEM_ACTOR,
          payload: benchPayload(sequence),
        });
      }
      const client = await database.pool.connect();
      try {
        await client.query('BEGIN');
        await writer.publish(client, ...events);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      } finally {
        client.release();
      }
    }
    const prefillMs = performance.now() - prefillStart;
    if (STATS === 'analyzed') await database.pool.query('ANALYZE outbox_events');
    out(
      `prefill: ${fmt(EVENTS)} outbox rows in ${(prefillMs / 1000).toFixed(2)} s (${fmt(rate(EVENTS, prefillMs))} events/s written)`,
    );

    // The same records, pre-serialized, for the baselines (the relay sends exactly these).
    const { rows } = await database.pool.query<{
      partition_key: string;
      value: string;
      headers: Record<string, string>;
    }>('SELECT partition_key, value, headers FROM outbox_events ORDER BY id');
    const messages: Message[] = rows.map((row) => ({
      key: row.partition_key,
      value: row.value,
      headers: row.headers,
    }));
    const bytes = rows.reduce((sum, row) => sum + row.value.length, 0);
    out(`record value size: ${Math.round(bytes / rows.length)} bytes on average`);

    // 2. Baselines: raw producing of the same records. A short untimed warm-up first, so neither the
    // first baseline nor the relay pays for cold kafkajs code and fresh connections.
    await baseline(kafka, plainTopic, messages.slice(0, Math.min(WARMUP, messages.length)), false);
    const plain = await baseline(kafka, plainTopic, messages, false);
    out(
      `baseline plain producer:      ${(plain.ms / 1000).toFixed(2)} s, ${fmt(rate(EVENTS, plain.ms))} events/s  [${plain.cpu}]`,
    );
    const idempotent = await baseline(kafka, idempotentTopic, messages, true);
    out(
      `baseline idempotent producer: ${(idempotent.ms / 1000).toFixed(2)} s, ${fmt(rate(EVENTS, idempotent.ms))} events/s  [${idempotent.cpu}]`,
    );

    // 3. The relay, with its pool and producer instrumented to see where the time goes.
    const timings = new Timings();
    const registry = new Registry();
    const relayPool = new Pool({ connectionString: database.url, max: 2 });
    cleanup.add('end relay pool', () => relayPool.end());
    const producer = instrumentProducer(createIdempotentProducer(kafka), timings);
    await producer.connect();
    cleanup.add('disconnect relay producer', () => producer.disconnect());
    const relay = new OutboxRelay({
      pool: instrumentPool(relayPool, timings, classifyRelaySql),
      producer,
      logger,
      registry,
      name: `bench-${id}`,
      batchSize: BATCH_SIZE,
    });
    const published = registry.getSingleMetric('outbox_published_events_total') as Counter<'relay'>;
    const publishedCount = async () =>
      (await published.get()).values.reduce((sum, value) => sum + value.value, 0);
    const cpu = new CpuSampler();
    cpu.start();
    const relayStart = performance.now();
    relay.start();
    cleanup.add('stop relay', () => relay.stop());
    await waitUntil(
      'the relay to publish the backlog',
      async () => (await publishedCount()) >= EVENTS,
      600_000,
    );
    const relayMs = performance.now() - relayStart;
    const relayCpu = cpu.summary();
    await relay.stop();

    const backlog = await database.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM outbox_events WHERE published_at IS NULL',
    );
    const onTopic = await topicRecordCount(kafka, topic);
    out(
      `relay:                        ${(relayMs / 1000).toFixed(2)} s, ${fmt(rate(EVENTS, relayMs))} events/s  [${relayCpu}]`,
    );
    out(
      `  backlog after: ${backlog.rows[0]?.n}, records on topic: ${fmt(onTopic)} (expected ${fmt(EVENTS)})`,
    );
    out('  where the relay loop spent its time:');
    timings.print(relayMs, '    ');
    out(
      `ratio relay / plain producer: ${(plain.ms / relayMs).toFixed(2)}  (relay / idempotent producer: ${(idempotent.ms / relayMs).toFixed(2)})`,
    );
    out(
      `RESULT ${JSON.stringify({
        bench: 'relay-throughput',
        stats: STATS,
        events: EVENTS,
        batchSize: BATCH_SIZE,
        relayEventsPerSec: rate(EVENTS, relayMs),
        plainProducerEventsPerSec: rate(EVENTS, plain.ms),
        idempotentProducerEventsPerSec: rate(EVENTS, idempotent.ms),
        ratioToPlain: Number((plain.ms / relayMs).toFixed(3)),
        prefillEventsPerSec: rate(EVENTS, prefillMs),
      })}`,
    );
    if (backlog.rows[0]?.n !== 0 || onTopic < EVENTS) throw new Error('relay result does not check out');
  } finally {
    await cleanup.run();
  }
}

runMain(main);
