/**
 * Produce-to-handle latency: an OutboxRelay and a ConsumerRuntime (PgIdempotencyStore, concurrency =
 * partitions) run while a writer commits single-event transactions through OutboxWriter at a steady
 * rate (default 500 events/s) for a bounded time. Each payload carries its write time (also its
 * occurredAt); the handler records handled time − write time. Events of the warm-up seconds are not
 * counted. Also splits each event's path into stages (commit, relay pick-up and ack, consumer).
 *
 *   node bench/dist/events/latency.js [--rate=500] [--seconds=30] [--warmup-seconds=3] [--partitions=6]
 */
import { performance } from 'node:perf_hooks';
import type { Consumer } from 'kafkajs';
import { Pool, type PoolClient } from 'pg';
import {
  ConsumerRuntime,
  HEADERS,
  OutboxRelay,
  OutboxWriter,
  PgIdempotencyStore,
  type EventEnvelope,
  type IdempotencyStore,
} from '@homegraph/platform/dist/events';
import { createIdempotentProducer } from '@homegraph/platform/dist/kafka';
import {
  benchContracts,
  benchKafka,
  benchPayload,
  Cleanup,
  CpuSampler,
  createBenchDatabase,
  deleteTopicsAndGroups,
  effectsTableSql,
  epochMs,
  fmt,
  instrumentPool,
  instrumentProducer,
  intOption,
  logger,
  out,
  percentile,
  provisionBenchTopics,
  runId,
  runMain,
  servers,
  sleep,
  SYSTEM_ACTOR,
  Timings,
  waitUntil,
} from './common';

const RATE = intOption('rate', 500);
const SECONDS = intOption('seconds', 30);
const WARMUP_SECONDS = intOption('warmup-seconds', 3);
const PARTITIONS = intOption('partitions', 6);
const AGGREGATES = intOption('aggregates', 2000);
const MAX_IN_FLIGHT_WRITES = 8;

interface BenchPayload {
  sequence: number;
  writtenAtMs?: number;
}
const RETRY_DELAYS_MS = [1000, 5000];

/** Epoch ms of each step of one event's path. */
interface Trace {
  eventId: string;
  writtenAt: number;
  committedAt?: number;
  relaySentAt?: number;
  relayAckedAt?: number;
  handlerAt?: number;
  effectCommittedAt?: number;
}

const classifySql = (sql: string) => {
  const text = sql.trim();
  if (text.startsWith('SELECT id, topic')) return 'relay SELECT unpublished batch';
  if (text.startsWith('UPDATE')) return 'relay UPDATE published_at';
  if (text === 'BEGIN' || text === 'COMMIT' || text === 'ROLLBACK') return `consumer ${text}`;
  if (text.startsWith('INSERT INTO processed_events')) return 'consumer INSERT processed_events (claim)';
  if (text.startsWith('INSERT INTO effects')) return 'consumer INSERT effects (handler)';
  return `other: ${text.slice(0, 40)}`;
};

function printStage(name: string, values: number[]): void {
  const sorted = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  const cell = (q: number) => percentile(sorted, q).toFixed(1).padStart(8);
  out(
    `  ${name.padEnd(34)} ${cell(0.5)} ${cell(0.95)} ${cell(0.99)} ${(sorted[sorted.length - 1] ?? NaN).toFixed(1).padStart(8)}  (n=${fmt(sorted.length)})`,
  );
}

/**
 * kafkajs fetches from a broker, waits until every batch of that fetch was processed, then fetches
 * again: this records that loop, and times the consumer's offset commits.
 */
