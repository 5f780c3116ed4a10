/**
 * Investigation, not a target bench: where the consumer's time goes, and what the proposed changes
 * would buy. Pre-produces N envelopes once, then runs each variant as its own consumer group over the
 * same records (effects and processed_events are emptied between variants):
 *
 *   runtime-pg        ConsumerRuntime + PgIdempotencyStore (as in consumer-throughput.ts)
 *   runtime-pg-deferred  the same, with offset commits deferred and merged (prototypes.ts deferCommits)
 *   runtime-nodb      ConsumerRuntime + a store that runs the handler with a no-op tx: the runtime's ceiling
 *   runtime-pipelined ConsumerRuntime + a store sending BEGIN and the claim as one round trip (3 instead of 4)
 *   batch-tx          prototype of the proposed runtime change (prototypes.ts): validation as the runtime
 *                     does, then one transaction per partition batch (≤ --chunk records): bulk claim,
 *                     handlers, COMMIT
 *
 *   node bench/dist/events/consumer-experiments.js [--events=30000] [--partitions=6] [--chunk=200]
 *        [--variants=runtime-pg,runtime-pg-deferred,runtime-nodb,runtime-pipelined,batch-tx]
 */
import { performance } from 'node:perf_hooks';
import type { Consumer, Kafka } from 'kafkajs';
import type { Pool, PoolClient } from 'pg';
import {
  ConsumerRuntime,
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
import { deferCommits, noDbStore, PipelinedPgIdempotencyStore, startBatchTxConsumer } from './prototypes';

const EVENTS = intOption('events', 30_000);
const PARTITIONS = intOption('partitions', 6);
const AGGREGATES = intOption('aggregates', 2000);
const CHUNK = intOption('chunk', 200);
const ALL_VARIANTS = [
  'runtime-pg',
  'runtime-pg-deferred',
  'runtime-nodb',
  'runtime-pipelined',
  'batch-tx',
] as const;
type Variant = (typeof ALL_VARIANTS)[number];
const variantArg = process.argv.find((arg) => arg.startsWith('--variants='))?.slice('--variants='.length);
const VARIANTS = (variantArg ? variantArg.split(',') : [...ALL_VARIANTS]) as Variant[];
const RETRY_DELAYS_MS = [1000, 5000];

type Handler = (event: EventEnvelope<{ sequence: number }>, tx: PoolClient) => Promise<void>;
const handler: Handler = async (event, tx) => {
  await tx.query('INSERT INTO effects (event_id, aggregate_id, sequence) VALUES ($1, $2, $3)', [
    event.eventId,
    event.aggregate.id,
    event.payload.sequence,
  ]);
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
  deferred = false,
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
  const main = (runtime as unknown as { main: Consumer }).main;
  const committer = deferred
    ? deferCommits(main, 200, (error) => logger.warn({ err: error }, 'commit failed'))
    : undefined;
  const cpu = new CpuSampler();
  cpu.start();
  const start = performance.now();
  try {
    await runtime.start();
    await waitUntil(`${group} to handle every record`, () => handled >= EVENTS, 600_000);
    const end = performance.now();
    return { ms: end - start, steadyMs: end - firstAt, cpu: cpu.summary() };
  } finally {
    await committer?.stop();
    await runtime.stop();
  }
}

/** The proposed batch mode (prototype on plain kafkajs, see prototypes.ts). */
async function runBatchTx(
  kafka: Kafka,
  catalog: EventCatalog,
  database: BenchDatabase,
  topic: string,
  group: string,
): Promise<Outcome> {
  let handled = 0;
  let firstAt = 0;
  const cpu = new CpuSampler();
  cpu.start();
  const start = performance.now();
  const consumer = await startBatchTxConsumer<{ sequence: number }>({
    kafka,
    catalog,
    pool: database.pool,
    topic,
    group,
    partitions: PARTITIONS,
    chunk: CHUNK,
    maxWaitTimeMs: 100,
    handler,
    onCommitted: (events) => {
      if (handled === 0 && events.length) firstAt = performance.now();
      handled += events.length;
    },
  });
  try {
    await waitUntil(`${group} to handle every record`, () => handled >= EVENTS, 600_000);
    const end = performance.now();
    return { ms: end - start, steadyMs: end - firstAt, cpu: cpu.summary() };
  } finally {
    await consumer.stop();
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
      else if (variant === 'runtime-pg-deferred')
        outcome = await runRuntime(kafka, catalog, topic, group, new PgIdempotencyStore(database.pool), true);
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
        `${variant.padEnd(20)} ${(outcome.ms / 1000).toFixed(2).padStart(6)} s  ${fmt(rate(EVENTS, outcome.ms)).padStart(7)} events/s  (steady ${fmt(rate(EVENTS, outcome.steadyMs))}/s; effects rows ${fmt(rows[0]?.n ?? 0)})  [${outcome.cpu}]`,
      );
      logger.debug({ variant }, 'variant done');
    }
  } finally {
    await cleanup.run();
  }
}

runMain(main);
