import type { Kafka, Producer } from 'kafkajs';
import type { PoolClient } from 'pg';
import { Registry } from 'prom-client';
import { ConsumerRuntime, DeadLetterError, on } from '../../src/events/consumer';
import { EventContractError } from '../../src/events/contracts';
import { HEADERS } from '../../src/events/envelope';
import { PgIdempotencyStore } from '../../src/events/idempotency';
import { OutboxWriter } from '../../src/events/outbox';
import { deadLetterTopic, retryTopic } from '../../src/events/topics';
import {
  createEventDatabase,
  provisionTestTopics,
  readTopic,
  type RecordedMessage,
  silentLogger,
  testContracts,
  testKafka,
  uniqueName,
  waitFor,
  type EventDatabase,
} from './harness';

const RETRY_DELAYS_MS = [200, 400];
const SYSTEM = { type: 'system', id: 'test' } as const;

describe('consumer runtime on a real broker and database', () => {
  let kafka: Kafka;
  let producer: Producer;
  let database: EventDatabase;
  let topic: string;
  let group: string;
  let runtime: ConsumerRuntime<PoolClient>;
  const registry = new Registry();
  const attempts = new Map<number, number[]>();
  let writer: OutboxWriter;

  /** Writes events through the outbox and publishes them as the relay would (the relay has its own tests). */
  const emit = async (aggregateId: string, sequence: number, note?: string) => {
    const client = await database.pool.connect();
    try {
      await client.query('BEGIN');
      const [envelope] = await writer.publish(client, {
        type: 'test.item_changed',
        aggregate: { id: aggregateId, version: sequence },
        actor: SYSTEM,
        payload: { sequence, ...(note ? { note } : {}) },
      });
      await client.query('COMMIT');
      await producer.send({
        topic,
        acks: -1,
        messages: [{ key: aggregateId, value: JSON.stringify(envelope) }],
      });
      return envelope!;
    } finally {
      client.release();
    }
  };

  beforeAll(async () => {
    kafka = testKafka();
    database = await createEventDatabase();
    topic = `${uniqueName('rt')}.events.v1`;
    group = uniqueName('runtime');
    const contracts = testContracts(topic);
    writer = new OutboxWriter(contracts.catalog, 'tests');
    await provisionTestTopics(kafka, topic, group, RETRY_DELAYS_MS);
    producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    runtime = new ConsumerRuntime<PoolClient>({
      kafka,
      group,
      topics: [topic],
      catalog: contracts.catalog,
      idempotency: new PgIdempotencyStore(database.pool),
      retryDelaysMs: RETRY_DELAYS_MS,
      logger: silentLogger,
      registry,
      maxWaitTimeMs: 100,
      handlers: {
        ...on(contracts.itemChanged, async (event, { tx, attempt }) => {
          const { sequence, note } = event.payload;
          attempts.set(sequence, [...(attempts.get(sequence) ?? []), attempt]);
          await tx.query('INSERT INTO effects (event_id, aggregate_id, sequence) VALUES ($1, $2, $3)', [
            event.eventId,
            event.aggregate.id,
            sequence,
          ]);
          if (note === 'fail-twice' && attempt < 3) throw new Error(`transient failure ${attempt}`);
          if (note === 'poison') throw new Error('cannot handle this item');
          if (note === 'hopeless') throw new DeadLetterError('retrying will not help');
        }),
      },
    });
    await runtime.start();
  });

  afterAll(async () => {
    await runtime?.stop();
    await producer?.disconnect();
    await database?.drop();
  });

  const effectsOf = async (sequence: number) =>
    (await database.pool.query('SELECT event_id FROM effects WHERE sequence = $1', [sequence])).rows;

  it('retries a handler that fails twice, with growing delays, and applies its effect once', async () => {
    const event = await emit('item-1', 1, 'fail-twice');
    await waitFor('third attempt succeeded', async () => (await effectsOf(1)).length === 1);
    expect(attempts.get(1)).toEqual([1, 2, 3]);
    expect((await effectsOf(1))[0].event_id).toBe(event.eventId);

    const first = await readTopic(kafka, retryTopic(group, 1), (messages) => messages.length >= 1);
    const second = await readTopic(kafka, retryTopic(group, 2), (messages) => messages.length >= 1);
    expect(first[0]?.headers[HEADERS.attempt]).toBe('2');
    expect(second[0]?.headers[HEADERS.attempt]).toBe('3');
    // The second wait is longer than the first: not-before minus last failure grows with the attempt.
    const wait = (message: RecordedMessage | undefined) =>
      Number(message?.headers[HEADERS.notBefore]) - Date.parse(message?.headers[HEADERS.lastFailureAt] ?? '');
    expect(wait(second[0])).toBeGreaterThan(wait(first[0]));
  });

  it('dead-letters a poison record after its last attempt with provenance, and keeps the partition flowing', async () => {
    const poison = await emit('item-2', 2, 'poison');
    await emit('item-2', 3);
    await waitFor('later record on the same key handled', async () => (await effectsOf(3)).length === 1);

    const [dead] = await readTopic(kafka, deadLetterTopic(group), (messages) =>
      messages.some((message) => message.value?.includes(poison.eventId)),
    ).then((messages) => messages.filter((message) => message.value?.includes(poison.eventId)));
    expect(attempts.get(2)).toEqual([1, 2, 3]);
    expect(await effectsOf(2)).toHaveLength(0);
    expect(dead?.key).toBe('item-2');
    expect(dead?.headers).toMatchObject({
      [HEADERS.originalTopic]: topic,
      [HEADERS.originalKey]: 'item-2',
      [HEADERS.errorClass]: 'Error',
      [HEADERS.errorMessage]: 'cannot handle this item',
      [HEADERS.attempt]: '3',
    });
    expect(dead?.headers[HEADERS.originalPartition]).toMatch(/^\d+$/);
    expect(dead?.headers[HEADERS.originalOffset]).toMatch(/^\d+$/);
    expect(Date.parse(dead?.headers[HEADERS.firstFailureAt] ?? '')).toBeLessThanOrEqual(
      Date.parse(dead?.headers[HEADERS.lastFailureAt] ?? ''),
    );
  });

  it('sends a DeadLetterError straight to the dead letters without retrying', async () => {
    const event = await emit('item-4', 4, 'hopeless');
    await readTopic(kafka, deadLetterTopic(group), (messages) =>
      messages.some((message) => message.value?.includes(event.eventId)),
    );
    expect(attempts.get(4)).toEqual([1]);
  });

  it('dead-letters unparseable and schema-invalid records at once and handles the next ones', async () => {
    await producer.send({
      topic,
      acks: -1,
      messages: [
        { key: 'item-5', value: '{not json' },
        {
          key: 'item-5',
          value: JSON.stringify({
            eventId: '0190a0b0-0000-7000-8000-000000000001',
            type: 'test.item_changed',
            version: 1,
            occurredAt: new Date().toISOString(),
            producer: 'rogue',
            aggregate: { type: 'Item', id: 'item-5', version: 1 },
            actor: SYSTEM,
            payload: { sequence: 'five' },
          }),
        },
      ],
    });
    await emit('item-5', 6);
    await waitFor('record after the bad ones handled', async () => (await effectsOf(6)).length === 1);
    const dead = await readTopic(
      kafka,
      deadLetterTopic(group),
      (messages) =>
        messages.some((message) => message.headers[HEADERS.errorClass] === 'SyntaxError') &&
        messages.some((message) => message.value?.includes('rogue')),
    );
    const invalid = dead.find((message) => message.value?.includes('rogue'));
    expect(invalid?.headers[HEADERS.errorClass]).toBe('EventContractError');
    expect(invalid?.headers[HEADERS.attempt]).toBe('1');
  });

  it('refuses a schema-invalid event at produce time and writes nothing', async () => {
    const client = await database.pool.connect();
    try {
      await client.query('BEGIN');
      await expect(
        writer.publish(client, {
          type: 'test.item_changed',
          aggregate: { id: 'item-7', version: 1 },
          actor: SYSTEM,
          payload: { sequence: -1 },
        }),
      ).rejects.toBeInstanceOf(EventContractError);
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
    const { rows } = await database.pool.query(
      "SELECT count(*)::int AS n FROM outbox_events WHERE partition_key = 'item-7'",
    );
    expect(rows[0].n).toBe(0);
  });

  it('handles a burst in shared transactions and isolates the one record that fails', async () => {
    const burst = Array.from({ length: 40 }, (_, index) => {
      const sequence = 100 + index;
      const { envelope } = writer.toEnvelope({
        type: 'test.item_changed',
        aggregate: { id: 'burst', version: sequence },
        actor: SYSTEM,
        payload: { sequence, ...(index === 17 ? { note: 'poison' } : {}) },
      });
      return { key: 'burst', value: JSON.stringify(envelope) };
    });
    await producer.send({ topic, acks: -1, messages: burst });
    await waitFor('the burst handled', async () => {
      const { rows } = await database.pool.query(
        'SELECT count(*)::int AS n FROM effects WHERE aggregate_id = $1',
        ['burst'],
      );
      return rows[0].n === 39;
    });
    const { rows } = await database.pool.query(
      'SELECT count(*)::int AS total, count(DISTINCT sequence)::int AS distinct FROM effects WHERE aggregate_id = $1',
      ['burst'],
    );
    expect(rows[0]).toEqual({ total: 39, distinct: 39 });
    expect(await effectsOf(117)).toHaveLength(0);
  });

  it('reports outcomes, dead letters and lag as Prometheus metrics', async () => {
    const text = await registry.metrics();
    expect(text).toMatch(
      new RegExp(
        `kafka_consumer_events_total\\{group="${group}",topic="${topic}",outcome="dead_lettered"\\} [1-9]`,
      ),
    );
    expect(text).toMatch(
      new RegExp(
        `kafka_consumer_events_total\\{group="${group}",topic="${topic}",outcome="retried"\\} [1-9]`,
      ),
    );
    expect(text).toMatch(new RegExp(`kafka_dead_letters\\{group="${group}"\\} [1-9]`));
    expect(text).toMatch(/kafka_consumer_handling_seconds_bucket/);
    expect(text).toMatch(
      new RegExp(`kafka_consumer_lag\\{group="${group}",topic="${topic}",partition="\\d+"\\} \\d+`),
    );
  });

  it('counts and skips event types it has no handler for', async () => {
    const before = (await database.pool.query('SELECT count(*)::int AS n FROM processed_events')).rows[0].n;
    await producer.send({
      topic,
      acks: -1,
      messages: [
        {
          key: 'item-8',
          value: JSON.stringify({
            eventId: '0190a0b0-0000-7000-8000-000000000008',
            type: 'test.something_else',
            version: 1,
            occurredAt: new Date().toISOString(),
            producer: 'tests',
            aggregate: { type: 'Item', id: 'item-8', version: 1 },
            actor: SYSTEM,
            payload: {},
          }),
        },
      ],
    });
    await emit('item-8', 9);
    await waitFor('record after the unknown type handled', async () => (await effectsOf(9)).length === 1);
    const after = (await database.pool.query('SELECT count(*)::int AS n FROM processed_events')).rows[0].n;
    expect(after - before).toBe(1);
  });
});