function watchFetchLoop(consumer: Consumer | undefined, timings: Timings) {
  const fetchStarts: number[] = [];
  const fetchMs: number[] = [];
  const batches: { at: number; size: number; ms: number }[] = [];
  if (consumer) {
    consumer.on(consumer.events.FETCH_START, () => fetchStarts.push(epochMs()));
    consumer.on(consumer.events.FETCH, ({ payload }) => fetchMs.push(payload.duration));
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) =>
      batches.push({ at: epochMs(), size: payload.batchSize, ms: payload.duration }),
    );
    const commitOffsets = consumer.commitOffsets.bind(consumer);
    consumer.commitOffsets = (offsets) => timings.time('kafka commitOffsets', () => commitOffsets(offsets));
  }
  return {
    print(from: number) {
      if (!consumer) return out('  (fetch loop not observable: no kafkajs consumer found)');
      const first = Math.max(
        0,
        fetchStarts.findIndex((at) => at >= from),
      );
      const starts = fetchStarts.slice(first);
      const cycles = starts
        .slice(1)
        .map((at, index) => at - (starts[index] as number))
        .sort((a, b) => a - b);
      const fetches = fetchMs.slice(first).sort((a, b) => a - b);
      const measured = batches.filter((batch) => batch.at >= from);
      const sizes = measured.map((batch) => batch.size).sort((a, b) => a - b);
      const durations = measured.map((batch) => batch.ms).sort((a, b) => a - b);
      const q = (values: number[]) =>
        `p50 ${percentile(values, 0.5).toFixed(1)}, p95 ${percentile(values, 0.95).toFixed(1)}, max ${(values[values.length - 1] ?? NaN).toFixed(1)}`;
      out(`  consumer fetch loop (measured window): ${fmt(starts.length)} fetches`);
      out(`    fetch → next fetch (cycle), ms: ${q(cycles)}`);
      out(`    fetch request itself, ms:       ${q(fetches)}`);
      out(
        `    partition batches: ${fmt(measured.length)} (${(measured.length / Math.max(1, starts.length)).toFixed(1)} per fetch), records per batch ${q(sizes)}`,
      );
      out(
        `    eachBatch duration (handle all records; offsets are committed apart, on an interval), ms: ${q(durations)}`,
      );
    },
  };
}

