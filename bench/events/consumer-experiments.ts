/**
 * Investigation, not a target bench: where the consumer's time goes, and what the proposed changes
 * would buy. Pre-produces N envelopes once, then runs each variant as its own consumer group over the
 * same records (effects and processed_events are emptied between variants):
 *
 *   runtime-pg        ConsumerRuntime + PgIdempotencyStore (as in consumer-throughput.ts)
 *   runtime-nodb      ConsumerRuntime + a store that runs the handler with a no-op tx: the runtime's ceiling
 *   runtime-pipelined ConsumerRuntime + a store sending BEGIN and the claim as one round trip (3 instead of 4)
 *   batch-tx          prototype of the proposed runtime change: validation as the runtime does, then one
 *                     transaction per partition batch (≤ --chunk records): bulk claim, handlers, COMMIT
 *
 *   node bench/dist/events/consumer-experiments.js [--events=30000] [--partitions=6] [--chunk=200]
 *        [--variants=runtime-pg,runtime-nodb,runtime-pipelined,batch-tx]
 */
import { performance } from 'node:perf_hooks';
import type { Kafka } from 'kafkajs';
import type { Pool, PoolClient, QueryResult } from 'pg';
import {
  ConsumerRuntime,
  envelopeSchema,
  PgIdempotencyStore,
  type EventCatalog,
  type EventEnvelope,
  type IdempotencyStore,
} from '@homegraph/platform/dist/events';
import {
  benchContracts,
  benchKafka,
  Cleanup,
  CpuSampler,
  createBenchDatabase,
  deleteTopicsAndGroups,
  effectsTableSql,
  fmt,
  intOption,
  logger,
  out,
  percentile,
  produceEnvelopes,
  provisionBenchTopics,
  rate,
  runId,
  runMain,
  servers,
  waitUntil,
  type BenchDatabase,
} from './common';

const EVENTS = intOption('events', 30_000);
const PARTITIONS = intOption('partitions', 6);
const AGGREGATES = intOption('aggregates', 2000);
const CHUNK = intOption('chunk', 200);
const ALL_VARIANTS = ['runtime-pg', 'runtime-nodb', 'runtime-pipelined', 'batch-tx'] as const;
type Variant = (typeof ALL_VARIANTS)[number];
const variantArg = process.argv.find((arg) => arg.startsWith('--variants='))?.slice('--variants='.length);
const VARIANTS = (variantArg ? variantArg.split(',') : [...ALL_VARIANTS]) as Variant[];
const RETRY_DELAYS_MS = [1000, 5000];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Handler = (event: EventEnvelope<{ sequence: number }>, tx: PoolClient) => Promise<void>;
const handler: Handler = async (event, tx) => {
  await tx.query('INSERT INTO effects (event_id, aggregate_id, sequence) VALUES ($1, $2, $3)', [
    event.eventId,
    event.aggregate.id,
    event.payload.sequence,
  ]);
};

/** BEGIN and the claim in one simple-protocol round trip (values inlined: the id is a validated UUID). */
class PipelinedPgIdempotencyStore implements IdempotencyStore<PoolClient> {
  constructor(private readonly pool: Pool) {}

  async runOnce(group: string, eventId: string, work: (tx: PoolClient) => Promise<void>): Promise<boolean> {
    if (!UUID.test(eventId)) throw new Error(`not a UUID: ${eventId}`);
    const client = await this.pool.connect();
    try {
      const results = (await client.query(
        `BEGIN; INSERT INTO processed_events (consumer_group, event_id) VALUES (${client.escapeLiteral(group)}, '${eventId}'::uuid) ON CONFLICT DO NOTHING`,
      )) as unknown as QueryResult[];
      if (results[1]?.rowCount === 0) {
        await client.query('ROLLBACK');
        return false;
      }
      await work(client);
      await client.query('COMMIT');
      return true;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}

/** Runs the handler with a tx that does nothing: what the runtime costs without a database. */
const noDbStore: IdempotencyStore<PoolClient> = {
  runOnce: async (_group, _eventId, work) => {
    await work({ query: async () => ({ rowCount: 1, rows: [] }) } as unknown as PoolClient);
    return true;
  },
};

interface Outcome {
  ms: number;
  steadyMs: number;
  cpu: string;
}

async function runRuntime(
  kafka: Kafka,
  catalog: EventCatalog,
  topic: string,
  group: string,
  store: IdempotencyStore<PoolClient>,
): Promise<Outcome> {
  let handled = 0;
  let firstAt = 0;
  const counting: IdempotencyStore<PoolClient> = {
    runOnce: async (groupName, eventId, work) => {
      const done = await store.runOnce(groupName, eventId, work);
      if (done && handled++ === 0) firstAt = performance.now();
      return done;
    },
  };
  const runtime = new ConsumerRuntime<PoolClient>({
    kafka,
    group,
    topics: [topic],
    catalog,
    idempotency: counting,
    retryDelaysMs: RETRY_DELAYS_MS,
    logger,
    concurrency: PARTITIONS,
    maxWaitTimeMs: 100,
    handlers: {
      'bench.item_changed': (event: EventEnvelope<{ sequence: number }>, { tx }) => handler(event, tx),
    },
  });
  const cpu = new CpuSampler();
  cpu.start();
  const start = performance.now();
  try {
    await runtime.start();
    await waitUntil(`${group} to handle every record`, () => handled >= EVENTS, 600_000);
    const end = performance.now();
    return { ms: end - start, steadyMs: end - firstAt, cpu: cpu.summary() };
  } finally {
    await runtime.stop();
  }
}

/**
 * The proposed batch mode, prototyped on plain kafkajs: each record is parsed and validated as the
 * runtime does, then one transaction per chunk claims all ids at once and runs the handlers for the
 * claimed ones; offsets are committed after each batch, like the runtime.
 */
async function runBatchTx(
  kafka: Kafka,
  catalog: EventCatalog,
  database: BenchDatabase,
  topic: string,
  group: string,
): Promise<Outcome> {
  let handled = 0;
  let firstAt = 0;
  const consumer = kafka.consumer({ groupId: group, allowAutoTopicCreation: false, maxWaitTimeInMs: 100 });
  const cpu = new CpuSampler();
  cpu.start();
  const start = performance.now();
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: PARTITIONS,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        for (let first = 0; first < batch.messages.length; first += CHUNK) {
          if (!isRunning() || isStale()) break;
          const messages = batch.messages.slice(first, first + CHUNK);
          const events = messages.map((message) => {
            const envelope = envelopeSchema.parse(JSON.parse(message.value?.toString('utf8') ?? ''));
            return {
              ...envelope,
              payload: catalog.validatePayload(envelope.type, envelope.version, envelope.payload),
            } as EventEnvelope<{ sequence: number }>;
          });
          const client = await database.pool.connect();
          try {
            await client.query('BEGIN');
            const claimed = await client.query<{ event_id: string }>(
              `INSERT INTO processed_events (consumer_group, event_id)
                 SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING RETURNING event_id`,
              [group, events.map((event) => event.eventId)],
            );
            const fresh = new Set(claimed.rows.map((row) => row.event_id));
            for (const event of events) if (fresh.has(event.eventId)) await handler(event, client);
            await client.query('COMMIT');
            if (handled === 0) firstAt = performance.now();
            handled += fresh.size;
          } catch (error) {
            await client.query('ROLLBACK').catch(() => undefined);
            throw error;
          } finally {
            client.release();
          }
          const last = messages[messages.length - 1];
          if (last) resolveOffset(last.offset);
        }
        const last = batch.messages[batch.messages.length - 1];
        if (last)
          await consumer.commitOffsets([
            { topic: batch.topic, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() },
          ]);
        await heartbeat();
      },
    });
    await waitUntil(`${group} to handle every record`, () => handled >= EVENTS, 600_000);
    const end = performance.now();
    return { ms: end - start, steadyMs: end - firstAt, cpu: cpu.summary() };
  } finally {
    await consumer.disconnect();
  }
}

