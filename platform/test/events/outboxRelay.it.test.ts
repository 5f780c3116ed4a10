import { context, propagation, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { Kafka } from 'kafkajs';
import type { PoolClient } from 'pg';
import { Registry } from 'prom-client';
import { ConsumerRuntime } from '../../src/events/consumer';
import { PgIdempotencyStore } from '../../src/events/idempotency';
import { createIdempotentProducer } from '../../src/kafka';
import { OutboxRelay, OutboxWriter } from '../../src/events/outbox';
import { freePort, startThrowawayServers, type ThrowawayServers } from '../../../test/support/localServers';
import {
  createEventDatabase,
  provisionTestTopics,
  readTopic,
  silentLogger,
  testContracts,
  testKafka,
  uniqueName,
  waitFor,
  type EventDatabase,
  type RecordedMessage,
} from './harness';

const SYSTEM = { type: 'system', id: 'test' } as const;

/** Writes `count` events per aggregate, interleaving aggregates, in transactions of `perTransaction`. */
async function writeEvents(
  database: EventDatabase,
  writer: OutboxWriter,
  aggregates: string[],
  from: number,
  count: number,
) {
  const client = await database.pool.connect();
  try {
    for (let sequence = from; sequence < from + count; sequence++) {
      await client.query('BEGIN');
      await writer.publish(
        client,
        ...aggregates.map((id) => ({
          type: 'test.item_changed',
          aggregate: { id, version: sequence },
          actor: SYSTEM,
          payload: { sequence },
        })),
      );
      await client.query('COMMIT');
    }
  } finally {
    client.release();
  }
}

/** Each key's sequence numbers in the order they were read, and whether any event id came twice. */
function sequencesByKey(messages: RecordedMessage[]) {
  const byKey = new Map<string, number[]>();
  const ids = new Set<string>();
  let duplicates = 0;
  for (const message of messages) {
    const envelope = JSON.parse(message.value ?? '{}') as { eventId: string; payload: { sequence: number } };
    if (ids.has(envelope.eventId)) duplicates += 1;
    ids.add(envelope.eventId);
    byKey.set(message.key ?? '', [...(byKey.get(message.key ?? '') ?? []), envelope.payload.sequence]);
  }
  return { byKey, duplicates };
}

const increasing = (values: number[]) =>
  values.every((value, index) => index === 0 || value > (values[index - 1] as number));

describe('outbox relay on a real broker and database', () => {
  let kafka: Kafka;
  let database: EventDatabase;

  beforeAll(async () => {
    kafka = testKafka();
    database = await createEventDatabase();
  });

  afterAll(async () => {
    await database?.drop();
  });

  it('publishes in order per aggregate, marks rows sent and reports an empty backlog', async () => {
    const topic = `${uniqueName('relay')}.events.v1`;
    await provisionTestTopics(kafka, topic, uniqueName('g'), [100]);
    const writer = new OutboxWriter(testContracts(topic).catalog, 'tests');
    const aggregates = ['a', 'b', 'c', 'd', 'e'];
    await writeEvents(database, writer, aggregates, 0, 40);

    const registry = new Registry();
    const producer = createIdempotentProducer(kafka);
    await producer.connect();
    const relay = new OutboxRelay({
      pool: database.pool,
      producer,
      logger: silentLogger,
      registry,
      name: uniqueName('r'),
      batchSize: 64,
    });
    relay.start();
    try {
      const messages = await readTopic(kafka, topic, (read) => read.length >= 200);
      const { byKey, duplicates } = sequencesByKey(messages);
      expect(messages).toHaveLength(200);
      expect(duplicates).toBe(0);
      for (const key of aggregates) expect(increasing(byKey.get(key) ?? [])).toBe(true);
      await waitFor('every row marked published', async () => {
        const { rows } = await database.pool.query(
          `SELECT count(*)::int AS n FROM outbox_events WHERE topic = $1 AND published_at IS NULL`,
          [topic],
        );
        return rows[0].n === 0;
      });
      const metrics = await registry.getSingleMetricAsString('outbox_backlog_events');
      expect(metrics).toMatch(/outbox_backlog_events\{relay="[^"]+"\} 0/);
    } finally {
      await relay.stop();
      await producer.disconnect();
    }
  });

  it('runs one active relay among replicas, without double publishing, and fails over', async () => {
    const topic = `${uniqueName('replicas')}.events.v1`;
    await provisionTestTopics(kafka, topic, uniqueName('g'), [100]);
    const writer = new OutboxWriter(testContracts(topic).catalog, 'tests');
    const name = uniqueName('shared');
    const replicas = await Promise.all(
      [1, 2, 3].map(async () => {
        const producer = createIdempotentProducer(kafka);
        await producer.connect();
        const relay = new OutboxRelay({
          pool: database.pool,
          producer,
          logger: silentLogger,
          name,
          batchSize: 16,
          standbyPollMs: 200,
        });
        relay.start();
        return { relay, producer };
      }),
    );
    try {
      await writeEvents(database, writer, ['x', 'y'], 0, 50);
      await waitFor(
        'one replica active',
        async () => replicas.filter(({ relay }) => relay.isActive).length === 1,
      );
      const active = replicas.find(({ relay }) => relay.isActive)!;
      await readTopic(kafka, topic, (read) => read.length >= 100);

      await active.relay.stop();
      await waitFor(
        'a standby took over',
        async () => replicas.filter(({ relay }) => relay.isActive).length === 1,
      );
      await writeEvents(database, writer, ['x', 'y'], 50, 50);

      const messages = await readTopic(kafka, topic, (read) => read.length >= 200);
      const { byKey, duplicates } = sequencesByKey(messages);
      expect(messages).toHaveLength(200);
      expect(duplicates).toBe(0);
      expect(byKey.get('x')).toEqual(Array.from({ length: 100 }, (_, index) => index));
      expect(byKey.get('y')).toEqual(Array.from({ length: 100 }, (_, index) => index));
    } finally {
      for (const { relay, producer } of replicas) {
        await relay.stop();
        await producer.disconnect();
      }
    }
  });

  it('carries the W3C trace context of the writer to the Kafka record', async () => {
    const topic = `${uniqueName('trace')}.events.v1`;
    await provisionTestTopics(kafka, topic, uniqueName('g'), [100]);
    const writer = new OutboxWriter(testContracts(topic).catalog, 'tests');
    // What startTracing's provider registers in a service.
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const spanContext = { traceId, spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED };
    try {
      await context.with(trace.setSpanContext(context.active(), spanContext), () =>
        writeEvents(database, writer, ['traced'], 0, 1),
      );
    } finally {
      propagation.disable();
      context.disable();
    }
    const producer = createIdempotentProducer(kafka);
    await producer.connect();
    const relay = new OutboxRelay({
      pool: database.pool,
      producer,
      logger: silentLogger,
      name: uniqueName('r'),
    });
    relay.start();
    try {
      const [message] = await readTopic(kafka, topic, (read) => read.length >= 1);
      expect(message?.headers['traceparent']).toBe(`00-${traceId}-b7ad6b7169203331-01`);
    } finally {
      await relay.stop();
      await producer.disconnect();
    }
  });

  describe('through a 20 s broker outage', () => {
    let servers: ThrowawayServers;

    beforeAll(async () => {
      servers = await startThrowawayServers(['kafka'], {
        HG_KAFKA_PORT: await freePort(),
        HG_KAFKA_CONTROLLER_PORT: await freePort(),
      });
    });

    afterAll(async () => {
      await servers?.destroy();
    });

    it('delivers every event written during the outage, in order per aggregate', async () => {
      const outageKafka = testKafka(servers.env['KAFKA_BROKERS']);
      const topic = `${uniqueName('outage')}.events.v1`;
      const group = uniqueName('outage');
      await provisionTestTopics(outageKafka, topic, group, [200]);
      const { catalog } = testContracts(topic);
      const writer = new OutboxWriter(catalog, 'tests');
      const producer = createIdempotentProducer(outageKafka);
      await producer.connect();
      const relay = new OutboxRelay({
        pool: database.pool,
        producer,
        logger: silentLogger,
        name: uniqueName('outage'),
        idlePollMs: 200,
      });
      const handled: { key: string; sequence: number }[] = [];
      const consumer = new ConsumerRuntime<PoolClient>({
        kafka: outageKafka,
        group,
        topics: [topic],
        catalog,
        idempotency: new PgIdempotencyStore(database.pool),
        retryDelaysMs: [200],
        logger: silentLogger,
        maxWaitTimeMs: 100,
        handlers: {
          'test.item_changed': async (event) => {
            handled.push({
              key: event.aggregate.id,
              sequence: (event.payload as { sequence: number }).sequence,
            });
          },
        },
      });
      relay.start();
      await consumer.start();

      const aggregates = ['p', 'q', 'r'];
      let sequence = 0;
      const writeSome = async (rounds: number) => {
        for (let round = 0; round < rounds; round++) {
          await writeEvents(database, writer, aggregates, sequence, 1);
          sequence += 1;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      };
      try {
        await writeSome(10);
        await waitFor('events before the outage handled', async () => handled.length === 30);
        await servers.stop('kafka');
        const outageEnds = Date.now() + 20_000;
        while (Date.now() < outageEnds) await writeSome(1);
        await servers.start('kafka');
        await writeSome(10);

        const expected = sequence * aggregates.length;
        await waitFor(
          `all ${expected} events handled`,
          async () => new Set(handled.map((h) => `${h.key}:${h.sequence}`)).size === expected,
          120_000,
        );
        for (const key of aggregates) {
          const seen = handled.filter((h) => h.key === key).map((h) => h.sequence);
          const firstSeen = seen.filter((value, index) => seen.indexOf(value) === index);
          expect(firstSeen).toEqual(Array.from({ length: sequence }, (_, index) => index));
        }
      } finally {
        await consumer.stop();
        await relay.stop();
        await producer.disconnect();
      }
    });
  });
});