async function main(): Promise<void> {
  const env = servers();
  const id = runId();
  const kafka = benchKafka(env, `bench-latency-${id}`);
  const topic = `bench-latency-${id}.events.v1`;
  const group = `bench-latency-${id}`;
  const cleanup = new Cleanup();
  const { catalog } = benchContracts(topic);
  out(
    `# produce-to-handle latency: ${RATE} events/s for ${SECONDS} s (+${WARMUP_SECONDS} s warm-up), ${PARTITIONS} partitions, run ${id}`,
  );
  try {
    const database = await createBenchDatabase(env, 16, effectsTableSql('effects'));
    cleanup.add('drop database', database.drop);
    // The writer has a pool of its own, not instrumented: the call timings are the relay's and consumer's.
    const writerPool = new Pool({ connectionString: database.url, max: MAX_IN_FLIGHT_WRITES });
    cleanup.add('end writer pool', () => writerPool.end());
    const topics = await provisionBenchTopics(kafka, [topic], PARTITIONS, {
      [group]: { consumes: [topic], retryDelaysMs: RETRY_DELAYS_MS },
    });
    cleanup.add('delete topics and groups', () =>
      deleteTopicsAndGroups(kafka, topics, [group, `${group}.retry`]),
    );

    const traces = new Map<string, Trace>();
    const timings = new Timings();
    const pool = instrumentPool(database.pool, timings, classifySql);

    // Relay, with its producer reporting when each event was handed over and acknowledged.
    const producer = instrumentProducer(
      createIdempotentProducer(kafka),
      timings,
      (batch, sentAt, ackedAt) => {
        for (const { messages } of batch.topicMessages ?? []) {
          for (const message of messages) {
            const trace = traces.get(String(message.headers?.[HEADERS.eventId] ?? ''));
            if (trace) Object.assign(trace, { relaySentAt: sentAt, relayAckedAt: ackedAt });
          }
        }
      },
    );
    await producer.connect();
    cleanup.add('disconnect relay producer', () => producer.disconnect());
    const relay = new OutboxRelay({ pool, producer, logger, name: `bench-${id}` });

    // The consumer: the handler notes when it ran, the store wrapper when its effect transaction committed.
    let handled = 0;
    const handlerLatency = new Map<string, number>();
    const handler = async (event: EventEnvelope<BenchPayload>, tx: PoolClient) => {
      const trace = traces.get(event.eventId);
      if (trace) trace.handlerAt = epochMs();
      // handled time − write time, from the payload (the write time is also the event's occurredAt)
      if (event.payload.writtenAtMs !== undefined)
        handlerLatency.set(event.eventId, epochMs() - event.payload.writtenAtMs);
      await tx.query('INSERT INTO effects (event_id, aggregate_id, sequence) VALUES ($1, $2, $3)', [
        event.eventId,
        event.aggregate.id,
        event.payload.sequence,
      ]);
    };
    relay.start();
    cleanup.add('stop relay', () => relay.stop());
    // The runtime handles a chunk of fresh events in one runBatch transaction, and uses runOnce for a
    // single record or, per record, for a chunk whose transaction failed: both are timed and counted.
    const inner = new PgIdempotencyStore(pool);
    const store: IdempotencyStore<PoolClient> = {
      runOnce: async (groupName, eventId, work) => {
        const done = await timings.time('consumer runOnce (whole transaction)', () =>
          inner.runOnce(groupName, eventId, work),
        );
        const trace = traces.get(eventId);
        if (done && trace) trace.effectCommittedAt = epochMs();
        if (done) handled += 1;
        return done;
      },
      runBatch: async (groupName, eventIds, work) => {
        const fresh = await timings.time('consumer runBatch (whole transaction)', () =>
          inner.runBatch(groupName, eventIds, work),
        );
        const at = epochMs();
        for (const eventId of fresh) {
          const trace = traces.get(eventId);
          if (trace) trace.effectCommittedAt = at;
        }
        handled += fresh.size;
        return fresh;
      },
    };
    const runtime = new ConsumerRuntime<PoolClient>({
      kafka,
      group,
      topics: [topic],
      catalog,
      idempotency: store,
      retryDelaysMs: RETRY_DELAYS_MS,
      logger,
      concurrency: PARTITIONS,
      handlers: {
        'bench.item_changed': (event: EventEnvelope<BenchPayload>, { tx }) => handler(event, tx),
      },
    });
    // The runtime's main consumer is private; read only to observe kafkajs's fetch loop.
    const kafkaConsumer = (runtime as unknown as { main?: Consumer }).main;
    await runtime.start();
    cleanup.add('stop consumer runtime', () => runtime.stop());
    const readiness = runtime.readiness();
    const joined = () =>
      readiness.check().then(
        () => true,
        () => false,
      );
    const fetchLoop = watchFetchLoop(kafkaConsumer, timings);
    await waitUntil(
      'the relay to be active and the consumer to join',
      async () => relay.isActive && (await joined()),
      60_000,
      50,
    );
    await sleep(500);

    // The writer: single-event transactions at a steady rate, a bounded number of seconds.
    const writer = new OutboxWriter(catalog, 'bench');
    let written = 0;
    let inFlight = 0;
    let saturatedTicks = 0;
    const write = async (sequence: number) => {
      const writtenAt = epochMs();
      const client = await writerPool.connect();
      try {
        await client.query('BEGIN');
        const [envelope] = await writer.publish(client, {
          type: 'bench.item_changed',
          aggregate: { id: `item-${sequence % AGGREGATES}`, version: Math.floor(sequence / AGGREGATES) + 1 },
          actor: SYSTEM_ACTOR,
          payload: benchPayload(sequence, writtenAt),
          occurredAt: new Date(writtenAt),
        });
        if (!envelope) throw new Error('publish returned no envelope');
        traces.set(envelope.eventId, { eventId: envelope.eventId, writtenAt });
        await client.query('COMMIT');
        const trace = traces.get(envelope.eventId);
        if (trace) trace.committedAt = epochMs();
      } finally {
        client.release();
      }
    };
    const totalMs = (WARMUP_SECONDS + SECONDS) * 1000;
    const total = (WARMUP_SECONDS + SECONDS) * RATE;
    const failures: unknown[] = [];
    const loopStart = performance.now();
    const measuredFrom = epochMs() + WARMUP_SECONDS * 1000;
    const cpu = new CpuSampler();
    let cpuStarted = false;
    for (;;) {
      const elapsed = performance.now() - loopStart;
      if (elapsed >= totalMs || written >= total) break;
      if (!cpuStarted && elapsed >= WARMUP_SECONDS * 1000) {
        cpu.start();
        cpuStarted = true;
      }
      const due = Math.min(total, Math.floor((elapsed * RATE) / 1000) + 1);
      while (written < due) {
        if (inFlight >= MAX_IN_FLIGHT_WRITES) {
          saturatedTicks += 1;
          break;
        }
        inFlight += 1;
        const sequence = written++;
        write(sequence)
          .catch((error: unknown) => failures.push(error))
          .finally(() => (inFlight -= 1));
      }
      await sleep(1);
    }
    const writeLoopMs = performance.now() - loopStart;
    await waitUntil('in-flight writes', () => inFlight === 0, 30_000);
    const cpuSummary = cpu.summary();
    if (failures.length) throw new Error(`${failures.length} writes failed: ${String(failures[0])}`);
    await waitUntil('every event to be handled', () => handled >= written, 120_000, 10);

    const measured = [...traces.values()].filter((trace) => trace.writtenAt >= measuredFrom);
    const windowMs = writeLoopMs - WARMUP_SECONDS * 1000;
    out(
      `written: ${fmt(written)} events in ${(writeLoopMs / 1000).toFixed(1)} s; measured window: ${fmt(measured.length)} events in ${(windowMs / 1000).toFixed(1)} s = ${fmt(Math.round((measured.length * 1000) / windowMs))} events/s achieved (target ${RATE}); writer at its in-flight limit on ${saturatedTicks} ticks`,
    );
    out(`handled: ${fmt(handled)}  [${cpuSummary}]`);
    out(
      `  ${'latency, ms'.padEnd(34)} ${'p50'.padStart(8)} ${'p95'.padStart(8)} ${'p99'.padStart(8)} ${'max'.padStart(8)}`,
    );
    const stage = (from: Exclude<keyof Trace, 'eventId'>, to: Exclude<keyof Trace, 'eventId'>) =>
      measured.map((trace) => (trace[to] ?? NaN) - (trace[from] ?? NaN));
    const latencies = measured.map((trace) => handlerLatency.get(trace.eventId) ?? NaN).sort((a, b) => a - b);
    printStage('produce-to-handle (handler − write)', latencies);
    printStage('  … to effect commit', stage('writtenAt', 'effectCommittedAt'));
    out('  stages:');
    printStage('  write → outbox commit', stage('writtenAt', 'committedAt'));
    printStage('  commit → relay sendBatch', stage('committedAt', 'relaySentAt'));
    printStage('  relay sendBatch → acked', stage('relaySentAt', 'relayAckedAt'));
    printStage('  relay sendBatch → handler', stage('relaySentAt', 'handlerAt'));
    printStage('  handler → effect commit', stage('handlerAt', 'effectCommittedAt'));
    fetchLoop.print(measuredFrom);
    out('  database and Kafka calls (whole run):');
    timings.print(writeLoopMs, '    ');
    out(
      `RESULT ${JSON.stringify({
        bench: 'latency',
        rate: RATE,
        seconds: SECONDS,
        achievedRate: Math.round((measured.length * 1000) / windowMs),
        p50: Number(percentile(latencies, 0.5).toFixed(1)),
        p95: Number(percentile(latencies, 0.95).toFixed(1)),
        p99: Number(percentile(latencies, 0.99).toFixed(1)),
        max: Number((latencies[latencies.length - 1] ?? NaN).toFixed(1)),
      })}`,
    );
  } finally {
    await cleanup.run();
  }
}

runMain(main);