/** Round-trip time of `SELECT 1` on one connection right now: the floor under every statement. */
async function roundTrip(pool: Pool): Promise<string> {
  const client = await pool.connect();
  try {
    const samples: number[] = [];
    for (let index = 0; index < 2000; index++) {
      const start = performance.now();
      await client.query('SELECT 1');
      samples.push(performance.now() - start);
    }
    samples.sort((a, b) => a - b);
    return `p50 ${percentile(samples, 0.5).toFixed(3)} ms, p95 ${percentile(samples, 0.95).toFixed(3)} ms`;
  } finally {
    client.release();
  }
}

async function main(): Promise<void> {
  const env = servers();
  const id = runId();
  const kafka = benchKafka(env, `bench-cx-${id}`);
  const topic = `bench-cx-${id}.events.v1`;
  const groups = VARIANTS.map((variant) => `bench-cx-${id}-${variant}`);
  const cleanup = new Cleanup();
  const { catalog } = benchContracts(topic);
  out(
    `# consumer experiments: ${fmt(EVENTS)} events, ${PARTITIONS} partitions, variants ${VARIANTS.join(', ')}, run ${id}`,
  );
  try {
    const database = await createBenchDatabase(env, PARTITIONS + 4, effectsTableSql('effects'));
    cleanup.add('drop database', database.drop);
    const topics = await provisionBenchTopics(
      kafka,
      [topic],
      PARTITIONS,
      Object.fromEntries(
        groups.map((group) => [group, { consumes: [topic], retryDelaysMs: RETRY_DELAYS_MS }]),
      ),
    );
    cleanup.add('delete topics and groups', () =>
      deleteTopicsAndGroups(kafka, topics, [...groups, ...groups.map((group) => `${group}.retry`)]),
    );
    await produceEnvelopes(kafka, catalog, topic, EVENTS, AGGREGATES);
    out(`postgres round trip (SELECT 1, one connection): ${await roundTrip(database.pool)}`);

    for (const [index, variant] of VARIANTS.entries()) {
      const group = groups[index] as string;
      await database.pool.query('TRUNCATE effects, processed_events');
      let outcome: Outcome;
      if (variant === 'runtime-pg')
        outcome = await runRuntime(kafka, catalog, topic, group, new PgIdempotencyStore(database.pool));
      else if (variant === 'runtime-nodb')
        outcome = await runRuntime(kafka, catalog, topic, group, noDbStore);
      else if (variant === 'runtime-pipelined')
        outcome = await runRuntime(
          kafka,
          catalog,
          topic,
          group,
          new PipelinedPgIdempotencyStore(database.pool),
        );
      else if (variant === 'batch-tx') outcome = await runBatchTx(kafka, catalog, database, topic, group);
      else throw new Error(`unknown variant ${String(variant)}; known: ${ALL_VARIANTS.join(', ')}`);
      const { rows } = await database.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM effects');
      out(
        `${variant.padEnd(18)} ${(outcome.ms / 1000).toFixed(2).padStart(6)} s  ${fmt(rate(EVENTS, outcome.ms)).padStart(7)} events/s  (steady ${fmt(rate(EVENTS, outcome.steadyMs))}/s; effects rows ${fmt(rows[0]?.n ?? 0)})  [${outcome.cpu}]`,
      );
      logger.debug({ variant }, 'variant done');
    }
  } finally {
    await cleanup.run();
  }
}

runMain(main);
